/**
 * Every failure the client can report, as `Schema.TaggedError` classes.
 *
 * Errors that come from a response carry its `status`, the contract's `code`, the server's message and the
 * `x-request-id`. Each error says whether the client retries it (`retryable`). None of them ever holds the API
 * key, a request's headers or a whole response body.
 *
 * @since 0.1.0
 */
import { Predicate, Schema } from "effect"

const responseFields = {
  /** HTTP status, when a response existed. */
  status: Schema.optional(Schema.Number),
  /** The contract's `UPPER_SNAKE` code, when the server sent one. */
  code: Schema.optional(Schema.String),
  message: Schema.String,
  /** The `x-request-id` of the response, when there was one. */
  requestId: Schema.optional(Schema.String)
}

/**
 * `401 UNAUTHENTICATED`: the key is missing, malformed or unknown.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", responseFields) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * `403 PERMISSION_DENIED`: the key's workspace may not use that action.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", responseFields) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * `404 NOT_FOUND` (or `ACTION_NOT_FOUND`): an unknown id, or one of another workspace.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", responseFields) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * `409`: `IDEMPOTENCY_KEY_REUSED` (a key seen before with another request) or `RUN_ALREADY_TERMINAL` (cancel of
 * a completed or failed run). `code` tells which.
 *
 * @since 0.1.0
 * @category errors
 */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", responseFields) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * `400 INVALID_REQUEST`, or a caller's bad argument caught before any request was sent (then `status` is
 * absent). Unlisted `4xx` statuses are reported as this error too, with their status.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", responseFields) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * `413 PAYLOAD_TOO_LARGE`: the body was over 1 MiB.
 *
 * @since 0.1.0
 * @category errors
 */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", responseFields) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * `429 RATE_LIMITED`. `retryAfterSeconds` is the `Retry-After` header, when the server sent one.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...responseFields,
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return true
  }
}

/**
 * A `5xx` answer other than `HOSTED_MODEL_UNAVAILABLE`: `500 INTERNAL`, `503 UNAVAILABLE`, a gateway's `502` or
 * `504`. Retried, honouring `Retry-After` when present.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...responseFields,
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return this.status === undefined || this.status === 500 || this.status === 502 || this.status === 503 ||
      this.status === 504
  }
}

/**
 * `503 HOSTED_MODEL_UNAVAILABLE`: the workspace has no hosted model configured. Not retried: it needs a change
 * of configuration, not time.
 *
 * @since 0.1.0
 * @category errors
 */
export class HostedModelUnavailable
  extends Schema.TaggedError<HostedModelUnavailable>()("HostedModelUnavailable", responseFields)
{
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * The request never got a complete answer: connection refused or reset, a body cut while it was read.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...responseFields,
  method: Schema.String,
  url: Schema.String
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return true
  }
}

/**
 * A deadline passed: a request (`kind: "request"`), a `wait: true` call (`"wait"`), or a stream that sent no
 * byte, not even a keep-alive, for its idle window (`"stream_idle"`).
 *
 * @since 0.1.0
 * @category errors
 */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  ...responseFields,
  kind: Schema.Literal("request", "wait", "stream_idle"),
  timeoutMillis: Schema.Number
}) {
  /** A `wait` deadline is not retried: another try would wait as long again. */
  get retryable(): boolean {
    return this.kind !== "wait"
  }
}

/**
 * A response or event did not match the contract: not JSON, a missing field, a wrong type, an event too large.
 * `path` and `message` say what did not match; the body itself is never kept.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  ...responseFields,
  /** What was being decoded, e.g. `"run"` or `"run event message.output.delta"`. */
  subject: Schema.String,
  /** Where in the value it failed, e.g. `"data.delta"`; empty for the whole value. */
  path: Schema.String
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * A run ended `failed`. `code` and `message` are the run's error.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", {
  ...responseFields,
  runId: Schema.String,
  sessionId: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * A run ended `cancelled` while the caller was waiting for its result.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunCancelled extends Schema.TaggedError<RunCancelled>()("RunCancelled", {
  ...responseFields,
  runId: Schema.String,
  sessionId: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * A run event stream was cut and could not be resumed within the allowed number of consecutive reconnects.
 * `lastSequenceNumber` is the last event delivered (0 for none); `lastError` describes the last failure.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamResumeExhausted extends Schema.TaggedError<StreamResumeExhausted>()("StreamResumeExhausted", {
  ...responseFields,
  runId: Schema.optional(Schema.String),
  attempts: Schema.Number,
  lastSequenceNumber: Schema.Number,
  lastError: Schema.String
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * An action invocation was recorded with `status: "failed"` (the provider failed). Pass
 * `{ failedAsRecord: true }` to `ActionService.invoke` to receive the record instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class ActionInvocationFailed extends Schema.TaggedError<ActionInvocationFailed>()("ActionInvocationFailed", {
  ...responseFields,
  invocationId: Schema.String,
  action: Schema.String
}) {
  /** @since 0.1.0 */
  get retryable(): boolean {
    return false
  }
}

/**
 * Every error a public method of the client can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type ApiError =
  | Unauthenticated
  | PermissionDenied
  | NotFound
  | Conflict
  | InvalidRequest
  | PayloadTooLarge
  | RateLimited
  | ServerError
  | HostedModelUnavailable
  | TransportError
  | Timeout
  | DecodeError
  | RunFailed
  | RunCancelled
  | StreamResumeExhausted
  | ActionInvocationFailed

/**
 * The schema of {@link ApiError}, for encoding errors across a boundary (an RPC, a log sink).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiError: Schema.Union<[
  typeof Unauthenticated,
  typeof PermissionDenied,
  typeof NotFound,
  typeof Conflict,
  typeof InvalidRequest,
  typeof PayloadTooLarge,
  typeof RateLimited,
  typeof ServerError,
  typeof HostedModelUnavailable,
  typeof TransportError,
  typeof Timeout,
  typeof DecodeError,
  typeof RunFailed,
  typeof RunCancelled,
  typeof StreamResumeExhausted,
  typeof ActionInvocationFailed
]> = Schema.Union(
  Unauthenticated,
  PermissionDenied,
  NotFound,
  Conflict,
  InvalidRequest,
  PayloadTooLarge,
  RateLimited,
  ServerError,
  HostedModelUnavailable,
  TransportError,
  Timeout,
  DecodeError,
  RunFailed,
  RunCancelled,
  StreamResumeExhausted,
  ActionInvocationFailed
)

const tags = new Set([
  "Unauthenticated",
  "PermissionDenied",
  "NotFound",
  "Conflict",
  "InvalidRequest",
  "PayloadTooLarge",
  "RateLimited",
  "ServerError",
  "HostedModelUnavailable",
  "TransportError",
  "Timeout",
  "DecodeError",
  "RunFailed",
  "RunCancelled",
  "StreamResumeExhausted",
  "ActionInvocationFailed"
])

/**
 * Whether a value is one of the client's errors.
 *
 * @since 0.1.0
 * @category guards
 */
export const isApiError = (u: unknown): u is ApiError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag) && u instanceof Error

/**
 * Whether the client's default policy retries this error.
 *
 * @since 0.1.0
 * @category guards
 */
export const isRetryable = (error: ApiError): boolean => error.retryable

/**
 * The `Retry-After` an error carries (`RateLimited`, `ServerError`), in seconds.
 *
 * @since 0.1.0
 * @category accessors
 */
export const retryAfterSeconds = (error: ApiError): number | undefined =>
  error._tag === "RateLimited" || error._tag === "ServerError" ? error.retryAfterSeconds : undefined

/**
 * The error for an HTTP answer that is not a success, from its status, its contract code and message.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStatus = (options: {
  readonly status: number
  readonly code?: string | undefined
  readonly message: string
  readonly requestId?: string | undefined
  readonly retryAfterSeconds?: number | undefined
}): ApiError => {
  const { retryAfterSeconds, ...fields } = options
  const base = stripUndefined(fields)
  if (options.code === "HOSTED_MODEL_UNAVAILABLE") return new HostedModelUnavailable(base)
  switch (options.status) {
    case 400:
      return new InvalidRequest(base)
    case 401:
      return new Unauthenticated(base)
    case 403:
      return new PermissionDenied(base)
    case 404:
      return new NotFound(base)
    case 409:
      return new Conflict(base)
    case 413:
      return new PayloadTooLarge(base)
    case 429:
      return new RateLimited(stripUndefined({ ...base, retryAfterSeconds }))
  }
  if (options.status >= 500) {
    return new ServerError(stripUndefined({ ...base, retryAfterSeconds }))
  }
  return new InvalidRequest(base)
}

/** @internal */
export const stripUndefined = <A extends Record<string, unknown>>(a: A): { [K in keyof A]: Exclude<A[K], undefined> } => {
  const out: Record<string, unknown> = {}
  for (const key in a) {
    if (a[key] !== undefined) out[key] = a[key]
  }
  return out as any
}
