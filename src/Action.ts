/**
 * Gateway-backed actions and their invocations (the audit trail).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * An action of the gateway's catalog. `input_schema` is a JSON Schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Action = Schema.Struct({
  id: Schema.String,
  object: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  integration: Schema.optional(Schema.String),
  provider: Schema.optional(Schema.String),
  read_only: Schema.optional(Schema.Boolean),
  input_schema: Schema.optional(Schema.Unknown)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Action extends Schema.Schema.Type<typeof Action> {}

/**
 * One call of an action: the answer of `POST /action_invocations` and a record of the audit trail (which
 * also has `input_keys`, the top-level keys of the input, never its values).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ActionInvocation = Schema.Struct({
  id: Schema.String,
  object: Schema.optional(Schema.String),
  action: Schema.String,
  status: Schema.String,
  result: Schema.optionalWith(Schema.Unknown, { default: () => null }),
  error: Schema.optional(Schema.NullOr(Schema.String)),
  session_id: Schema.optional(Schema.NullOr(Schema.String)),
  connection_id: Schema.optional(Schema.NullOr(Schema.String)),
  input_keys: Schema.optional(Schema.Array(Schema.String)),
  duration_ms: Schema.optional(Schema.Number),
  created_at: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ActionInvocation extends Schema.Schema.Type<typeof ActionInvocation> {}

/**
 * The body of `POST /action_invocations`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InvokeParams = Schema.Struct({
  action: Schema.String.pipe(Schema.minLength(1, { message: () => "action must not be empty" })),
  input: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  session_id: Schema.optional(Schema.String),
  connection_id: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface InvokeParams extends Schema.Schema.Type<typeof InvokeParams> {}
