/**
 * The authenticated HTTP layer under the services: base URL, bearer key, JSON, `User-Agent`, `x-request-id`,
 * an `Idempotency-Key` on every POST (the same on each retry), the retry schedule and the deadlines.
 *
 * It requires `HttpClient` from `@effect/platform`: provide `FetchHttpClient.layer`, `NodeHttpClient.layerUndici`
 * or your own (in tests, `TestHttpClient`).
 *
 * @since 0.1.0
 */
import { Headers, HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import {
  Clock,
  Config,
  ConfigError,
  Context,
  Duration,
  Effect,
  Either,
  ExecutionStrategy,
  Exit,
  Layer,
  Option,
  ParseResult,
  Redacted,
  Schema,
  Scope,
  Stream
} from "effect"
import type { Fiber, Tracer } from "effect"
import * as ApiError from "./ApiError.js"
import * as ClientPolicy from "./ClientPolicy.js"
import * as Deadlines from "./internal/deadlines.js"
import * as FastDecode from "./internal/fastDecode.js"
import * as Tracing from "./internal/tracing.js"
import { version } from "./internal/version.js"
import { issueToDecodeError } from "./RunEvent.js"

/**
 * The default base URL.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.agentplatform.cloud/v1"

/**
 * The `User-Agent` the client sends.
 *
 * @since 0.1.0
 * @category constants
 */
export const userAgent = `effect-agent-platform/${version}`

/**
 * How to reach the platform.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The workspace's key: a server-side secret. */
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://api.agentplatform.cloud/v1`. */
  readonly baseUrl?: string | undefined
  /** Overrides of the default retry, timeout and stream policies for every call through this layer. */
  readonly policy?: ClientPolicy.PolicyOverrides | undefined
}

/**
 * One request, described.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestSpec {
  /** The name of the call's span (e.g. `RunService.get`); it carries the HTTP attributes. */
  readonly span: string
  /** The span's parent, when it is not the caller's current span (e.g. a stream's span for its connections). */
  readonly parentSpan?: Tracer.AnySpan | undefined
  readonly method: "GET" | "POST"
  /** Relative to the base URL, e.g. `/sessions`. */
  readonly path: string
  readonly query?: Record<string, string | number | undefined> | undefined
  readonly body?: unknown
  /** For a POST; generated when absent, and reused on every retry. */
  readonly idempotencyKey?: string | undefined
  /** Which deadline applies to each try: `request` (default) or `wait`. */
  readonly deadline?: "request" | "wait" | undefined
  readonly accept?: string | undefined
  readonly headers?: Record<string, string> | undefined
  /** Overrides for this call only. */
  readonly policy?: ClientPolicy.PolicyOverrides | undefined
}

/**
 * A decoded JSON answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonResponse<A> {
  readonly value: A
  readonly status: number
  readonly headers: Headers.Headers
  readonly requestId: string | undefined
}

/**
 * An answer whose body has not been read yet, for streams. The body is read within the scope the request was
 * opened in; it fails with `Timeout` (`stream_idle`) when no byte arrives for the idle window: whoever reads
 * `body` calls `touch()` for each chunk received.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenResponse {
  readonly status: number
  readonly headers: Headers.Headers
  readonly requestId: string | undefined
  readonly isEventStream: boolean
  readonly body: Stream.Stream<Uint8Array, ApiError.ApiError>
  /** Marks the connection active now (resets the idle window). */
  readonly touch: () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly baseUrl: string
  /** The policy in force for a call: the layer's, then `withPolicy` regions, then `overrides`. */
  readonly policy: (overrides?: ClientPolicy.PolicyOverrides | undefined) => Effect.Effect<ClientPolicy.Policy>
  /** Sends a request with retries and decodes its JSON answer with `schema`. */
  readonly json: <A, I>(
    request: RequestSpec,
    schema: Schema.Schema<A, I>,
    subject: string
  ) => Effect.Effect<JsonResponse<A>, ApiError.ApiError>
  /**
   * Sends a request with retries up to its response headers and returns the response unread; the connection
   * is closed when the scope closes.
   */
  readonly open: (request: RequestSpec) => Effect.Effect<OpenResponse, ApiError.ApiError, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class AgentPlatformClient extends Context.Tag("effect-agent-platform/AgentPlatformClient")<
  AgentPlatformClient,
  Service
>() {}

// Decoders by schema: a call's schema is one of a few module constants. The fast path compiled from the schema
// decodes what it can; the schema decodes the rest, and makes the errors.
const decoders = new WeakMap<Schema.Schema.Any, (value: unknown) => Either.Either<unknown, ParseResult.ParseIssue>>()
const decoderOf = <A, I>(schema: Schema.Schema<A, I>) => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    const fast = FastDecode.make(schema)
    const slow = ParseResult.decodeUnknownEither(schema)
    decode = (value: unknown) => {
      const decoded = fast(value)
      return decoded === FastDecode.Fail ? slow(value) : Either.right(decoded)
    }
    decoders.set(schema, decode)
  }
  return decode as (value: unknown) => Either.Either<A, ParseResult.ParseIssue>
}

const requestIdOf = (headers: Headers.Headers): string | undefined => Option.getOrUndefined(Headers.get(headers, "x-request-id"))

/** @internal */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

const MAX_ERROR_MESSAGE = 500

/** @internal Reads the error out of a non-2xx body in any of the three accepted forms. */
export const parseErrorBody = (text: string): { readonly message: string; readonly code?: string } => {
  const { code, message } = parseErrorBodyUncapped(text)
  const capped = message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE)}…` : message
  return code === undefined ? { message: capped } : { code, message: capped }
}

const parseErrorBodyUncapped = (text: string): { readonly message: string; readonly code?: string | undefined } => {
  const fallback = text.trim().slice(0, MAX_ERROR_MESSAGE)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { message: fallback === "" ? "(empty body)" : fallback }
  }
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = (body as { error: unknown }).error
    const outerCode = (body as { code?: unknown }).code
    if (typeof error === "string") {
      return typeof outerCode === "string" ? { message: error, code: outerCode } : { message: error }
    }
    if (typeof error === "object" && error !== null) {
      const message = (error as { message?: unknown }).message
      const code = (error as { code?: unknown }).code ?? outerCode
      const text = typeof message === "string" ? message : fallback
      return typeof code === "string" ? { message: text, code } : { message: text }
    }
  }
  if (typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string") {
    const message = (body as { message: string }).message
    const code = (body as { code?: unknown }).code
    return typeof code === "string" ? { message, code } : { message }
  }
  return { message: fallback === "" ? "(empty body)" : fallback }
}

/** The messages of an error's cause chain (e.g. "fetch failed: connect ECONNREFUSED …"), never its data. */
const causeMessage = (cause: unknown): string | undefined => {
  const messages: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current.message !== "") messages.push(current.message)
    current = current.cause
  }
  return messages.length === 0 ? undefined : messages.join(": ")
}

const withRequestId = (requestId: string | undefined) => requestId === undefined ? {} : { requestId }

const transportError = (
  method: string,
  url: string,
  error: HttpClientError.HttpClientError,
  response?: { readonly status: number; readonly requestId: string | undefined }
) =>
  new ApiError.TransportError({
    method,
    url,
    message: `${method} ${url}: ${error.description ?? causeMessage(error.cause) ?? `${error.reason} error`}`,
    ...(response === undefined ? {} : { status: response.status, ...withRequestId(response.requestId) })
  })

/**
 * Builds the service from options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, ConfigError.ConfigError, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const baseUrl = (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, "")
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
      return yield* Effect.fail(
        ConfigError.InvalidData(["AP_BASE_URL"], `the base URL must be an http(s) URL, got ${JSON.stringify(baseUrl)}`)
      )
    }
    if (Redacted.value(options.apiKey).trim() === "") {
      return yield* Effect.fail(ConfigError.InvalidData(["AP_API_KEY"], "the API key must not be empty"))
    }
    const layerPolicy = ClientPolicy.merge(ClientPolicy.defaults, options.policy)
    // The client's own span per call carries the HTTP attributes and the trace context it propagates, so the
    // platform's per-request span is switched off for these requests: one span per call rather than two.
    const httpClient = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true)
    // Each request's connection is bound to a scope: closing it aborts the request (a deadline does that).
    const scopedClient = HttpClient.withScope(httpClient)
    const deadlines = Deadlines.make()
    yield* Effect.addFinalizer(() => deadlines.shutdown)

    const policyOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>, overrides: ClientPolicy.PolicyOverrides | undefined) =>
      ClientPolicy.merge(ClientPolicy.merge(layerPolicy, fiber.getFiberRef(ClientPolicy.currentOverrides)), overrides)
    const policy = (overrides?: ClientPolicy.PolicyOverrides | undefined) =>
      Effect.withFiberRuntime<ClientPolicy.Policy>((fiber) => Effect.succeed(policyOf(fiber, overrides)))

    // The headers every request carries, built once; `Authorization` is set from the redacted key here only.
    const baseHeaders = {
      authorization: `Bearer ${Redacted.value(options.apiKey)}`,
      "user-agent": userAgent
    }

    const buildRequest = (spec: RequestSpec, idempotencyKey: string | undefined, span: Tracer.AnySpan | undefined) => {
      const headers: Record<string, string> = { ...baseHeaders, accept: spec.accept ?? "application/json", ...spec.headers }
      if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey
      if (span !== undefined) Object.assign(headers, Tracing.headers(span))
      let urlParams: Record<string, string> | undefined
      if (spec.query !== undefined) {
        urlParams = {}
        for (const key in spec.query) {
          const value = spec.query[key]
          if (value !== undefined) urlParams[key] = String(value)
        }
      }
      const request = HttpClientRequest.make(spec.method)(baseUrl + spec.path, {
        headers,
        ...(urlParams === undefined ? {} : { urlParams })
      })
      return spec.body === undefined ? request : HttpClientRequest.bodyUnsafeJson(request, spec.body)
    }

    // A server or proxy that echoes the key back must not put it into an error.
    const secret = Redacted.value(options.apiKey)
    const scrub = (text: string) => text.includes(secret) ? text.split(secret).join("<redacted>") : text

    const failFromResponse = (response: HttpClientResponse.HttpClientResponse, method: string, url: string) => {
      const requestId = requestIdOf(response.headers)
      return response.text.pipe(
        Effect.catchAll(() => Effect.succeed("")),
        Effect.zip(Clock.currentTimeMillis),
        Effect.flatMap(([text, now]) => {
          const parsed = parseErrorBody(text)
          const code = parsed.code
          const message = scrub(parsed.message)
          const retryAfterSeconds = parseRetryAfter(
            Option.getOrUndefined(Headers.get(response.headers, "retry-after")),
            now
          )
          return Effect.fail(ApiError.fromStatus({
            status: response.status,
            code,
            message: message === "(empty body)" ? `${method} ${url} answered ${response.status}` : message,
            requestId,
            retryAfterSeconds
          }))
        })
      )
    }

    const spanOptions = (spec: RequestSpec): Tracer.SpanOptions => ({
      kind: "client",
      captureStackTrace: false,
      ...(spec.parentSpan === undefined ? {} : { parent: spec.parentSpan }),
      attributes: {
        "http.request.method": spec.method,
        "url.full": baseUrl + spec.path,
        "url.path": spec.path
      }
    })

    /**
     * The call's span (named by the spec, a client span with the HTTP attributes), if spans are recorded, made by
     * `withSpan` (which decides how long it lasts); `propagate` is the span whose trace context the requests
     * carry, if propagation is on: the call's span, or else the caller's.
     */
    const traced = <A, E, R>(
      fiber: Fiber.RuntimeFiber<unknown, unknown>,
      spec: RequestSpec,
      withSpan: (use: (span: Tracer.Span) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
      body: (span: Tracer.Span | undefined, propagate: Tracer.AnySpan | undefined) => Effect.Effect<A, E, R>
    ): Effect.Effect<A, E, R> => {
      const tracing = Tracing.read(fiber)
      if (!tracing.record) {
        return body(undefined, tracing.propagate ? (spec.parentSpan ?? tracing.current) : undefined)
      }
      return withSpan((span) => body(span, tracing.propagate ? span : undefined))
    }

    const noteResponse = (span: Tracer.Span | undefined, status: number, requestId: string | undefined) => {
      if (span === undefined) return
      span.attribute("http.response.status_code", status)
      if (requestId !== undefined) span.attribute("agentplatform.request_id", requestId)
    }

    const retrying = <A, R>(
      spec: RequestSpec,
      current: ClientPolicy.Policy,
      span: Tracer.Span | undefined,
      propagate: Tracer.AnySpan | undefined,
      attempt: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<A, ApiError.ApiError, R>
    ): Effect.Effect<A, ApiError.ApiError, R> => {
      if (spec.idempotencyKey !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,253}[\x21-\x7e]$|^[\x21-\x7e]$/.test(spec.idempotencyKey)) {
        return Effect.fail(
          new ApiError.InvalidRequest({ message: "idempotencyKey must be 1 to 255 printable ASCII characters, not starting or ending with a space" })
        )
      }
      const idempotencyKey = spec.method === "POST"
        ? (spec.idempotencyKey ?? globalThis.crypto.randomUUID())
        : undefined
      const request = buildRequest(spec, idempotencyKey, propagate)
      const once = attempt(request)
      // The retry driver is only built once a try has failed: most calls succeed at the first.
      return Effect.catchAll(once, (first) => {
        let replayed = false
        let tries = 1
        return Effect.retry(
          Effect.suspend(() => {
            if (replayed) {
              span?.attribute("agentplatform.attempts", ++tries)
              return once
            }
            replayed = true
            return Effect.fail(first)
          }),
          ClientPolicy.retrySchedule(current.retry)
        )
      })
    }

    /**
     * One try of a JSON call, within its deadline: the request is bound to a scope of its own, which the
     * client's deadline ticker closes when the deadline passes (aborting the request); the error that follows
     * is reported as the `Timeout`.
     */
    const jsonOnce = <A>(
      spec: RequestSpec,
      request: HttpClientRequest.HttpClientRequest,
      decode: (value: unknown) => Either.Either<A, ParseResult.ParseIssue>,
      subject: string,
      kind: "request" | "wait",
      duration: Duration.Duration,
      span: Tracer.Span | undefined,
      clock: Clock.Clock
    ): Effect.Effect<JsonResponse<A>, ApiError.ApiError> =>
      Effect.flatMap(Scope.make(), (scope) => {
        let expired = false
        const timer = Deadlines.deadline(clock.unsafeCurrentTimeMillis() + Duration.toMillis(duration), () => {
          expired = true
          return Scope.close(scope, Exit.void)
        })
        const timeout = () =>
          new ApiError.Timeout({
            kind,
            timeoutMillis: Duration.toMillis(duration),
            message: `no complete answer within ${Duration.format(duration)}`
          })
        const call = Effect.flatMap(
          Effect.mapError(
            Scope.extend(scopedClient.execute(request), scope),
            (error) => expired ? timeout() : transportError(spec.method, spec.path, error)
          ),
          (response): Effect.Effect<JsonResponse<A>, ApiError.ApiError> => {
            // a response's headers are copied at each read: read once
            const headers = response.headers
            const requestId = requestIdOf(headers)
            noteResponse(span, response.status, requestId)
            if (response.status < 200 || response.status >= 300) {
              return failFromResponse(response, spec.method, spec.path)
            }
            return Effect.flatMap(
              Effect.mapError(response.text, (error) =>
                expired
                  ? timeout()
                  : transportError(spec.method, spec.path, error, { status: response.status, requestId })),
              (text) => {
                let value: unknown
                try {
                  value = JSON.parse(text)
                } catch {
                  return Effect.fail(
                    new ApiError.DecodeError({
                      subject,
                      path: "",
                      status: response.status,
                      message: `the ${subject} answer is not JSON (${text.length} characters)`,
                      ...withRequestId(requestId)
                    })
                  )
                }
                const decoded = decode(value)
                if (Either.isLeft(decoded)) {
                  const error = issueToDecodeError(decoded.left, subject, requestId)
                  return Effect.fail(
                    new ApiError.DecodeError({
                      subject: error.subject,
                      path: error.path,
                      message: error.message,
                      status: response.status,
                      ...withRequestId(requestId)
                    })
                  )
                }
                return Effect.succeed({
                  value: decoded.right,
                  status: response.status,
                  headers,
                  requestId
                })
              }
            )
          }
        )
        const start = deadlines.unsafeArm(timer)
        return Effect.onExit(start === undefined ? call : Effect.zipRight(start, call), (exit) => {
          deadlines.disarm(timer)
          // After a success the body has been read in full and the connection is back in its pool: closing the
          // scope would only abort a finished request (the finaliser of `withScope`), which costs a
          // DOMException and an abort event per call, a fifth of a call's cost (profiled in
          // docs/PERFORMANCE.md). Effect's HTTP clients add nothing else to it; it is left to the garbage collector.
          return Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, Exit.void)
        })
      })

    const json = <A, I>(
      spec: RequestSpec,
      schema: Schema.Schema<A, I>,
      subject: string
    ): Effect.Effect<JsonResponse<A>, ApiError.ApiError> =>
      // everything a call needs from its fiber is read in one step
      Effect.withFiberRuntime((fiber) => {
        const current = policyOf(fiber, spec.policy)
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        const decode = decoderOf(schema)
        const kind = spec.deadline ?? "request"
        const duration = Duration.decode(kind === "wait" ? current.timeouts.wait : current.timeouts.request)
        // the span lasts as long as the call
        return traced(
          fiber,
          spec,
          (use) => Effect.useSpan(spec.span, spanOptions(spec), use),
          (span, propagate) =>
            retrying(spec, current, span, propagate, (request) =>
              jsonOnce(spec, request, decode, subject, kind, duration, span, clock))
        )
      })

    /**
     * One try of a stream request. Its connection lives in a scope of its own; one deadline per connection
     * enforces first the request deadline (until the headers), then the idle window (between chunks), by closing
     * that scope, which aborts the request; the resulting error is reported as the `Timeout`. A chunk costs a
     * clock read, not a timer.
     */
    const openOnce = (
      spec: RequestSpec,
      request: HttpClientRequest.HttpClientRequest,
      current: ClientPolicy.Policy,
      span: Tracer.Span | undefined,
      clock: Clock.Clock
    ): Effect.Effect<OpenResponse, ApiError.ApiError, Scope.Scope> =>
      Effect.gen(function*() {
        const outer = yield* Effect.scope
        const scope = yield* Scope.fork(outer, ExecutionStrategy.sequential)
        const requestMillis = Duration.toMillis(current.timeouts.request)
        const idleMillis = Duration.toMillis(current.timeouts.streamIdle)
        const watch = {
          kind: "request" as "request" | "stream_idle",
          limit: requestMillis,
          last: clock.unsafeCurrentTimeMillis(),
          expired: false,
          requestId: undefined as string | undefined
        }
        const timer = Deadlines.deadline(watch.last + requestMillis, (now) => {
          const due = watch.last + watch.limit
          if (due > now) return due
          watch.expired = true
          return Scope.close(scope, Exit.void)
        })
        // armed and tied to the connection's scope in one step, so that an interruption cannot leave it armed
        yield* Effect.uninterruptible(Effect.zipRight(
          deadlines.arm(timer),
          Scope.addFinalizer(scope, Effect.sync(() => deadlines.disarm(timer)))
        ))

        const timeout = () => {
          const duration = watch.kind === "request" ? current.timeouts.request : current.timeouts.streamIdle
          return new ApiError.Timeout({
            kind: watch.kind,
            timeoutMillis: watch.limit,
            message: watch.kind === "request"
              ? `no answer within ${Duration.format(duration)}`
              : `the stream sent nothing for ${Duration.format(duration)}`,
            ...withRequestId(watch.requestId)
          })
        }

        const response = yield* scopedClient.execute(request).pipe(
          Scope.extend(scope),
          Effect.mapError((error) => watch.expired ? timeout() : transportError(spec.method, spec.path, error)),
          Effect.onError(() => Scope.close(scope, Exit.void))
        )
        // a response's headers are copied at each read: read once
        const headers = response.headers
        const requestId = requestIdOf(headers)
        watch.requestId = requestId
        noteResponse(span, response.status, requestId)
        if (response.status < 200 || response.status >= 300) {
          return yield* failFromResponse(response, spec.method, spec.path).pipe(
            Effect.ensuring(Scope.close(scope, Exit.void))
          )
        }
        // from now on the idle window, which may end earlier than the request deadline: re-armed
        deadlines.disarm(timer)
        watch.kind = "stream_idle"
        watch.limit = idleMillis
        watch.last = clock.unsafeCurrentTimeMillis()
        timer.due = watch.last + idleMillis
        yield* deadlines.arm(timer)
        const contentType = Option.getOrElse(Headers.get(headers, "content-type"), () => "")
        const body = Stream.mapError(response.stream, (error) =>
          watch.expired
            ? timeout()
            : transportError(spec.method, spec.path, error, { status: response.status, requestId }))
        return {
          status: response.status,
          headers,
          requestId,
          isEventStream: contentType.toLowerCase().startsWith("text/event-stream"),
          body,
          touch: () => {
            watch.last = clock.unsafeCurrentTimeMillis()
          }
        }
      })

    const open = (spec: RequestSpec): Effect.Effect<OpenResponse, ApiError.ApiError, Scope.Scope> =>
      Effect.withFiberRuntime((fiber) => {
        const current = policyOf(fiber, spec.policy)
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        // the span of an opened request lasts as long as its connection: until the caller's scope closes
        return traced(
          fiber,
          spec,
          (use) => Effect.flatMap(Effect.makeSpanScoped(spec.span, spanOptions(spec)), use),
          (span, propagate) =>
            retrying(spec, current, span, propagate, (request) => openOnce(spec, request, current, span, clock))
        )
      })

    return AgentPlatformClient.of({ baseUrl, policy, json, open })
  })

/**
 * A layer from explicit options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<AgentPlatformClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(AgentPlatformClient, make(options))

/**
 * The configuration read by {@link layerConfig}: `AP_API_KEY` (redacted) and `AP_BASE_URL`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  apiKey: Config.redacted("AP_API_KEY"),
  baseUrl: Config.string("AP_BASE_URL").pipe(Config.withDefault(defaultBaseUrl))
})

/**
 * A layer from `Config`: by default `AP_API_KEY` and `AP_BASE_URL`; `policy` applies to every call.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: {
    readonly config?: Config.Config<Options> | undefined
    readonly policy?: ClientPolicy.PolicyOverrides | undefined
  }
): Layer.Layer<AgentPlatformClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(
    AgentPlatformClient,
    Effect.flatMap(options?.config ?? config, (resolved) =>
      make(options?.policy === undefined ? resolved : { ...resolved, policy: options.policy }))
  )
