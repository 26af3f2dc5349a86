/**
 * The whole API as one HTTP app: the feature routers under `/v1`, wrapped in what every request goes through —
 * an `x-request-id`, the faults in force, the key's workspace, the per-key rate limit, and the contract's error
 * bodies.
 *
 * @since 0.1.0
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Duration, Effect, Option } from "effect"
import { router as actionsRouter } from "./Actions/Http.js"
import { ApiFailure, CurrentWorkspace, makeId } from "./Domain.js"
import { Faults } from "./Faults.js"
import type { RequestFault } from "./Faults.js"
import { router as runsRouter } from "./Runs/Http.js"
import { router as sessionsRouter } from "./Sessions/Http.js"
import { Workspaces } from "./Workspaces.js"

/**
 * Every route of the contract.
 *
 * @since 0.1.0
 * @category routers
 */
export const router = HttpRouter.concatAll(sessionsRouter, runsRouter, actionsRouter)

/**
 * The per-key rate limit: `limit` requests per `window`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * The error body of the contract.
 *
 * @since 0.1.0
 * @category responses
 */
export const errorResponse = (failure: ApiFailure) =>
  HttpServerResponse.unsafeJson({ error: failure.message, code: failure.code }, {
    status: failure.status,
    headers: failure.headers ?? {}
  })

const faultFailure = (fault: RequestFault): ApiFailure => {
  const retryAfter = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined)
  const headers = retryAfter === undefined ? undefined : { "retry-after": String(retryAfter) }
  switch (fault.status) {
    case 429:
      return new ApiFailure({ status: 429, code: "RATE_LIMITED", message: "rate limit hit (a fault on purpose)", headers })
    case 500:
      return new ApiFailure({ status: 500, code: "INTERNAL", message: "internal error (a fault on purpose)", headers })
    case 503:
      return new ApiFailure({ status: 503, code: "UNAVAILABLE", message: "unavailable (a fault on purpose)", headers })
  }
}

const pathOf = (request: HttpServerRequest.HttpServerRequest) =>
  new URL(request.url, "http://local").pathname.replace(/^\/v1(?=\/|$)/, "")

/**
 * The app: the router behind the request id, faults, authentication, rate limit and error handling.
 *
 * @since 0.1.0
 * @category apps
 */
export const makeApp = (options: { readonly rateLimit?: RateLimit | undefined } = {}) => {
  const limit = options.rateLimit?.limit ?? 10_000
  const windowMillis = Duration.toMillis(Duration.decode(options.rateLimit?.window ?? Duration.minutes(1)))
  const windows = new Map<string, { start: number; count: number }>()

  const rateLimit = (key: string) =>
    Effect.sync(() => {
      const at = Date.now()
      let window = windows.get(key)
      if (window === undefined || at - window.start >= windowMillis) windows.set(key, window = { start: at, count: 0 })
      window.count += 1
      const reset = Math.max(1, Math.ceil((window.start + windowMillis - at) / 1000))
      return {
        exceeded: window.count > limit,
        headers: {
          "x-ratelimit-limit": String(limit),
          "x-ratelimit-remaining": String(Math.max(0, limit - window.count)),
          "x-ratelimit-reset": String(reset)
        }
      }
    })

  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const faults = yield* Faults
    const workspaces = yield* Workspaces
    const requestId = makeId("req")
    const path = pathOf(request)
    let rateLimitHeaders: Record<string, string> | undefined

    const handled = Effect.gen(function*() {
      const latency = yield* faults.latency
      if (!Duration.isZero(latency)) yield* Effect.sleep(latency)
      const before = yield* faults.take(request.method, path, "before")
      if (Option.isSome(before)) return yield* faultFailure(before.value)
      const { key, workspace } = yield* workspaces.authenticate(request.headers["authorization"])
      const limited = yield* rateLimit(key)
      rateLimitHeaders = limited.headers
      if (limited.exceeded) {
        return yield* new ApiFailure({
          status: 429,
          code: "RATE_LIMITED",
          message: `rate limit of ${limit} requests per ${Duration.format(Duration.millis(windowMillis))} hit`,
          headers: { ...limited.headers, "retry-after": limited.headers["x-ratelimit-reset"] }
        })
      }
      const response = yield* Effect.provideService(router, CurrentWorkspace, workspace)
      const after = yield* faults.take(request.method, path, "after")
      if (Option.isSome(after)) return errorResponse(faultFailure(after.value))
      return response
    })

    const response = yield* handled.pipe(
      Effect.catchAllCause((cause) => {
        const failure = Cause.failureOption(cause)
        if (Option.isSome(failure)) {
          const error = failure.value
          if (error instanceof ApiFailure) return Effect.succeed(errorResponse(error))
          if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "RouteNotFound") {
            return Effect.succeed(errorResponse(
              new ApiFailure({ status: 404, code: "NOT_FOUND", message: `no route ${request.method} ${path}` })
            ))
          }
        }
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        return Effect.as(
          Effect.logError("request failed", cause),
          errorResponse(new ApiFailure({ status: 500, code: "INTERNAL", message: "internal error" }))
        )
      })
    )
    const withLimits = rateLimitHeaders === undefined ? response : HttpServerResponse.setHeaders(response, rateLimitHeaders)
    return HttpServerResponse.setHeader(withLimits, "x-request-id", requestId)
  })
}
