/**
 * How the examples run when started directly (`npx tsx examples/wait.ts`): against the platform named by
 * AP_API_KEY and AP_BASE_URL. Tests import their `program` and provide another layer instead.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { pathToFileURL } from "node:url"
import { AgentPlatform } from "effect-agent-platform"

export const AgentPlatformLive = AgentPlatform.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

export const isMain = (moduleUrl: string) =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href

export const runIfMain = <A, E>(moduleUrl: string, program: Effect.Effect<A, E, AgentPlatform.Services>) => {
  if (isMain(moduleUrl)) program.pipe(Effect.provide(AgentPlatformLive), NodeRuntime.runMain)
}
