/**
 * The whole client in one layer: {@link AgentPlatformClient}, {@link SessionService}, {@link RunService} and
 * {@link ActionService}.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { AgentPlatform } from "effect-agent-platform"
 *
 * // AP_API_KEY and AP_BASE_URL from the environment
 * const AgentPlatformLive = AgentPlatform.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import type { ConfigError } from "effect"
import { Layer } from "effect"
import * as ActionService from "./ActionService.js"
import * as AgentPlatformClient from "./AgentPlatformClient.js"
import * as RunService from "./RunService.js"
import * as SessionService from "./SessionService.js"

/**
 * Every service of the client.
 *
 * @since 0.1.0
 * @category models
 */
export type Services =
  | AgentPlatformClient.AgentPlatformClient
  | SessionService.SessionService
  | RunService.RunService
  | ActionService.ActionService

/**
 * The services over a given {@link AgentPlatformClient} layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFrom = <E, R>(
  client: Layer.Layer<AgentPlatformClient.AgentPlatformClient, E, R>
): Layer.Layer<Services, E, R> => {
  const runs = RunService.layer
  const services = Layer.mergeAll(
    runs,
    ActionService.layer,
    SessionService.layer.pipe(Layer.provide(runs))
  )
  return Layer.provideMerge(services, client)
}

/**
 * Every service, from explicit options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: AgentPlatformClient.Options
): Layer.Layer<Services, ConfigError.ConfigError, HttpClient.HttpClient> => layerFrom(AgentPlatformClient.layer(options))

/**
 * Every service, from `AP_API_KEY` and `AP_BASE_URL` (or the given `Config`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: Parameters<typeof AgentPlatformClient.layerConfig>[0]
): Layer.Layer<Services, ConfigError.ConfigError, HttpClient.HttpClient> =>
  layerFrom(AgentPlatformClient.layerConfig(options))
