/**
 * Runs: one execution inside a session.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Metadata } from "./Session.js"

/**
 * The statuses the contract names. A run may carry any other string too; the client treats an unknown
 * status as not terminal.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownStatus = "queued" | "running" | "completed" | "failed" | "cancelled"

/**
 * The terminal statuses: exactly one ends every run.
 *
 * @since 0.1.0
 * @category models
 */
export type TerminalStatus = "completed" | "failed" | "cancelled"

/**
 * Whether a status is terminal (`completed`, `failed` or `cancelled`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isTerminalStatus = (status: string): status is TerminalStatus =>
  status === "completed" || status === "failed" || status === "cancelled"

/**
 * A run's status: one of {@link KnownStatus}, or any string a newer platform sends.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Status: Schema.Schema<KnownStatus | (string & {}), string> = Schema.String as any

/**
 * One content part of an output message. `output_text` parts carry `text`; other types pass through.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputContent = Schema.Struct({
  type: Schema.String,
  text: Schema.optional(Schema.String)
})

/**
 * One item of a run's `output`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutputItem = Schema.Struct({
  type: Schema.String,
  role: Schema.optional(Schema.String),
  content: Schema.optionalWith(Schema.Array(OutputContent), { default: () => [] })
})

/**
 * @since 0.1.0
 * @category models
 */
export interface OutputItem extends Schema.Schema.Type<typeof OutputItem> {}

/**
 * A tool call made during a run, through the gateway.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCall = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  status: Schema.String,
  arguments: Schema.optional(Schema.Unknown),
  result_preview: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.NullOr(Schema.String)),
  created_at: Schema.optional(Schema.String),
  updated_at: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCall extends Schema.Schema.Type<typeof ToolCall> {}

/**
 * A run's error, normalised: the contract allows a plain string or `{ code, message }`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunError {
  readonly code?: string | undefined
  readonly message: string
}

const RunErrorObject = Schema.Struct({
  code: Schema.optional(Schema.NullOr(Schema.String)),
  message: Schema.optionalWith(Schema.String, { default: () => "run failed" })
})

/**
 * Decodes a run's `error` in either accepted form into {@link RunError}.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunError: Schema.Schema<RunError, string | typeof RunErrorObject.Encoded> = Schema.transform(
  Schema.Union(Schema.String, RunErrorObject),
  Schema.Struct({ code: Schema.optional(Schema.String), message: Schema.String }),
  {
    strict: false,
    decode: (error) =>
      typeof error === "string"
        ? { message: error }
        : error.code == null
        ? { message: error.message }
        : { code: error.code, message: error.message },
    encode: (error) => error
  }
)

/**
 * A run. Unknown fields are ignored; `output` and `tool_calls` default to empty arrays.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Run = Schema.Struct({
  id: Schema.String,
  object: Schema.optional(Schema.String),
  session_id: Schema.String,
  status: Status,
  source: Schema.optional(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.optional(Schema.String),
  completed_at: Schema.optional(Schema.NullOr(Schema.String)),
  output: Schema.optionalWith(Schema.Array(OutputItem), { default: () => [], nullable: true }),
  tool_calls: Schema.optionalWith(Schema.Array(ToolCall), { default: () => [], nullable: true }),
  error: Schema.optional(Schema.NullOr(RunError)),
  metadata: Schema.optional(Schema.NullOr(Metadata))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Run extends Schema.Schema.Type<typeof Run> {}

/**
 * The text of a run's output: every `output_text` part of every assistant message, joined.
 *
 * @since 0.1.0
 * @category accessors
 */
export const outputText = (run: Pick<Run, "output">): string => {
  let text = ""
  for (const item of run.output) {
    if (item.type !== "message") continue
    for (const part of item.content) {
      if (part.type === "output_text" && part.text !== undefined) text += part.text
    }
  }
  return text
}
