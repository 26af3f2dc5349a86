import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { ActionService, ApiError, RunService, SessionService, TestHttpClient } from "../src/index.js"
import { session } from "./helpers.js"
import { noRetryLayer, requests } from "./support.js"

const REQUEST_ID = "req_7f3a9c"

const getSession = Effect.flatMap(SessionService.SessionService, (sessions) => sessions.get("sess_1"))

interface Row {
  readonly status: number
  readonly code: string | undefined
  readonly tag: ApiError.ApiError["_tag"]
  readonly retryable: boolean
}

// The contract's table (section 2), plus gateway statuses and an unlisted 4xx.
const table: ReadonlyArray<Row> = [
  { status: 400, code: "INVALID_REQUEST", tag: "InvalidRequest", retryable: false },
  { status: 401, code: "UNAUTHENTICATED", tag: "Unauthenticated", retryable: false },
  { status: 403, code: "PERMISSION_DENIED", tag: "PermissionDenied", retryable: false },
  { status: 404, code: "NOT_FOUND", tag: "NotFound", retryable: false },
  { status: 404, code: "ACTION_NOT_FOUND", tag: "NotFound", retryable: false },
  { status: 409, code: "IDEMPOTENCY_KEY_REUSED", tag: "Conflict", retryable: false },
  { status: 409, code: "RUN_ALREADY_TERMINAL", tag: "Conflict", retryable: false },
  { status: 413, code: "PAYLOAD_TOO_LARGE", tag: "PayloadTooLarge", retryable: false },
  { status: 429, code: "RATE_LIMITED", tag: "RateLimited", retryable: true },
  { status: 500, code: "INTERNAL", tag: "ServerError", retryable: true },
  { status: 502, code: undefined, tag: "ServerError", retryable: true },
  { status: 503, code: "UNAVAILABLE", tag: "ServerError", retryable: true },
  { status: 503, code: "HOSTED_MODEL_UNAVAILABLE", tag: "HostedModelUnavailable", retryable: false },
  { status: 504, code: undefined, tag: "ServerError", retryable: true },
  { status: 422, code: "UNPROCESSABLE", tag: "InvalidRequest", retryable: false },
  { status: 418, code: undefined, tag: "InvalidRequest", retryable: false }
]

describe("every contract status maps to its typed error, over HTTP", () => {
  for (const row of table) {
    it.effect(`${row.status} ${row.code ?? "(no code)"} → ${row.tag} with status, code, message and x-request-id`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(getSession)
        assert.strictEqual(error._tag, row.tag)
        assert.strictEqual(error.status, row.status)
        assert.strictEqual(error.code, row.code)
        assert.strictEqual(error.message, `the server says ${row.status}`)
        assert.strictEqual(error.requestId, REQUEST_ID)
        assert.strictEqual(error.retryable, row.retryable)
        assert.isTrue(ApiError.isApiError(error))
        assert.strictEqual((yield* requests).length, 1)
      }).pipe(Effect.provide(noRetryLayer(() =>
        TestHttpClient.json(
          row.status,
          row.code === undefined ? { error: `the server says ${row.status}` } : { error: `the server says ${row.status}`, code: row.code },
          { "x-request-id": REQUEST_ID }
        )
      ))))
  }

  it.effect("409 RUN_ALREADY_TERMINAL from a cancel is a Conflict with that code", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(runs.cancel("run_1"))
      assert.strictEqual(error._tag, "Conflict")
      assert.strictEqual(error.code, "RUN_ALREADY_TERMINAL")
      assert.strictEqual(error.requestId, "req_test_409")
      const [sent] = yield* requests
      assert.strictEqual(sent!.path, "/v1/runs/run_1/cancel")
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.json(409, { error: "run already completed", code: "RUN_ALREADY_TERMINAL" })
    ))))

  it.effect("409 IDEMPOTENCY_KEY_REUSED from a create is a Conflict with that code", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const error = yield* Effect.flip(sessions.create({ title: "x" }, { idempotencyKey: "key-1" }))
      assert.strictEqual(error._tag, "Conflict")
      assert.strictEqual(error.code, "IDEMPOTENCY_KEY_REUSED")
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.json(409, { error: "key reused", code: "IDEMPOTENCY_KEY_REUSED" })
    ))))

  it.effect("404 ACTION_NOT_FOUND from an invocation is NotFound with that code", () =>
    Effect.gen(function*() {
      const actions = yield* ActionService.ActionService
      const error = yield* Effect.flip(actions.invoke("nope.action"))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.code, "ACTION_NOT_FOUND")
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.json(404, { error: "no such action", code: "ACTION_NOT_FOUND" })
    ))))

  it.effect("429 carries its Retry-After in seconds", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag !== "RateLimited") return
      assert.strictEqual(error.retryAfterSeconds, 7)
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "7" })
    ))))

  it.effect("503 UNAVAILABLE carries its Retry-After when present", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "ServerError")
      if (error._tag !== "ServerError") return
      assert.strictEqual(error.retryAfterSeconds, 2)
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.json(503, { error: "restarting", code: "UNAVAILABLE" }, { "retry-after": "2" })
    ))))
})

describe("error bodies", () => {
  it.effect("flat form: {error: string, code}", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.message, "no session sess_1")
      assert.strictEqual(error.code, "NOT_FOUND")
    }).pipe(Effect.provide(noRetryLayer(() => TestHttpClient.json(404, { error: "no session sess_1", code: "NOT_FOUND" })))))

  it.effect("nested form: {error: {message, code, type}}", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "PermissionDenied")
      assert.strictEqual(error.message, "not allowed")
      assert.strictEqual(error.code, "PERMISSION_DENIED")
      assert.strictEqual(error.requestId, "req_nested")
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.json(
        403,
        { error: { message: "not allowed", code: "PERMISSION_DENIED", type: "permission_error" } },
        { "x-request-id": "req_nested" }
      )
    ))))

  it.effect("non-JSON body (a proxy's HTML page): its text is the message, no code, request id kept", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(error.status, 502)
      assert.strictEqual(error.message, "<html><body>Bad Gateway</body></html>")
      assert.isUndefined(error.code)
      assert.strictEqual(error.requestId, "req_proxy")
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.text(502, "<html><body>Bad Gateway</body></html>\n", { "x-request-id": "req_proxy" })
    ))))

  it.effect("a long non-JSON body is not copied whole into the message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "ServerError")
      assert.isBelow(error.message.length, 2_000)
      assert.isTrue(error.message.startsWith("x"))
    }).pipe(Effect.provide(noRetryLayer(() => TestHttpClient.text(500, "x".repeat(100_000))))))

  it.effect("an empty body: a message naming the request and the status", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "Unauthenticated")
      assert.include(error.message, "401")
      assert.include(error.message, "/sessions/sess_1")
    }).pipe(Effect.provide(noRetryLayer(() => TestHttpClient.text(401, "")))))

  it.effect("JSON without an error field: the text is the message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.include(error.message, "detail")
    }).pipe(Effect.provide(noRetryLayer(() => TestHttpClient.json(400, { detail: "bad" })))))

  it.effect("a response without x-request-id gives an error without requestId", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "NotFound")
      assert.isUndefined(error.requestId)
    }).pipe(Effect.provide(noRetryLayer(() => TestHttpClient.text(404, "not found")))))
})

describe("ApiError constructors and guards", () => {
  it("fromStatus maps statuses without a response body", () => {
    assert.strictEqual(ApiError.fromStatus({ status: 401, message: "m" })._tag, "Unauthenticated")
    assert.strictEqual(ApiError.fromStatus({ status: 413, message: "m" })._tag, "PayloadTooLarge")
    assert.strictEqual(ApiError.fromStatus({ status: 503, message: "m" })._tag, "ServerError")
    assert.strictEqual(ApiError.fromStatus({ status: 503, code: "HOSTED_MODEL_UNAVAILABLE", message: "m" })._tag, "HostedModelUnavailable")
    assert.strictEqual(ApiError.fromStatus({ status: 405, message: "m" })._tag, "InvalidRequest")
  })

  it("fromStatus keeps retryAfterSeconds only on RateLimited and ServerError", () => {
    const limited = ApiError.fromStatus({ status: 429, message: "m", retryAfterSeconds: 3 })
    assert.strictEqual(limited._tag === "RateLimited" ? limited.retryAfterSeconds : undefined, 3)
    const server = ApiError.fromStatus({ status: 503, message: "m", retryAfterSeconds: 4 })
    assert.strictEqual(server._tag === "ServerError" ? server.retryAfterSeconds : undefined, 4)
    const notFound = ApiError.fromStatus({ status: 404, message: "m", retryAfterSeconds: 4 })
    assert.isFalse("retryAfterSeconds" in notFound)
  })

  it("a 5xx other than 500/502/503/504 is a ServerError that is not retried", () => {
    const error = ApiError.fromStatus({ status: 501, message: "not implemented" })
    assert.strictEqual(error._tag, "ServerError")
    assert.isFalse(error.retryable)
  })

  it("retryable: transport failures and request/stream timeouts yes; wait timeouts, decode, run errors no", () => {
    assert.isTrue(new ApiError.TransportError({ method: "GET", url: "/x", message: "reset" }).retryable)
    assert.isTrue(new ApiError.Timeout({ kind: "request", timeoutMillis: 1, message: "t" }).retryable)
    assert.isTrue(new ApiError.Timeout({ kind: "stream_idle", timeoutMillis: 1, message: "t" }).retryable)
    assert.isFalse(new ApiError.Timeout({ kind: "wait", timeoutMillis: 1, message: "t" }).retryable)
    assert.isFalse(new ApiError.DecodeError({ subject: "run", path: "id", message: "m" }).retryable)
    assert.isFalse(new ApiError.RunFailed({ runId: "run_1", message: "m" }).retryable)
    assert.isFalse(new ApiError.RunCancelled({ runId: "run_1", message: "m" }).retryable)
    assert.isFalse(
      new ApiError.StreamResumeExhausted({ attempts: 5, lastSequenceNumber: 2, lastError: "x", message: "m" }).retryable
    )
    assert.isFalse(new ApiError.ActionInvocationFailed({ invocationId: "act_inv_1", action: "a", message: "m" }).retryable)
    assert.strictEqual(ApiError.isRetryable(new ApiError.RateLimited({ message: "m" })), true)
  })

  it("isApiError tells the client's errors from others", () => {
    assert.isTrue(ApiError.isApiError(new ApiError.NotFound({ message: "m" })))
    assert.isFalse(ApiError.isApiError(new Error("x")))
    assert.isFalse(ApiError.isApiError({ _tag: "NotFound", message: "m" }))
    assert.isFalse(ApiError.isApiError(null))
  })

  it("errors are real Errors whose message is the server's message", () => {
    const error = new ApiError.Conflict({ status: 409, code: "RUN_ALREADY_TERMINAL", message: "already done", requestId: "r" })
    assert.instanceOf(error, Error)
    assert.strictEqual(error.message, "already done")
    assert.include(String(error), "already done")
  })

  it("the ApiError schema round-trips an error across a boundary", () => {
    const error = new ApiError.RateLimited({ status: 429, code: "RATE_LIMITED", message: "m", requestId: "r", retryAfterSeconds: 3 })
    const encoded = Schema.encodeSync(ApiError.ApiError)(error)
    const json = JSON.parse(JSON.stringify(encoded))
    const decoded = Schema.decodeUnknownSync(ApiError.ApiError)(json)
    assert.strictEqual(decoded._tag, "RateLimited")
    assert.instanceOf(decoded, ApiError.RateLimited)
    assert.strictEqual(decoded.requestId, "r")
    assert.strictEqual(decoded._tag === "RateLimited" ? decoded.retryAfterSeconds : undefined, 3)
  })
})

describe("success", () => {
  it.effect("a 200 answer is a value, not an error (the mapping only applies to non-2xx)", () =>
    Effect.gen(function*() {
      const result = yield* getSession
      assert.strictEqual(result.session.id, "sess_1")
    }).pipe(Effect.provide(noRetryLayer(() => TestHttpClient.json(200, { session: session(), messages: [] })))))
})
