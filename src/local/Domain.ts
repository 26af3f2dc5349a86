/**
 * What every part of the local platform shares: the failure that becomes an error body, the workspace of the
 * request, ids, timestamps, and the request bodies that the client's schemas do not describe whole.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { RunInput } from "../RunInput.js"
import { CreateSessionParams, Metadata } from "../Session.js"

/**
 * A contract error: its status, `code` and message become `{"error": "...", "code": "..."}`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiFailure extends Data.TaggedError("ApiFailure")<{
  readonly status: number
  readonly code: string
  readonly message: string
  readonly headers?: Record<string, string> | undefined
}> {}

/**
 * @since 0.1.0
 * @category errors
 */
export const invalidRequest = (message: string) => new ApiFailure({ status: 400, code: "INVALID_REQUEST", message })

/**
 * @since 0.1.0
 * @category errors
 */
export const notFound = (what: string, id: string) =>
  new ApiFailure({ status: 404, code: "NOT_FOUND", message: `no ${what} ${JSON.stringify(id)}` })

/**
 * @since 0.1.0
 * @category errors
 */
export const hostedModelUnavailable = () =>
  new ApiFailure({
    status: 503,
    code: "HOSTED_MODEL_UNAVAILABLE",
    message: "this workspace has no hosted model configured"
  })

/**
 * A service method wrapped in a span of the given name, as the client's methods are.
 *
 * @since 0.1.0
 * @category tracing
 */
export const traced = <Args extends ReadonlyArray<any>, A, E, R>(
  name: string,
  f: (...args: Args) => Effect.Effect<A, E, R>
) =>
(...args: Args): Effect.Effect<A, E, R> => Effect.withSpan(f(...args), name)

/**
 * The workspace of the key that made the current request.
 *
 * @since 0.1.0
 * @category tags
 */
export class CurrentWorkspace extends Context.Tag("effect-agent-platform/local/CurrentWorkspace")<
  CurrentWorkspace,
  string
>() {}

/**
 * A new opaque id with the contract's prefix (`sess`, `run`, `evt`, `tc`, `act_inv`, `msg`, `req`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeId = (prefix: string): string => `${prefix}_${randomBytes(12).toString("hex")}`

/**
 * The current time, RFC 3339 UTC to the second, as the contract writes timestamps. The wall clock on purpose:
 * stored timestamps must be real even when a test drives the Effect clock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z")

/**
 * The body of `POST /sessions`: the client's schema, with the title's 256 characters counted as characters
 * (code points), not UTF-16 code units.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateSessionBody = Schema.Struct({
  ...CreateSessionParams.fields,
  title: Schema.optional(Schema.String.pipe(Schema.filter((title) => Array.from(title).length <= 256, {
    message: () => "title must be at most 256 characters"
  })))
})

/**
 * The body of `POST /sessions/{id}/runs`: the client's run input, plus the modes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateRunBody = Schema.Struct({
  input: RunInput,
  wait: Schema.optional(Schema.Boolean),
  stream: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Metadata)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateRunBody extends Schema.Schema.Type<typeof CreateRunBody> {}

/**
 * The text of a run input: every message's text, in order, one per line.
 *
 * @since 0.1.0
 * @category accessors
 */
export const inputText = (input: CreateRunBody["input"], roles: ReadonlyArray<string> = ["user"]): string =>
  input
    .filter((message) => roles.includes(message.role))
    .map((message) =>
      typeof message.content === "string" ? message.content : message.content.map((part) => part.text).join("")
    )
    .join("\n")
