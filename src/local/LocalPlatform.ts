/**
 * The local Agent Platform as layers.
 *
 * - {@link layer}: the platform served over HTTP on loopback (an ephemeral port unless `port` is given), with
 *   the {@link LocalPlatform} service telling its base URL and keys;
 * - {@link layerClient}: that, plus the client's services (`AgentPlatform.layer`) pointed at it over the socket —
 *   one `Effect.provide` for a test;
 * - {@link layerClientInProcess}: the same without a socket: requests go straight to the server's handler.
 *
 * @since 0.1.0
 */
import { FetchHttpClient, HttpApp, HttpServer, HttpServerError } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { createServer } from "node:http"
import type { Server } from "node:http"
import * as AgentPlatform from "../AgentPlatform.js"
import type * as ClientPolicy from "../ClientPolicy.js"
import * as Faults from "./Faults.js"
import * as Gateway from "./Gateway.js"
import * as Http from "./Http.js"
import * as Idempotency from "./Idempotency.js"
import * as Model from "./Model.js"
import * as Runs from "./Runs.js"
import * as RunsRepo from "./Runs/Repo.js"
import * as Sessions from "./Sessions.js"
import * as SessionsRepo from "./Sessions/Repo.js"
import * as Store from "./Store.js"
import * as Workspaces from "./Workspaces.js"

/**
 * Options of the platform.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `{ [key]: workspace }`. Default: one development key for the workspace `ws_dev`. */
  readonly keys?: Workspaces.Keys | undefined
  /** The SQLite file, or `:memory:` (the default). */
  readonly database?: string | undefined
  /** The model. Default: the local model with `deltaDelay`. */
  readonly model?: Layer.Layer<Model.Model> | undefined
  /** The local model's pause before each delta. Default 0. */
  readonly deltaDelay?: Duration.DurationInput | undefined
  /** Actions added to the fixture catalog. */
  readonly actions?: ReadonlyArray<Gateway.ActionDefinition> | undefined
  /** Which workspace may use which action. Default: all. */
  readonly grants?: ((workspace: string, actionId: string) => boolean) | undefined
  readonly faults?: Faults.Options | undefined
  /** `wait: true` limit. Default 60 s. */
  readonly waitLimit?: Duration.DurationInput | undefined
  /** SSE keep-alive interval. Default 15 s. */
  readonly keepAliveInterval?: Duration.DurationInput | undefined
  /** Per-key rate limit. Default 10 000 requests a minute. */
  readonly rateLimit?: Http.RateLimit | undefined
}

/**
 * Options of the served platform.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions extends Options {
  /** Default 0: an ephemeral port. */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
}

/**
 * A running local platform.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** With `/v1`, as the client's `baseUrl` wants it. */
  readonly baseUrl: string
  readonly keys: Workspaces.Keys
  /** The first key. */
  readonly apiKey: Redacted.Redacted<string>
  /** The faults in force, to change at run time. */
  readonly faults: Faults.Service
  /** The store, to look at from tests. */
  readonly sql: SqlClient.SqlClient
}

/**
 * @since 0.1.0
 * @category tags
 */
export class LocalPlatform extends Context.Tag("effect-agent-platform/local/LocalPlatform")<LocalPlatform, Service>() {}

/**
 * The services the HTTP app needs.
 *
 * @since 0.1.0
 * @category models
 */
export type AppServices =
  | Runs.Runs
  | Sessions.Sessions
  | Gateway.Gateway
  | Faults.Faults
  | Workspaces.Workspaces
  | Idempotency.Idempotency
  | SqlClient.SqlClient

/**
 * Every service of the platform, without HTTP.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServices = (options: Options, keys: Workspaces.Keys): Layer.Layer<AppServices> => {
  const store = Store.layer({ filename: options.database ?? ":memory:" })
  const faults = Faults.layer(options.faults)
  const model = options.model ?? Model.layerLocal({ deltaDelay: options.deltaDelay ?? Duration.zero })
  const base = Layer.mergeAll(
    Gateway.layer({ actions: options.actions, grants: options.grants }),
    SessionsRepo.layer,
    RunsRepo.layer,
    Idempotency.layer
  ).pipe(Layer.provideMerge(Layer.merge(store, faults)))
  const sessions = Sessions.layer.pipe(Layer.provideMerge(base))
  const runs = Runs.layer({ waitLimit: options.waitLimit, keepAliveInterval: options.keepAliveInterval }).pipe(
    Layer.provideMerge(sessions),
    Layer.provide(model)
  )
  return Layer.merge(runs, Workspaces.layer(keys))
}

const firstKey = (keys: Workspaces.Keys) => {
  const key = Object.keys(keys)[0]
  if (key === undefined) throw new Error("the local platform needs at least one key")
  return Redacted.make(key)
}

const describe = (baseUrl: string, keys: Workspaces.Keys) =>
  Effect.gen(function*() {
    return LocalPlatform.of({
      baseUrl,
      keys,
      apiKey: firstKey(keys),
      faults: yield* Faults.Faults,
      sql: yield* SqlClient.SqlClient
    })
  })

/**
 * The platform served over HTTP on loopback.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ServeOptions = {}): Layer.Layer<LocalPlatform, HttpServerError.ServeError> => {
  const keys = options.keys ?? Workspaces.devKeys()
  let nodeServer: Server | undefined
  const server = NodeHttpServer.layer(() => (nodeServer = createServer()), {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1"
  })
  const served = HttpServer.serve(Http.makeApp({ rateLimit: options.rateLimit }))
  const info = Layer.scoped(
    LocalPlatform,
    Effect.gen(function*() {
      // open event streams would keep the server from closing: end every connection first
      yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer?.closeAllConnections()))
      const { address } = yield* HttpServer.HttpServer
      const host = address._tag === "TcpAddress"
        ? (address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname)
        : "localhost"
      const port = address._tag === "TcpAddress" ? address.port : 0
      return yield* describe(`http://${host}:${port}/v1`, keys)
    })
  )
  return Layer.merge(served, info).pipe(Layer.provide(server), Layer.provide(layerServices(options, keys)))
}

/**
 * Options of the client layers.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions extends ServeOptions {
  /** The client's retry, timeout and stream policy. */
  readonly policy?: ClientPolicy.PolicyOverrides | undefined
  /** The key the client uses. Default: the first of `keys`. */
  readonly apiKey?: string | undefined
}

const clientFor = (policy: ClientPolicy.PolicyOverrides | undefined, apiKey: string | undefined) =>
  Layer.unwrapEffect(Effect.map(LocalPlatform, (platform) =>
    AgentPlatform.layer({
      apiKey: apiKey === undefined ? platform.apiKey : Redacted.make(apiKey),
      baseUrl: platform.baseUrl,
      policy
    }))).pipe(Layer.orDie)

/**
 * The client's services for a running local platform with another of its keys (another workspace), over
 * `FetchHttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClientFor = (
  apiKey: string,
  policy?: ClientPolicy.PolicyOverrides
): Layer.Layer<AgentPlatform.Services, never, LocalPlatform> =>
  clientFor(policy, apiKey).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * The platform on a loopback socket and the client's services pointed at it (with the first key).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: ClientOptions = {}
): Layer.Layer<AgentPlatform.Services | LocalPlatform, HttpServerError.ServeError> =>
  clientFor(options.policy, options.apiKey).pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(layer(options)))

/**
 * The platform and the client without a socket: the client's requests go straight to the server's handler.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClientInProcess = (
  options: ClientOptions = {}
): Layer.Layer<AgentPlatform.Services | LocalPlatform> => {
  const keys = options.keys ?? Workspaces.devKeys()
  const baseUrl = "http://agent-platform.local/v1"
  const platform = Layer.scopedContext(Effect.gen(function*() {
    const runtime = yield* Effect.runtime<AppServices>()
    const handler = HttpApp.toWebHandlerRuntime(runtime)(Http.makeApp({ rateLimit: options.rateLimit }))
    const fetch: typeof globalThis.fetch = (input, init) =>
      handler(input instanceof Request ? input : new Request(input, init))
    return Context.make(LocalPlatform, yield* describe(baseUrl, keys)).pipe(
      Context.add(FetchHttpClient.Fetch, fetch)
    )
  })).pipe(Layer.provide(layerServices(options, keys)))
  const client = clientFor(options.policy, options.apiKey).pipe(Layer.provide(FetchHttpClient.layer))
  return Layer.provideMerge(client, platform).pipe(
    Layer.map((context) => Context.omit(FetchHttpClient.Fetch)(context))
  ) as Layer.Layer<AgentPlatform.Services | LocalPlatform>
}
