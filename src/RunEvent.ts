/**
 * Run events: the durable, numbered record of what a run did. Twelve named types, plus {@link Unknown} for any
 * type a newer platform sends, so that a new event type never breaks a stream.
 *
 * Every decoded event carries a `_tag` for matching (`Match.tag`, `switch (event._tag)`) besides the wire's
 * `type`.
 *
 * @since 0.1.0
 */
import { Either, ParseResult, Schema } from "effect"
import * as AST from "effect/SchemaAST"
import { DecodeError } from "./ApiError.js"

const envelope = {
  id: Schema.String,
  run_id: Schema.String,
  session_id: Schema.optional(Schema.String),
  sequence_number: Schema.Int.pipe(Schema.positive()),
  created_at: Schema.String
}

/**
 * A fast check of an event's `data`, derived from its schema: each property is a string, a string or null, or
 * anything, required or optional. `undefined` when the schema has a property of another kind (then only the
 * schema decodes it).
 */
type FastCheck = (data: Record<string, unknown>) => Record<string, unknown> | undefined

const fastChecks = new Map<string, { readonly tag: string; readonly check: FastCheck | undefined }>()

const isNullLiteral = (ast: AST.AST) => ast._tag === "Literal" && ast.literal === null

const fieldKind = (ast: AST.AST): "string" | "string|null" | "unknown" | undefined => {
  if (ast._tag === "StringKeyword") return "string"
  if (ast._tag === "UnknownKeyword") return "unknown"
  if (
    ast._tag === "Union" && ast.types.length === 2 &&
    ast.types.some((member) => member._tag === "StringKeyword") && ast.types.some(isNullLiteral)
  ) return "string|null"
  if (ast._tag === "Union" && ast.types.length === 2 && ast.types.some((member) => member._tag === "UndefinedKeyword")) {
    return fieldKind(ast.types.find((member) => member._tag !== "UndefinedKeyword")!)
  }
  return undefined
}

const makeFastCheck = (schema: { readonly ast: AST.AST }): FastCheck | undefined => {
  const ast = AST.encodedAST(schema.ast)
  if (ast._tag !== "TypeLiteral" || ast.indexSignatures.length > 0) return undefined
  const fields: Array<{ readonly name: string; readonly optional: boolean; readonly kind: "string" | "string|null" | "unknown" }> = []
  for (const property of ast.propertySignatures) {
    const kind = fieldKind(property.type)
    if (kind === undefined || typeof property.name !== "string") return undefined
    fields.push({ name: property.name, optional: property.isOptional, kind })
  }
  return (data) => {
    const out: Record<string, unknown> = {}
    for (const field of fields) {
      const value = data[field.name]
      if (value === undefined) {
        if (!field.optional || (field.name in data && field.kind !== "unknown")) return undefined
        continue
      }
      if (field.kind === "string" ? typeof value !== "string" : field.kind === "string|null" ? (value !== null && typeof value !== "string") : false) {
        return undefined
      }
      out[field.name] = value
    }
    return out
  }
}

const event = <Tag extends string, Type extends string, Data extends Schema.Struct.Fields>(
  tag: Tag,
  type: Type,
  data: Data
) => {
  const dataSchema = Schema.Struct(data)
  fastChecks.set(type, { tag, check: makeFastCheck(dataSchema) })
  return Schema.Struct({ type: Schema.Literal(type), ...envelope, data: dataSchema }).pipe(
    Schema.attachPropertySignature("_tag", tag)
  )
}

/**
 * `run.created`: the run exists, `queued`.
 * @since 0.1.0
 * @category schemas
 */
export const RunCreated = event("RunCreated", "run.created", { status: Schema.optional(Schema.String) })
/** @since 0.1.0 @category models */
export type RunCreated = typeof RunCreated.Type

/**
 * `run.started`: the run is `running`.
 * @since 0.1.0
 * @category schemas
 */
export const RunStarted = event("RunStarted", "run.started", { status: Schema.optional(Schema.String) })
/** @since 0.1.0 @category models */
export type RunStarted = typeof RunStarted.Type

/**
 * `reasoning.summary.delta`: a piece of the model's reasoning summary.
 * @since 0.1.0
 * @category schemas
 */
export const ReasoningSummaryDelta = event("ReasoningSummaryDelta", "reasoning.summary.delta", {
  delta: Schema.String
})
/** @since 0.1.0 @category models */
export type ReasoningSummaryDelta = typeof ReasoningSummaryDelta.Type

/**
 * `tool_call.started`: the model called an action through the gateway.
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallStarted = event("ToolCallStarted", "tool_call.started", {
  tool_call_id: Schema.String,
  name: Schema.optional(Schema.String)
})
/** @since 0.1.0 @category models */
export type ToolCallStarted = typeof ToolCallStarted.Type

/**
 * `tool_call.arguments.delta`: a piece of a tool call's JSON arguments.
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallArgumentsDelta = event("ToolCallArgumentsDelta", "tool_call.arguments.delta", {
  tool_call_id: Schema.String,
  delta: Schema.String
})
/** @since 0.1.0 @category models */
export type ToolCallArgumentsDelta = typeof ToolCallArgumentsDelta.Type

/**
 * `tool_call.completed`: the action answered; `result_preview` is a preview of its result.
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallCompleted = event("ToolCallCompleted", "tool_call.completed", {
  tool_call_id: Schema.String,
  name: Schema.String,
  result_preview: Schema.optional(Schema.Unknown)
})
/** @since 0.1.0 @category models */
export type ToolCallCompleted = typeof ToolCallCompleted.Type

/**
 * `tool_call.failed`: the action failed.
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallFailed = event("ToolCallFailed", "tool_call.failed", {
  tool_call_id: Schema.String,
  name: Schema.optional(Schema.String),
  error: Schema.String
})
/** @since 0.1.0 @category models */
export type ToolCallFailed = typeof ToolCallFailed.Type

/**
 * `message.output.delta`: a piece of the answer's text.
 * @since 0.1.0
 * @category schemas
 */
export const MessageOutputDelta = event("MessageOutputDelta", "message.output.delta", { delta: Schema.String })
/** @since 0.1.0 @category models */
export type MessageOutputDelta = typeof MessageOutputDelta.Type

/**
 * `message.output.completed`: the whole message; it replaces the deltas before it.
 * @since 0.1.0
 * @category schemas
 */
export const MessageOutputCompleted = event("MessageOutputCompleted", "message.output.completed", {
  text: Schema.String
})
/** @since 0.1.0 @category models */
export type MessageOutputCompleted = typeof MessageOutputCompleted.Type

/**
 * `run.completed` (terminal).
 * @since 0.1.0
 * @category schemas
 */
export const RunCompleted = event("RunCompleted", "run.completed", { status: Schema.optional(Schema.String) })
/** @since 0.1.0 @category models */
export type RunCompleted = typeof RunCompleted.Type

/**
 * `run.failed` (terminal).
 * @since 0.1.0
 * @category schemas
 */
export const RunFailed = event("RunFailed", "run.failed", {
  error: Schema.String,
  code: Schema.optional(Schema.NullOr(Schema.String))
})
/** @since 0.1.0 @category models */
export type RunFailed = typeof RunFailed.Type

/**
 * `run.cancelled` (terminal).
 * @since 0.1.0
 * @category schemas
 */
export const RunCancelled = event("RunCancelled", "run.cancelled", { status: Schema.optional(Schema.String) })
/** @since 0.1.0 @category models */
export type RunCancelled = typeof RunCancelled.Type

/**
 * The twelve event types of the contract, by their wire `type`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const known = {
  "run.created": RunCreated,
  "run.started": RunStarted,
  "reasoning.summary.delta": ReasoningSummaryDelta,
  "tool_call.started": ToolCallStarted,
  "tool_call.arguments.delta": ToolCallArgumentsDelta,
  "tool_call.completed": ToolCallCompleted,
  "tool_call.failed": ToolCallFailed,
  "message.output.delta": MessageOutputDelta,
  "message.output.completed": MessageOutputCompleted,
  "run.completed": RunCompleted,
  "run.failed": RunFailed,
  "run.cancelled": RunCancelled
} as const

/**
 * The wire names of the twelve known types.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownType = keyof typeof known

const knownTypes: ReadonlySet<string> = new Set(Object.keys(known))

/**
 * Whether a wire `type` is one of the twelve of the contract.
 *
 * @since 0.1.0
 * @category guards
 */
export const isKnownType = (type: string): type is KnownType => knownTypes.has(type)

/**
 * An event of a type this client does not know. It reaches the caller unchanged (its `data` undecoded),
 * never as a failure.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Unknown = Schema.Struct({
  type: Schema.String.pipe(Schema.filter((type) => !knownTypes.has(type), {
    message: () => "a known event type must match its own schema"
  })),
  ...envelope,
  data: Schema.optional(Schema.Unknown)
}).pipe(Schema.attachPropertySignature("_tag", "Unknown"))
/** @since 0.1.0 @category models */
export type Unknown = typeof Unknown.Type

/**
 * Any run event.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunEvent = Schema.Union(
  RunCreated,
  RunStarted,
  ReasoningSummaryDelta,
  ToolCallStarted,
  ToolCallArgumentsDelta,
  ToolCallCompleted,
  ToolCallFailed,
  MessageOutputDelta,
  MessageOutputCompleted,
  RunCompleted,
  RunFailed,
  RunCancelled,
  Unknown
)

/**
 * @since 0.1.0
 * @category models
 */
export type RunEvent = typeof RunEvent.Type

/**
 * The encoded (wire) form of a run event.
 *
 * @since 0.1.0
 * @category models
 */
export type Encoded = typeof RunEvent.Encoded

/**
 * A terminal event: `run.completed`, `run.failed` or `run.cancelled`.
 *
 * @since 0.1.0
 * @category models
 */
export type Terminal = RunCompleted | RunFailed | RunCancelled

/**
 * Whether an event ends its run.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTerminal = (event: RunEvent): event is Terminal =>
  event._tag === "RunCompleted" || event._tag === "RunFailed" || event._tag === "RunCancelled"

const decoders = new Map<string, (u: unknown) => Either.Either<RunEvent, ParseResult.ParseIssue>>(
  Object.entries(known).map(([type, schema]) => [
    type,
    ParseResult.decodeUnknownEither(schema as Schema.Schema<RunEvent, any>)
  ])
)
const decodeUnknownType = ParseResult.decodeUnknownEither(Unknown)

const MAX_MESSAGE = 300

const shorten = (text: string) => text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text

/** @internal */
export const issueToDecodeError = (
  issue: ParseResult.ParseIssue,
  subject: string,
  requestId?: string | undefined
): DecodeError => {
  const [first] = ParseResult.ArrayFormatter.formatIssueSync(issue)
  const path = first ? first.path.map(String).join(".") : ""
  return new DecodeError({
    subject,
    path,
    message: shorten(first ? (path === "" ? first.message : `${path}: ${first.message}`) : "does not match"),
    ...(requestId === undefined ? {} : { requestId })
  })
}

/**
 * The common case without the schema machinery: a well-formed event whose envelope and `data` pass the checks
 * derived from its schema is built directly, exactly as the schema would decode it. Anything else (`undefined`)
 * goes through the schema, which also says what did not match. A test keeps the two in agreement.
 *
 * @internal
 */
export const decodeFast = (u: Record<string, unknown>, type: string): RunEvent | undefined => {
  const { id, run_id, session_id, sequence_number, created_at } = u
  if (
    typeof id !== "string" || typeof run_id !== "string" || typeof created_at !== "string" ||
    (session_id !== undefined && typeof session_id !== "string") ||
    typeof sequence_number !== "number" || !Number.isSafeInteger(sequence_number) || sequence_number <= 0
  ) return undefined
  const out: Record<string, unknown> = { type, id, run_id, sequence_number, created_at }
  if (session_id !== undefined) out.session_id = session_id
  const known = fastChecks.get(type)
  if (known === undefined) {
    if (u.data !== undefined) out.data = u.data
    out._tag = "Unknown"
    return out as RunEvent
  }
  if (known.check === undefined) return undefined
  const data = u.data
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined
  const checked = known.check(data as Record<string, unknown>)
  if (checked === undefined) return undefined
  out.data = checked
  out._tag = known.tag
  return out as RunEvent
}

/**
 * Decodes one event from its JSON value: a known type against its own schema (a malformed known event is a
 * {@link DecodeError}), any other type as {@link Unknown}.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (u: unknown, requestId?: string): Either.Either<RunEvent, DecodeError> => {
  const type = typeof u === "object" && u !== null ? (u as { type?: unknown }).type : undefined
  if (typeof type !== "string") {
    return Either.left(
      new DecodeError({
        subject: "run event",
        path: "type",
        message: "a run event must be an object with a string `type`",
        ...(requestId === undefined ? {} : { requestId })
      })
    )
  }
  const fast = decodeFast(u as Record<string, unknown>, type)
  if (fast !== undefined) return Either.right(fast)
  const decoder = decoders.get(type)
  const result = decoder ? decoder(u) : decodeUnknownType(u)
  return Either.isRight(result)
    ? result as Either.Either<RunEvent, never>
    : Either.left(issueToDecodeError(result.left, `run event ${shorten(type)}`, requestId))
}

/**
 * Decodes one event from the JSON text of an SSE frame's `data`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeJson = (text: string, requestId?: string): Either.Either<RunEvent, DecodeError> => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return Either.left(
      new DecodeError({
        subject: "run event",
        path: "",
        message: `event data is not JSON: ${shorten(cause instanceof Error ? cause.message : String(cause))}`,
        ...(requestId === undefined ? {} : { requestId })
      })
    )
  }
  return decode(value, requestId)
}

/**
 * A tool call as folded from a run's events.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallSummary {
  readonly id: string
  readonly name: string | undefined
  readonly status: "running" | "completed" | "failed"
  /** The argument deltas joined: the JSON text of the arguments. */
  readonly arguments: string
  readonly resultPreview?: unknown
  readonly error?: string
}

/**
 * What a run's events add up to.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly runId: string | undefined
  readonly sessionId: string | undefined
  /** The answer: the deltas joined, replaced by `message.output.completed` when it came. */
  readonly text: string
  readonly reasoning: string
  readonly toolCalls: ReadonlyArray<ToolCallSummary>
  /** The terminal status, or `undefined` while the run has not ended. */
  readonly status: "completed" | "failed" | "cancelled" | undefined
  readonly error: { readonly message: string; readonly code?: string | undefined } | undefined
  readonly lastSequenceNumber: number
  readonly events: number
}

/**
 * The summary of no events.
 *
 * @since 0.1.0
 * @category folding
 */
export const emptySummary: Summary = {
  runId: undefined,
  sessionId: undefined,
  text: "",
  reasoning: "",
  toolCalls: [],
  status: undefined,
  error: undefined,
  lastSequenceNumber: 0,
  events: 0
}

const updateToolCall = (
  calls: ReadonlyArray<ToolCallSummary>,
  id: string,
  f: (call: ToolCallSummary) => ToolCallSummary
): ReadonlyArray<ToolCallSummary> => {
  const index = calls.findIndex((call) => call.id === id)
  if (index < 0) {
    return [...calls, f({ id, name: undefined, status: "running", arguments: "" })]
  }
  const next = calls.slice()
  next[index] = f(calls[index]!)
  return next
}

/**
 * Adds one event to a summary. Use it with `Stream.runFold(RunEvent.emptySummary, RunEvent.fold)`.
 *
 * @since 0.1.0
 * @category folding
 */
export const fold = (summary: Summary, event: RunEvent): Summary => {
  const base = {
    ...summary,
    runId: summary.runId ?? event.run_id,
    sessionId: summary.sessionId ?? event.session_id,
    lastSequenceNumber: event.sequence_number,
    events: summary.events + 1
  }
  switch (event._tag) {
    case "ReasoningSummaryDelta":
      return { ...base, reasoning: base.reasoning + event.data.delta }
    case "MessageOutputDelta":
      return { ...base, text: base.text + event.data.delta }
    case "MessageOutputCompleted":
      return { ...base, text: event.data.text }
    case "ToolCallStarted":
      return {
        ...base,
        toolCalls: updateToolCall(base.toolCalls, event.data.tool_call_id, (call) => ({
          ...call,
          name: event.data.name ?? call.name
        }))
      }
    case "ToolCallArgumentsDelta":
      return {
        ...base,
        toolCalls: updateToolCall(base.toolCalls, event.data.tool_call_id, (call) => ({
          ...call,
          arguments: call.arguments + event.data.delta
        }))
      }
    case "ToolCallCompleted":
      return {
        ...base,
        toolCalls: updateToolCall(base.toolCalls, event.data.tool_call_id, (call) => ({
          ...call,
          name: event.data.name,
          status: "completed",
          ...(event.data.result_preview === undefined ? {} : { resultPreview: event.data.result_preview })
        }))
      }
    case "ToolCallFailed":
      return {
        ...base,
        toolCalls: updateToolCall(base.toolCalls, event.data.tool_call_id, (call) => ({
          ...call,
          name: event.data.name ?? call.name,
          status: "failed",
          error: event.data.error
        }))
      }
    case "RunCompleted":
      return { ...base, status: "completed" }
    case "RunCancelled":
      return { ...base, status: "cancelled" }
    case "RunFailed":
      return {
        ...base,
        status: "failed",
        error: { message: event.data.error, ...(event.data.code == null ? {} : { code: event.data.code }) }
      }
    default:
      return base
  }
}

/**
 * Folds a list of events into their {@link Summary}.
 *
 * @since 0.1.0
 * @category folding
 */
export const summarize = (events: Iterable<RunEvent>): Summary => {
  let summary = emptySummary
  for (const event of events) summary = fold(summary, event)
  return summary
}
