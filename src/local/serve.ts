/**
 * `npm run serve`: the local Agent Platform as a standalone process.
 *
 * Environment: `AP_LOCAL_PORT` (default 8787), `AP_LOCAL_HOST` (default 127.0.0.1), `AP_LOCAL_KEYS`
 * (`key=workspace,key2=workspace2`; without it one development key is made up and printed), `AP_LOCAL_DB`
 * (default `.agent-platform/local.db`, or `:memory:`), `AP_LOCAL_DELTA_DELAY_MS` (default 20),
 * `AP_LOCAL_WAIT_LIMIT_MS` (default 60000), `AP_LOCAL_DENY` (`workspace=action|action,…`: actions a workspace
 * may not use), and the faults of {@link Faults.config}.
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, ConfigError, Duration, Effect, Layer, Option, Redacted } from "effect"
import * as Faults from "./Faults.js"
import * as LocalPlatform from "./LocalPlatform.js"
import * as Store from "./Store.js"
import * as Workspaces from "./Workspaces.js"

const parseDeny = (text: string): Map<string, Set<string>> => {
  const deny = new Map<string, Set<string>>()
  for (const entry of text.split(",")) {
    const [workspace, actions] = entry.split("=")
    if (workspace === undefined || actions === undefined) continue
    deny.set(workspace.trim(), new Set(actions.split("|").map((action) => action.trim())))
  }
  return deny
}

const program = Effect.gen(function*() {
  const env = yield* Config.all({
    port: Config.integer("AP_LOCAL_PORT").pipe(Config.withDefault(8787)),
    host: Config.string("AP_LOCAL_HOST").pipe(Config.withDefault("127.0.0.1")),
    keys: Config.option(Config.redacted("AP_LOCAL_KEYS")),
    database: Config.string("AP_LOCAL_DB").pipe(Config.withDefault(Store.defaultFilename)),
    deltaDelay: Config.integer("AP_LOCAL_DELTA_DELAY_MS").pipe(Config.withDefault(20)),
    waitLimit: Config.integer("AP_LOCAL_WAIT_LIMIT_MS").pipe(Config.withDefault(60_000)),
    deny: Config.string("AP_LOCAL_DENY").pipe(Config.withDefault("")),
    faults: Faults.config
  })
  const configured = yield* Option.match(env.keys, {
    onNone: () => Effect.succeed(Option.none<Workspaces.Keys>()),
    onSome: (text) =>
      Effect.try({
        try: () => Workspaces.parseKeys(Redacted.value(text)),
        catch: (error) => ConfigError.InvalidData(["AP_LOCAL_KEYS"], error instanceof Error ? error.message : String(error))
      }).pipe(Effect.filterOrFail(
        (keys) => Object.keys(keys).length > 0,
        () => ConfigError.InvalidData(["AP_LOCAL_KEYS"], "expected at least one key=workspace pair")
      ), Effect.map(Option.some))
  })
  const keys = Option.getOrElse(configured, Workspaces.devKeys)
  const deny = parseDeny(env.deny)
  const platform = LocalPlatform.layer({
    port: env.port,
    host: env.host,
    keys,
    database: env.database,
    deltaDelay: Duration.millis(env.deltaDelay),
    waitLimit: Duration.millis(env.waitLimit),
    grants: (workspace, action) => deny.get(workspace)?.has(action) !== true,
    faults: env.faults
  })
  return yield* Layer.launch(Layer.effectDiscard(Effect.gen(function*() {
    const local = yield* LocalPlatform.LocalPlatform
    const workspaces = new Set(Object.values(keys))
    console.log(`Local Agent Platform on ${local.baseUrl} (database ${env.database}, ${workspaces.size} workspace${workspaces.size === 1 ? "" : "s"})`)
    if (Option.isNone(configured)) {
      console.log(`Development key (workspace ws_dev): ${Redacted.value(local.apiKey)}`)
      console.log(`  AP_BASE_URL=${local.baseUrl} AP_API_KEY=${Redacted.value(local.apiKey)}`)
    } else {
      console.log(`Keys from AP_LOCAL_KEYS for: ${Array.from(workspaces).join(", ")}`)
    }
  })).pipe(Layer.provide(platform)))
})

NodeRuntime.runMain(program)
