/**
 * The gateway: a catalog of read-only actions, each with an Effect schema for its input (published as JSON
 * Schema), per-workspace grants, and the audit trail of every invocation, from a run or from
 * `action_invocations`. Five fixture actions answer from the seed data in the store; users register their own
 * with {@link action}.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Data, Effect, JSONSchema, Layer, ParseResult, Schema } from "effect"
import { ApiFailure, invalidRequest, makeId, notFound, now, traced } from "./Domain.js"

/**
 * A provider failure: the invocation is recorded `failed` with this message.
 *
 * @since 0.1.0
 * @category errors
 */
export class ActionError extends Data.TaggedError("ActionError")<{ readonly message: string }> {}

/**
 * What a handler may use besides its input.
 *
 * @since 0.1.0
 * @category models
 */
export interface ActionContext {
  readonly workspace: string
  readonly sessionId: string | null
  readonly connectionId: string | null
  /** The seeded records of an integration, e.g. `records("linear", "issue")`. */
  readonly records: (integration: string, kind: string) => Effect.Effect<ReadonlyArray<Record<string, any>>>
}

/**
 * An action of the catalog.
 *
 * @since 0.1.0
 * @category models
 */
export interface ActionDefinition<I = any> {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly integration: string
  readonly provider: string
  readonly input: Schema.Schema<I, any>
  readonly handler: (input: I, context: ActionContext) => Effect.Effect<unknown, ActionError>
}

/**
 * Defines an action (the identity, for type inference of the handler's input).
 *
 * @since 0.1.0
 * @category constructors
 */
export const action = <I, E>(definition: {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly integration: string
  readonly provider?: string
  readonly input: Schema.Schema<I, E>
  readonly handler: (input: I, context: ActionContext) => Effect.Effect<unknown, ActionError>
}): ActionDefinition<I> => ({ ...definition, provider: definition.provider ?? definition.integration })

const Limit = Schema.Int.pipe(Schema.between(1, 50)).annotations({ description: "at most this many items (1..50)" })

/**
 * The fixture actions: `linear.issues.list`, `linear.issues.get`, `slack.channels.list`,
 * `slack.messages.search`, `google.calendar.events.list`. `slack.messages.search` with the query `[fail]` is a
 * provider failure, and `linear.issues.get` of an unknown issue fails too.
 *
 * @since 0.1.0
 * @category constants
 */
export const fixtureActions: ReadonlyArray<ActionDefinition> = [
  action({
    id: "linear.issues.list",
    name: "List Linear issues",
    description: "Issues of the workspace's Linear teams, optionally filtered by team and state.",
    integration: "linear",
    input: Schema.Struct({
      team: Schema.optional(Schema.String),
      state: Schema.optional(Schema.Literal("open", "in_progress", "done")),
      limit: Schema.optional(Limit)
    }),
    handler: (input, context) =>
      Effect.map(context.records("linear", "issue"), (issues) => {
        const matching = issues.filter((issue) =>
          (input.team === undefined || issue.team === input.team) &&
          (input.state === undefined || issue.state === input.state)
        )
        return { issues: matching.slice(0, input.limit ?? 50) }
      })
  }),
  action({
    id: "linear.issues.get",
    name: "Get a Linear issue",
    description: "One Linear issue by its identifier, e.g. ENG-101.",
    integration: "linear",
    input: Schema.Struct({ id: Schema.String.pipe(Schema.minLength(1)) }),
    handler: (input, context) =>
      Effect.flatMap(context.records("linear", "issue"), (issues) => {
        const found = issues.find((issue) => issue.id === input.id)
        return found === undefined
          ? Effect.fail(new ActionError({ message: `Linear has no issue ${input.id}` }))
          : Effect.succeed({ issue: found })
      })
  }),
  action({
    id: "slack.channels.list",
    name: "List Slack channels",
    description: "The Slack channels of the connected workspace.",
    integration: "slack",
    input: Schema.Struct({ limit: Schema.optional(Limit) }),
    handler: (input, context) =>
      Effect.map(context.records("slack", "channel"), (channels) => ({ channels: channels.slice(0, input.limit ?? 50) }))
  }),
  action({
    id: "slack.messages.search",
    name: "Search Slack messages",
    description: "Slack messages containing any word of the query, optionally in one channel.",
    integration: "slack",
    input: Schema.Struct({
      query: Schema.String.pipe(Schema.minLength(1)),
      channel: Schema.optional(Schema.String),
      limit: Schema.optional(Limit)
    }),
    handler: (input, context) => {
      if (input.query.includes("[fail]")) {
        return Effect.fail(new ActionError({ message: "Slack answered 502: the provider is unavailable" }))
      }
      const words = input.query.toLowerCase().split(/\W+/).filter((word) => word.length >= 3)
      return Effect.map(context.records("slack", "message"), (messages) => ({
        messages: messages
          .filter((message) =>
            (input.channel === undefined || message.channel === input.channel) &&
            words.some((word) => String(message.text).toLowerCase().includes(word))
          )
          .slice(0, input.limit ?? 50)
      }))
    }
  }),
  action({
    id: "google.calendar.events.list",
    name: "List Google Calendar events",
    description: "Events of the connected calendar between time_min and time_max (RFC 3339).",
    integration: "google",
    provider: "google",
    input: Schema.Struct({
      time_min: Schema.optional(Schema.String),
      time_max: Schema.optional(Schema.String),
      limit: Schema.optional(Limit)
    }),
    handler: (input, context) =>
      Effect.map(context.records("google", "calendar_event"), (events) => ({
        events: events
          .filter((event) =>
            (input.time_min === undefined || String(event.start) >= input.time_min) &&
            (input.time_max === undefined || String(event.start) <= input.time_max)
          )
          .slice(0, input.limit ?? 50)
      }))
  })
]

/**
 * Options of the gateway.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Actions added to (or replacing, by id) the fixture actions. */
  readonly actions?: ReadonlyArray<ActionDefinition> | undefined
  /** Whether a workspace may use an action. Default: every action is granted. */
  readonly grants?: ((workspace: string, actionId: string) => boolean) | undefined
}

/**
 * An invocation as the API writes it (the audit record, with `input_keys`).
 *
 * @since 0.1.0
 * @category models
 */
export interface InvocationJson {
  readonly id: string
  readonly object: "action_invocation"
  readonly action: string
  readonly status: "succeeded" | "failed"
  readonly result: unknown
  readonly error?: string
  readonly session_id: string | null
  readonly run_id: string | null
  readonly connection_id: string | null
  readonly input_keys: ReadonlyArray<string>
  readonly duration_ms: number
  readonly created_at: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface InvokeParams {
  readonly workspace: string
  readonly action: string
  readonly input: unknown
  readonly sessionId?: string | undefined
  readonly runId?: string | undefined
  readonly connectionId?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The catalog as `GET /actions` answers it. */
  readonly catalog: ReadonlyArray<Record<string, unknown>>
  readonly has: (actionId: string) => boolean
  /**
   * Checks the action, the grant, the session and the input, runs the handler and records the invocation.
   * A provider failure is a recorded invocation with `status: "failed"`, not an error.
   */
  readonly invoke: (params: InvokeParams) => Effect.Effect<InvocationJson, ApiFailure>
  readonly list: (
    workspace: string,
    page: { readonly limit: number; readonly startingAfter: string | undefined }
  ) => Effect.Effect<{ readonly data: ReadonlyArray<InvocationJson>; readonly has_more: boolean }, ApiFailure>
  readonly get: (workspace: string, id: string) => Effect.Effect<InvocationJson, ApiFailure>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Gateway extends Context.Tag("effect-agent-platform/local/Gateway")<Gateway, Service>() {}

type InvocationRow = {
  readonly id: string
  readonly action: string
  readonly status: "succeeded" | "failed"
  readonly result: string | null
  readonly error: string | null
  readonly session_id: string | null
  readonly run_id: string | null
  readonly connection_id: string | null
  readonly input_keys: string
  readonly duration_ms: number
  readonly created_at: string
}

const toJson = (row: InvocationRow): InvocationJson => ({
  id: row.id,
  object: "action_invocation",
  action: row.action,
  status: row.status,
  result: row.result === null ? null : JSON.parse(row.result),
  ...(row.error === null ? {} : { error: row.error }),
  session_id: row.session_id,
  run_id: row.run_id,
  connection_id: row.connection_id,
  input_keys: JSON.parse(row.input_keys),
  duration_ms: row.duration_ms,
  created_at: row.created_at
})

const describeIssue = (issue: ParseResult.ParseIssue): string =>
  ParseResult.ArrayFormatter.formatIssueSync(issue)
    .map((entry) => entry.path.length === 0 ? entry.message : `${entry.path.join(".")}: ${entry.message}`)
    .join("; ")

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const definitions = new Map<string, ActionDefinition>()
    for (const definition of [...fixtureActions, ...(options.actions ?? [])]) definitions.set(definition.id, definition)
    const granted = options.grants ?? (() => true)

    const catalog = Array.from(definitions.values()).map((definition) => ({
      id: definition.id,
      object: "action",
      name: definition.name,
      description: definition.description,
      integration: definition.integration,
      provider: definition.provider,
      read_only: true,
      input_schema: JSONSchema.make(definition.input)
    }))

    const records = (integration: string, kind: string) =>
      sql<{ readonly json: string }>`SELECT json FROM seed_records WHERE integration = ${integration} AND kind = ${kind} ORDER BY id`
        .pipe(Effect.map((rows) => rows.map((row) => JSON.parse(row.json) as Record<string, any>)), Effect.orDie)

    const invoke = (params: InvokeParams) =>
      Effect.gen(function*() {
        const definition = definitions.get(params.action)
        if (definition === undefined) {
          return yield* new ApiFailure({
            status: 404,
            code: "ACTION_NOT_FOUND",
            message: `no action ${JSON.stringify(params.action)}`
          })
        }
        if (!granted(params.workspace, definition.id)) {
          return yield* new ApiFailure({
            status: 403,
            code: "PERMISSION_DENIED",
            message: `this workspace may not use the action ${definition.id}`
          })
        }
        if (params.sessionId !== undefined) {
          const rows = yield* sql`SELECT id FROM sessions WHERE id = ${params.sessionId} AND workspace = ${params.workspace}`
          if (rows.length === 0) return yield* notFound("session", params.sessionId)
        }
        const decoded = Schema.decodeUnknownEither(definition.input)(params.input ?? {}, { onExcessProperty: "error" })
        if (decoded._tag === "Left") {
          return yield* invalidRequest(`the input of ${definition.id} is invalid: ${describeIssue(decoded.left.issue)}`)
        }
        const started = Date.now()
        const outcome = yield* definition.handler(decoded.right, {
          workspace: params.workspace,
          sessionId: params.sessionId ?? null,
          connectionId: params.connectionId ?? null,
          records
        }).pipe(Effect.either)
        const row: InvocationRow = {
          id: makeId("act_inv"),
          action: definition.id,
          status: outcome._tag === "Right" ? "succeeded" : "failed",
          result: outcome._tag === "Right" ? JSON.stringify(outcome.right ?? null) : null,
          error: outcome._tag === "Left" ? outcome.left.message : null,
          session_id: params.sessionId ?? null,
          run_id: params.runId ?? null,
          connection_id: params.connectionId ?? null,
          input_keys: JSON.stringify(
            typeof params.input === "object" && params.input !== null ? Object.keys(params.input) : []
          ),
          duration_ms: Date.now() - started,
          created_at: now()
        }
        yield* sql`INSERT INTO invocations ${
          sql.insert({ ...row, workspace: params.workspace })
        }`
        return toJson(row)
      }).pipe(Effect.catchTag("SqlError", Effect.die))

    const list = (workspace: string, page: { readonly limit: number; readonly startingAfter: string | undefined }) =>
      Effect.gen(function*() {
        let before = Number.MAX_SAFE_INTEGER
        if (page.startingAfter !== undefined) {
          const [anchor] = yield* sql<{ readonly n: number }>`SELECT n FROM invocations WHERE id = ${page.startingAfter} AND workspace = ${workspace}`
          if (anchor === undefined) return yield* invalidRequest(`starting_after: no action invocation ${JSON.stringify(page.startingAfter)}`)
          before = anchor.n
        }
        const rows = yield* sql<InvocationRow>`SELECT * FROM invocations WHERE workspace = ${workspace} AND n < ${before} ORDER BY n DESC LIMIT ${page.limit + 1}`
        return { data: rows.slice(0, page.limit).map(toJson), has_more: rows.length > page.limit }
      }).pipe(Effect.catchTag("SqlError", Effect.die))

    const get = (workspace: string, id: string) =>
      Effect.gen(function*() {
        const [row] = yield* sql<InvocationRow>`SELECT * FROM invocations WHERE id = ${id} AND workspace = ${workspace}`
        if (row === undefined) return yield* notFound("action invocation", id)
        return toJson(row)
      }).pipe(Effect.catchTag("SqlError", Effect.die))

    return Gateway.of({
      catalog,
      has: (id) => definitions.has(id),
      invoke: traced("LocalPlatform.Gateway.invoke", invoke),
      list: traced("LocalPlatform.Gateway.list", list),
      get: traced("LocalPlatform.Gateway.get", get)
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<Gateway, never, SqlClient.SqlClient> =>
  Layer.effect(Gateway, make(options))
