import { assert, describe, it } from "@effect/vitest"
import {
  Cause,
  ConfigError,
  Duration,
  ConfigProvider,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Redacted,
  Schedule,
  Schema,
  Stream,
  TestClock
} from "effect"
import {
  ActionService,
  AgentPlatform,
  AgentPlatformClient,
  ApiError,
  ClientPolicy,
  RunInput,
  RunService,
  SessionService,
  TestHttpClient
} from "../src/index.js"
import { API_KEY, BASE_URL, completedRun, run, session, testLayer } from "./helpers.js"
import {
  captureLogs,
  failureOf,
  fixedBackoff,
  noRetryLayer,
  packageVersion,
  rawRecordingLayer,
  recordingTracer,
  requests
} from "./support.js"

const getSession = Effect.flatMap(SessionService.SessionService, (sessions) => sessions.get("sess_1"))
const createSession = Effect.flatMap(SessionService.SessionService, (sessions) => sessions.create({ title: "t" }))

const sessionAnswer = () => TestHttpClient.json(200, { session: session(), messages: [] })
const never = () => Effect.never

const count = Effect.map(requests, (sent) => sent.length)

describe("headers", () => {
  it.effect("GET: bearer key, User-Agent with package.json's version, Accept JSON, no Idempotency-Key", () =>
    Effect.gen(function*() {
      yield* getSession
      const [sent] = yield* requests
      assert.strictEqual(sent!.method, "GET")
      assert.strictEqual(sent!.url.toString(), `${BASE_URL}/sessions/sess_1`)
      assert.strictEqual(sent!.headers["authorization"], `Bearer ${API_KEY}`)
      assert.strictEqual(sent!.headers["user-agent"], `effect-agent-platform/${packageVersion()}`)
      assert.strictEqual(AgentPlatformClient.userAgent, `effect-agent-platform/${packageVersion()}`)
      assert.strictEqual(sent!.headers["accept"], "application/json")
      assert.isUndefined(sent!.headers["idempotency-key"])
    }).pipe(Effect.provide(testLayer(sessionAnswer))))

  it.effect("POST: a JSON body with Content-Type application/json", () => {
    const { layer, raw } = rawRecordingLayer(() => TestHttpClient.json(201, session()))
    return Effect.gen(function*() {
      yield* createSession
      yield* getSession.pipe(Effect.ignore)
      assert.strictEqual(raw[0]!.method, "POST")
      assert.strictEqual(raw[0]!.bodyContentType, "application/json")
      assert.strictEqual(raw[1]!.method, "GET")
      assert.isUndefined(raw[1]!.bodyContentType)
    }).pipe(Effect.provide(layer))
  })

  it.effect("every POST has an Idempotency-Key, a fresh one per logical call", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const actions = yield* ActionService.ActionService
      yield* sessions.create()
      yield* sessions.create()
      yield* runs.create("sess_1", "hi")
      yield* runs.createAndWait("sess_1", "hi")
      yield* Stream.runDrain(runs.stream("sess_1", "hi"))
      yield* runs.cancel("run_1")
      yield* actions.invoke("linear.issues.list", {}, { failedAsRecord: true })
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => r.method), ["POST", "POST", "POST", "POST", "POST", "POST", "POST"])
      const keys = sent.map((r) => r.headers["idempotency-key"])
      for (const key of keys) {
        assert.isString(key)
        assert.isAbove(key!.length, 0)
      }
      assert.strictEqual(new Set(keys).size, keys.length)
    }).pipe(Effect.provide(testLayer((request) =>
      request.path.endsWith("/runs") && (request.body as { stream?: boolean }).stream === true
        ? TestHttpClient.sse(completedRun(), { headers: { "content-location": "/v1/runs/run_1" } })
        : request.path.endsWith("/runs") && (request.body as { wait?: boolean }).wait === true
        ? TestHttpClient.json(200, run("completed"))
        : request.path.endsWith("/runs") || request.path.endsWith("/cancel")
        ? TestHttpClient.json(200, run("queued"))
        : request.path.endsWith("/action_invocations")
        ? TestHttpClient.json(200, { id: "act_inv_1", action: "linear.issues.list", status: "succeeded", result: [], created_at: "2026-03-14T20:00:00Z" })
        : TestHttpClient.json(201, session())
    ))))

  it.effect("a caller-given Idempotency-Key is sent verbatim", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      yield* sessions.create({ title: "t" }, { idempotencyKey: "order-42:create session" })
      yield* runs.create("sess_1", "hi", { idempotencyKey: "run-key-1" })
      const sent = yield* requests
      assert.strictEqual(sent[0]!.headers["idempotency-key"], "order-42:create session")
      assert.strictEqual(sent[1]!.headers["idempotency-key"], "run-key-1")
    }).pipe(Effect.provide(testLayer((request) =>
      request.path.endsWith("/runs") ? TestHttpClient.json(202, run("queued")) : TestHttpClient.json(201, session())
    ))))

  it.effect("a malformed caller Idempotency-Key is refused before sending", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      for (const key of ["", " padded ", "x".repeat(256), "tab\there"]) {
        const error = yield* Effect.flip(sessions.create({}, { idempotencyKey: key }))
        assert.strictEqual(error._tag, "InvalidRequest")
      }
      assert.strictEqual(yield* count, 0)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(201, session())))))
})

describe("retries", () => {
  it.effect("429 waits its Retry-After before the second request", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("4900 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(yield* count, 2)
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.session.id, "sess_1")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "5" }),
      sessionAnswer()
    ])))))

  it.effect("503 UNAVAILABLE with Retry-After waits it too", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("2900 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(yield* count, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(503, { error: "restarting", code: "UNAVAILABLE" }, { "retry-after": "3" }),
      sessionAnswer()
    ])))))

  it.effect("a 503 is retried with the same Idempotency-Key on each try, and the body unchanged", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(createSession)
      yield* TestClock.adjust("30 seconds")
      const created = yield* Fiber.join(fiber)
      assert.strictEqual(created.id, "sess_1")
      const sent = yield* requests
      assert.strictEqual(sent.length, 3)
      const key = sent[0]!.headers["idempotency-key"]
      assert.isString(key)
      assert.deepStrictEqual(sent.map((r) => r.headers["idempotency-key"]), [key, key, key])
      assert.deepStrictEqual(sent.map((r) => r.body), [{ title: "t" }, { title: "t" }, { title: "t" }])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(503, { error: "restarting", code: "UNAVAILABLE" }),
      TestHttpClient.json(503, { error: "restarting", code: "UNAVAILABLE" }),
      TestHttpClient.json(201, session())
    ])))))

  it.effect("a caller's Idempotency-Key is the one reused on every retry", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const fiber = yield* Effect.fork(runs.create("sess_1", "hi", { idempotencyKey: "mine" }))
      yield* TestClock.adjust("30 seconds")
      yield* Fiber.join(fiber)
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => r.headers["idempotency-key"]), ["mine", "mine"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(500, { error: "bug", code: "INTERNAL" }),
      TestHttpClient.json(202, run("queued"))
    ])))))

  it.effect("a 400 is not retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(createSession))
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(400, { error: "bad", code: "INVALID_REQUEST" })))))

  for (const [status, code] of [[401, "UNAUTHENTICATED"], [404, "NOT_FOUND"], [503, "HOSTED_MODEL_UNAVAILABLE"], [501, undefined]] as const) {
    it.effect(`a ${status} ${code ?? ""} is not retried`, () =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(Effect.flip(getSession))
        yield* TestClock.adjust("5 minutes")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error.status, status)
        assert.strictEqual(yield* count, 1)
      }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(status, { error: "no", ...(code ? { code } : {}) })))))
  }

  it.effect("retries stop at the limit: 3 retries by default, 4 requests, then the typed error", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(error.status, 500)
      assert.strictEqual(error.code, "INTERNAL")
      assert.strictEqual(error.requestId, "req_test_500")
      assert.strictEqual(yield* count, 4)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(500, { error: "bug", code: "INTERNAL" })))))

  it.effect("502 and 504 are retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
      assert.strictEqual(yield* count, 3)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.text(502, "bad gateway"),
      TestHttpClient.text(504, "gateway timeout"),
      sessionAnswer()
    ])))))

  it.effect("a 429 without Retry-After is retried on the backoff schedule", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* count, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
    }).pipe(Effect.provide(testLayer(
      TestHttpClient.sequence([TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }), sessionAnswer()]),
      fixedBackoff({ base: "1 second" })
    ))))

  it.effect("Retry-After longer than the backoff wins over it; shorter does not shorten it", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      // backoff 4 s, Retry-After 1 s: waits 4 s
      yield* TestClock.adjust("3999 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* count, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
    }).pipe(Effect.provide(testLayer(
      TestHttpClient.sequence([
        TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "1" }),
        sessionAnswer()
      ]),
      fixedBackoff({ base: "4 seconds" })
    ))))

  it.effect("a custom retry.schedule replaces the backoff", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("9999 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* count, 2)
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "ServerError")
      assert.strictEqual(yield* count, 3)
    }).pipe(Effect.provide(testLayer(
      () => TestHttpClient.json(500, { error: "bug", code: "INTERNAL" }),
      { retry: { schedule: Schedule.intersect(Schedule.spaced("10 seconds"), Schedule.recurs(2)) } }
    ))))

  it.effect("a custom retry.while decides what is retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "ServerError")
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(
      () => TestHttpClient.json(500, { error: "bug", code: "INTERNAL" }),
      { retry: { while: (error) => error._tag === "RateLimited" } }
    ))))

  it.effect("a Retry-After above the cap (default 60 s) is not retried: the RateLimited error comes at once", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("10 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(error._tag === "RateLimited" ? error.retryAfterSeconds : undefined, 120)
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "120" })
    ))))

  it.effect("a Retry-After given as an HTTP date is measured on the Effect Clock", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("6900 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(yield* count, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      // the TestClock starts at the epoch: this date is 7 s after it
      TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": new Date(7_000).toUTCString() }),
      sessionAnswer()
    ])))))

  it.effect("a Retry-After equal to the cap is still honoured", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("59900 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(yield* count, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "60" }),
      sessionAnswer()
    ])))))

  it.effect("the Retry-After cap is configurable", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "RateLimited")
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(
      () => TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "10" }),
      { retry: { retryAfterCap: "5 seconds" } }
    ))))

  it.effect("backoff without jitter: base, doubled, capped (1 s, 2 s, 2 s)", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* count, 2)
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(yield* count, 2)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* count, 3)
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(yield* count, 3)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* count, 4)
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "ServerError")
    }).pipe(Effect.provide(testLayer(
      () => TestHttpClient.json(503, { error: "busy", code: "UNAVAILABLE" }),
      fixedBackoff({ base: "1 second", cap: "2 seconds" })
    ))))

  it.effect("default backoff: the first retry comes 500 ms ± 20% after the failure", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("399 millis")
      assert.strictEqual(yield* count, 1)
      yield* TestClock.adjust("202 millis")
      assert.strictEqual(yield* count, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(500, { error: "bug", code: "INTERNAL" }),
      sessionAnswer()
    ])))))

  it.effect("a transport failure is a TransportError and is retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
      assert.strictEqual(yield* count, 2)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.transportFailure("connection refused"),
      sessionAnswer()
    ])))))

  it.effect("a body cut while it is read is a TransportError with the status and request id, and is retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error.status, 200)
      assert.strictEqual(error.requestId, "req_test_sse")
      assert.strictEqual(yield* count, 4)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.sse(["{\"session\": {"], { end: "error" })))))

  it.effect("a transport failure that lasts ends as TransportError after the retries, without a status", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(createSession))
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.method, "POST")
      assert.include(error.url, "/sessions")
      assert.include(error.message, "connection refused")
      assert.isUndefined(error.status)
      assert.isTrue(error.retryable)
      assert.strictEqual(yield* count, 4)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.transportFailure("connection refused")))))
})

describe("policy overrides", () => {
  const alwaysBusy = () => TestHttpClient.json(503, { error: "busy", code: "UNAVAILABLE" })

  it.effect("the layer's policy applies (retry.times 1 → 2 requests)", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* count, 2)
    }).pipe(Effect.provide(testLayer(alwaysBusy, { retry: { times: 1 } }))))

  it.effect("a method's policy option beats the layer's", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const fiber = yield* Effect.fork(Effect.flip(sessions.get("sess_1", { policy: { retry: { times: 2 } } })))
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* count, 3)
    }).pipe(Effect.provide(noRetryLayer(alwaysBusy))))

  it.effect("ClientPolicy.withPolicy beats the layer's for a region", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession.pipe(ClientPolicy.withPolicy({ retry: { times: 2 } }))))
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* count, 3)
    }).pipe(Effect.provide(noRetryLayer(alwaysBusy))))

  it.effect("a method's policy option beats the region's", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const call = sessions.get("sess_1", { policy: { retry: { times: 0 } } })
      const fiber = yield* Effect.fork(Effect.flip(call.pipe(ClientPolicy.withPolicy({ retry: { times: 3 } }))))
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(alwaysBusy))))

  it.effect("an inner region beats an outer one, field by field", () =>
    Effect.gen(function*() {
      const client = yield* AgentPlatformClient.AgentPlatformClient
      const policy = yield* client.policy().pipe(
        ClientPolicy.withPolicy({ retry: { times: 1 }, timeouts: { request: "3 seconds" } }),
        ClientPolicy.withPolicy({ retry: { times: 7, jitter: false } })
      )
      assert.strictEqual(policy.retry.times, 1)
      assert.strictEqual(policy.retry.jitter, false)
      assert.strictEqual(policy.timeouts.request, "3 seconds")
      const outside = yield* client.policy()
      assert.strictEqual(outside.retry.times, 3)
      assert.strictEqual(outside.retry.jitter, true)
    }).pipe(Effect.provide(testLayer(sessionAnswer))))

  it.effect("withPolicy covers every call inside the region, and only those", () =>
    Effect.gen(function*() {
      const region = Effect.all([Effect.flip(getSession), Effect.flip(getSession)]).pipe(
        ClientPolicy.withPolicy({ retry: { times: 0 } })
      )
      const inside = yield* Effect.fork(region)
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(inside)
      assert.strictEqual(yield* count, 2)
      const outside = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("5 minutes")
      yield* Fiber.join(outside)
      assert.strictEqual(yield* count, 2 + 4)
    }).pipe(Effect.provide(testLayer(alwaysBusy))))

  it.effect("ClientPolicy.withPolicyStream applies to every page request of a listing stream", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(
        sessions.listAll().pipe(ClientPolicy.withPolicyStream({ retry: { times: 0 } }))
      )))
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "ServerError")
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(alwaysBusy))))

  it.effect("a method's timeout override beats the layer's", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const fiber = yield* Effect.fork(Effect.flip(sessions.get("sess_1", { policy: { timeouts: { request: "2 seconds" } } })))
      yield* TestClock.adjust("1999 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      assert.strictEqual(error._tag === "Timeout" ? error.timeoutMillis : undefined, 2000)
    }).pipe(Effect.provide(noRetryLayer(never))))

  it("ClientPolicy.merge overrides only the fields given", () => {
    const merged = ClientPolicy.merge(ClientPolicy.defaults, { retry: { times: 9 } })
    assert.strictEqual(merged.retry.times, 9)
    assert.strictEqual(merged.retry.base, ClientPolicy.defaults.retry.base)
    assert.deepStrictEqual(merged.timeouts, ClientPolicy.defaults.timeouts)
  })

  it("the defaults are those of the issue", () => {
    const d = ClientPolicy.defaults
    const same = (a: Duration.DurationInput, b: Duration.DurationInput) =>
      assert.isTrue(Duration.equals(Duration.decode(a), Duration.decode(b)), `${Duration.format(a)} ≠ ${Duration.format(b)}`)
    assert.strictEqual(d.retry.times, 3)
    assert.isTrue(d.retry.jitter)
    same(d.retry.base, "500 millis")
    same(d.retry.cap, "8 seconds")
    same(d.retry.retryAfterCap, "60 seconds")
    same(d.timeouts.request, "60 seconds")
    same(d.timeouts.wait, "10 minutes")
    same(d.timeouts.streamIdle, "45 seconds")
    assert.strictEqual(d.stream.maxReconnects, 5)
  })
})

describe("timeouts", () => {
  it.effect("a request that never answers is a Timeout of kind request after 60 s", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("59 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      if (error._tag !== "Timeout") return
      assert.strictEqual(error.kind, "request")
      assert.strictEqual(error.timeoutMillis, 60_000)
      assert.isTrue(error.retryable)
    }).pipe(Effect.provide(noRetryLayer(never))))

  it.effect("a request timeout is retried (default policy: 4 tries)", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("60 seconds")
      yield* TestClock.adjust("61 seconds")
      assert.isAtLeast(yield* count, 2)
      yield* TestClock.adjust("10 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      assert.strictEqual(yield* count, 4)
    }).pipe(Effect.provide(testLayer(never))))

  it.effect("a hung request then an answer: the retry succeeds", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(getSession)
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual((yield* Fiber.join(fiber)).session.id, "sess_1")
      assert.strictEqual(yield* count, 2)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([never, sessionAnswer])))))

  it.effect("the request deadline covers the body: headers then a body that never ends is a Timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("60 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      assert.strictEqual(error._tag === "Timeout" ? error.kind : undefined, "request")
    }).pipe(Effect.provide(noRetryLayer(() => TestHttpClient.sse([], { end: "hang" })))))

  it.effect("a wait deadline is a Timeout of kind wait, not retried", () =>
    Effect.gen(function*() {
      const client = yield* AgentPlatformClient.AgentPlatformClient
      const fiber = yield* Effect.fork(Effect.flip(client.json(
        { span: "test", method: "POST", path: "/sessions/sess_1/runs", body: { input: RunInput.text("hi"), wait: true }, deadline: "wait" },
        Schema.Unknown,
        "run"
      )))
      yield* TestClock.adjust("5 minutes")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      assert.strictEqual(error._tag === "Timeout" ? error.kind : undefined, "wait")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(never))))
})

describe("decode failures", () => {
  it.effect("a malformed JSON body is a DecodeError with the request id, not retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(getSession))
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.strictEqual(error.path, "")
      assert.strictEqual(error.status, 200)
      assert.strictEqual(error.requestId, "req_bad_json")
      assert.notInclude(error.message, "{\"session\": {\"id\"")
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(testLayer(() =>
      new Response("{\"session\": {\"id\": \"sess_1\", ", {
        status: 200,
        headers: { "content-type": "application/json", "x-request-id": "req_bad_json" }
      })
    ))))

  it.effect("a missing field is a DecodeError naming its path", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(createSession)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.strictEqual(error.path, "id")
      assert.strictEqual(error.subject, "session")
      assert.strictEqual(error.requestId, "req_test_201")
      assert.include(error.message, "id")
    }).pipe(Effect.provide(noRetryLayer(() => {
      const { id: _id, ...rest } = session()
      return TestHttpClient.json(201, rest)
    }))))

  it.effect("a wrong type deep in a run names the nested path", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(runs.get("run_1"))
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.strictEqual(error.path, "tool_calls.0.name")
    }).pipe(Effect.provide(noRetryLayer(() =>
      TestHttpClient.json(200, run("completed", { tool_calls: [{ id: "tc_1", name: 5, status: "completed" }] }))
    ))))

  it.effect("a transcript whose session lacks its id names session.id", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.strictEqual(error.path, "session.id")
      assert.strictEqual(error.requestId, "req_test_200")
    }).pipe(Effect.provide(noRetryLayer(() => {
      const { id: _id, ...rest } = session()
      return TestHttpClient.json(200, { session: rest, messages: [] })
    }))))

  it.effect("a DecodeError never contains the whole body", () => {
    const marker = "BODY_MARKER_".repeat(2_000)
    return Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const missing = yield* Effect.flip(sessions.create())
      const wrongType = yield* Effect.flip(sessions.create())
      for (const error of [missing, wrongType]) {
        assert.strictEqual(error._tag, "DecodeError")
        assert.isBelow(JSON.stringify(error).length, 2_000)
        assert.notInclude(error.message, marker)
      }
    }).pipe(Effect.provide(noRetryLayer(TestHttpClient.sequence([
      TestHttpClient.json(201, { status: "active", title: marker, created_at: "x", updated_at: "x" }),
      TestHttpClient.json(201, { ...session(), title: { marker } })
    ]))))
  })
})

describe("bad arguments fail with InvalidRequest and send no request", () => {
  const cases: ReadonlyArray<readonly [string, Effect.Effect<unknown, ApiError.ApiError, SessionService.SessionService | RunService.RunService | ActionService.ActionService>]> = [
    ["empty input", Effect.flatMap(RunService.RunService, (runs) => runs.create("sess_1", [] as unknown as RunInput.RunInput))],
    ["empty text", Effect.flatMap(RunService.RunService, (runs) => runs.create("sess_1", ""))],
    ["empty text part", Effect.flatMap(RunService.RunService, (runs) => runs.create("sess_1", RunInput.text("")))],
    ["empty text with wait", Effect.flatMap(RunService.RunService, (runs) => runs.createAndWait("sess_1", ""))],
    ["empty text with stream", Effect.flatMap(RunService.RunService, (runs) => Stream.runDrain(runs.stream("sess_1", "")))],
    ["empty session id (run)", Effect.flatMap(RunService.RunService, (runs) => runs.create("", "hi"))],
    ["empty session id (get)", Effect.flatMap(SessionService.SessionService, (sessions) => sessions.get(""))],
    ["blank session id", Effect.flatMap(SessionService.SessionService, (sessions) => sessions.get("   "))],
    ["title over 256 chars", Effect.flatMap(SessionService.SessionService, (sessions) => sessions.create({ title: "x".repeat(257) }))],
    ["empty run id (cancel)", Effect.flatMap(RunService.RunService, (runs) => runs.cancel(""))],
    ["empty action", Effect.flatMap(ActionService.ActionService, (actions) => actions.invoke(""))],
    ["empty invocation id", Effect.flatMap(ActionService.ActionService, (actions) => actions.getInvocation(""))]
  ]
  for (const [name, call] of cases) {
    it.effect(name, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(call)
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.isUndefined(error.status)
        assert.isAbove(error.message.length, 0)
        assert.strictEqual(yield* count, 0)
      }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, {})))))
  }

  it.effect("the title error says what is wrong", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const error = yield* Effect.flip(sessions.create({ title: "x".repeat(257) }))
      assert.include(error.message, "256")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, {})))))
})

describe("the API key never leaks", () => {
  const failures = Effect.gen(function*() {
    const sessions = yield* SessionService.SessionService
    const runs = yield* RunService.RunService
    const all: Array<ApiError.ApiError> = []
    all.push(yield* Effect.flip(sessions.get("sess_1")))
    all.push(yield* Effect.flip(sessions.create()))
    all.push(yield* Effect.flip(runs.get("run_1")))
    all.push(yield* Effect.flip(runs.create("sess_1", "")))
    all.push(yield* Effect.flip(sessions.get("sess_1")))
    all.push(yield* Effect.flip(sessions.get("sess_1")))
    return all
  })

  const script = () => TestHttpClient.sequence([
    TestHttpClient.json(401, { error: "unknown key", code: "UNAUTHENTICATED" }),
    TestHttpClient.transportFailure("connection reset"),
    TestHttpClient.text(200, "not json"),
    never,
    TestHttpClient.json(500, { error: { message: "bug", code: "INTERNAL" } })
  ])

  it.effect("not in any error's message, String(error), JSON.stringify(error) or Cause.pretty", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(failures)
      yield* TestClock.adjust("2 minutes")
      const errors = yield* Fiber.join(fiber)
      assert.deepStrictEqual(errors.map((e) => e._tag), [
        "Unauthenticated",
        "TransportError",
        "DecodeError",
        "InvalidRequest",
        "Timeout",
        "ServerError"
      ])
      for (const error of errors) {
        assert.notInclude(error.message, API_KEY)
        assert.notInclude(String(error), API_KEY)
        assert.notInclude(JSON.stringify(error), API_KEY)
        assert.notInclude(Cause.pretty(Cause.fail(error)), API_KEY)
        assert.notInclude(JSON.stringify(Schema.encodeSync(ApiError.ApiError)(error)), API_KEY)
      }
    }).pipe(Effect.provide(testLayer(script(), { retry: { times: 0 } }))))

  it.effect("not in log lines of failing calls (logfmt, JSON, string, pretty cause)", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const logged = failures.pipe(
        Effect.tap((errors) => Effect.forEach(errors, (error) => Effect.logError("call failed", error))),
        Effect.tap((errors) => Effect.forEach(errors, (error) => Effect.logError(Cause.fail(error))))
      )
      const fiber = yield* Effect.fork(logged)
      yield* TestClock.adjust("2 minutes")
      yield* Fiber.join(fiber)
      const sessions = yield* SessionService.SessionService
      yield* sessions.get("sess_1").pipe(Effect.tapErrorCause(Effect.logError), Effect.ignore)
      assert.isAbove(logs.lines.length, 12)
      const text = logs.lines.join("\n")
      assert.include(text, "Unauthenticated")
      assert.include(text, "TransportError")
      assert.notInclude(text, API_KEY)
      assert.notInclude(text, API_KEY.slice(8))
    }).pipe(Effect.provide(Layer.merge(testLayer(script(), { retry: { times: 0 } }), logs.layer)))
  })

  it.effect("not in any span: names, attributes, events or exits of the traced calls", () => {
    const traced = recordingTracer()
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(failures.pipe(Effect.withTracer(traced.tracer)))
      yield* TestClock.adjust("2 minutes")
      yield* Fiber.join(fiber)
      const names = traced.spans.map((span) => span.name)
      assert.include(names, "SessionService.get")
      const dump = traced.dump()
      assert.include(dump, "http.request.method=GET")
      assert.include(dump, "Unauthenticated")
      assert.notInclude(dump, API_KEY)
      assert.notInclude(dump, API_KEY.slice(8))
    }).pipe(Effect.provide(testLayer(script(), { retry: { times: 0 } })))
  })

  it.effect("not in an error whose response body echoes the key (a proxy's debug page, a careless server)", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const flat = yield* Effect.flip(sessions.get("sess_1"))
      const page = yield* Effect.flip(sessions.get("sess_1"))
      assert.strictEqual(flat._tag, "Unauthenticated")
      assert.strictEqual(page._tag, "ServerError")
      for (const error of [flat, page]) {
        assert.notInclude(error.message, API_KEY)
        assert.notInclude(JSON.stringify(error), API_KEY)
        assert.notInclude(String(error), API_KEY)
      }
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(401, { error: `unknown key ${API_KEY}`, code: "UNAUTHENTICATED" }),
      TestHttpClient.text(502, `<pre>GET /v1/sessions/sess_1\nauthorization: Bearer ${API_KEY}\n</pre>`)
    ]), { retry: { times: 0 } }))))

  it.effect("not in a TransportError whose underlying platform error carried the request", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(createSession)
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "TransportError")
      assert.notInclude(Cause.pretty(Exit.isFailure(exit) ? exit.cause : Cause.empty), API_KEY)
      assert.notInclude(JSON.stringify(error), API_KEY)
      assert.notInclude(JSON.stringify(error), "Bearer")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.transportFailure(), { retry: { times: 0 } }))))
})

describe("layerConfig", () => {
  const provider = (entries: ReadonlyArray<readonly [string, string]>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(entries)))

  const configLayer = (entries: ReadonlyArray<readonly [string, string]>, handler: TestHttpClient.Handler = sessionAnswer) =>
    AgentPlatform.layerConfig().pipe(
      Layer.provideMerge(TestHttpClient.layer(handler)),
      Layer.provide(provider(entries))
    )

  it.effect("reads AP_API_KEY and AP_BASE_URL", () =>
    Effect.gen(function*() {
      yield* getSession
      const [sent] = yield* requests
      assert.strictEqual(sent!.url.toString(), "https://custom.test/v2/sessions/sess_1")
      assert.strictEqual(sent!.headers["authorization"], "Bearer sk_from_config")
    }).pipe(Effect.provide(configLayer([["AP_API_KEY", "sk_from_config"], ["AP_BASE_URL", "https://custom.test/v2/"]]))))

  it.effect("AP_BASE_URL defaults to https://api.agentplatform.cloud/v1", () =>
    Effect.gen(function*() {
      yield* getSession
      const [sent] = yield* requests
      assert.strictEqual(sent!.url.toString(), "https://api.agentplatform.cloud/v1/sessions/sess_1")
      assert.strictEqual(AgentPlatformClient.defaultBaseUrl, "https://api.agentplatform.cloud/v1")
    }).pipe(Effect.provide(configLayer([["AP_API_KEY", "sk_from_config"]]))))

  const configFailure = (entries: ReadonlyArray<readonly [string, string]>) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(getSession.pipe(Effect.provide(configLayer(entries))))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isSuccess(exit)) throw new Error("expected a failure")
      const failure = Cause.failureOption(exit.cause)
      assert.isTrue(Option.isSome(failure))
      const error = Option.getOrThrow(failure)
      assert.isTrue(ConfigError.isConfigError(error))
      return error as ConfigError.ConfigError
    })

  it.effect("a missing AP_API_KEY is a ConfigError naming it", () =>
    Effect.gen(function*() {
      const error = yield* configFailure([["AP_BASE_URL", "https://custom.test/v1"]])
      assert.include(String(error), "AP_API_KEY")
    }))

  it.effect("an empty AP_API_KEY is a ConfigError", () =>
    Effect.gen(function*() {
      const error = yield* configFailure([["AP_API_KEY", "  "]])
      assert.include(String(error), "AP_API_KEY")
    }))

  for (const url of ["not a url", "ftp://files.test/v1", ""]) {
    it.effect(`a bad AP_BASE_URL (${JSON.stringify(url)}) is a ConfigError naming it, without the key`, () =>
      Effect.gen(function*() {
        const error = yield* configFailure([["AP_API_KEY", API_KEY], ["AP_BASE_URL", url]])
        assert.include(String(error), "AP_BASE_URL")
        assert.notInclude(String(error), API_KEY)
      }))
  }

  it.effect("AgentPlatform.layer with options fails the same way for a bad base URL", () =>
    Effect.gen(function*() {
      const layer = AgentPlatform.layer({ apiKey: Redacted.make(API_KEY), baseUrl: "nope" }).pipe(
        Layer.provide(TestHttpClient.layer(sessionAnswer))
      )
      const exit = yield* Effect.exit(getSession.pipe(Effect.provide(layer)))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isSuccess(exit)) return
      assert.isTrue(ConfigError.isConfigError(Option.getOrUndefined(Cause.failureOption(exit.cause))))
    }))

  it.effect("layerConfig's policy applies to every call", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getSession)
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(yield* count, 1)
    }).pipe(Effect.provide(
      AgentPlatform.layerConfig({ policy: { retry: { times: 0 } } }).pipe(
        Layer.provideMerge(TestHttpClient.layer(() => TestHttpClient.json(500, { error: "x" }))),
        Layer.provide(provider([["AP_API_KEY", "k"]]))
      )
    )))
})
