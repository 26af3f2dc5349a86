import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Stream, TestClock } from "effect"
import { Run, RunEvent, RunService, SessionService } from "../../src/index.js"
import { LocalPlatform } from "../../src/local/index.js"
import { clientWithKey, count, KEY_B, platform, raw } from "./helpers.js"

const faults = Effect.map(LocalPlatform.LocalPlatform, (local) => local.faults)

describe("faults on purpose, and what the client makes of them", () => {
  it.scopedLive("a create answered 503 after the commit and retried yields exactly one session and one run", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const f = yield* faults
      yield* f.failNext({ status: 503, afterCommit: true, method: "POST", path: /^\/sessions$/ })
      const session = yield* sessions.create({ title: "once" })
      assert.strictEqual(yield* f.served, 1)
      assert.strictEqual(yield* count("sessions"), 1)

      yield* f.failNext({ status: 503, afterCommit: true, method: "POST", path: /\/runs$/ })
      const run = yield* runs.createAndWait(session.id, "only once")
      assert.strictEqual(yield* f.served, 2)
      assert.strictEqual(run.status, "completed")
      assert.strictEqual(yield* count("runs"), 1)

      // a stream:true create: the retry streams the same run from its first event
      yield* f.failNext({ status: 503, afterCommit: true, method: "POST", path: /\/runs$/ })
      const events = Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, "streamed once")))
      assert.strictEqual(yield* f.served, 3)
      assert.strictEqual(yield* count("runs"), 2)
      assert.deepStrictEqual(events.map((e) => e.sequence_number), events.map((_, i) => i + 1))
      assert.strictEqual(RunEvent.summarize(events).status, "completed")
      // and the transcript has each question once
      const transcript = yield* sessions.get(session.id)
      assert.deepStrictEqual(transcript.messages.filter((m) => m.role === "user").map((m) => m.content), [
        "only once",
        "streamed once"
      ])
    }).pipe(Effect.provide(platform())))

  it.scopedLive("500 and 503 before the handler are retried and create nothing twice", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const f = yield* faults
      yield* f.failNext({ status: 500, count: 2 })
      yield* f.failNext({ status: 503 })
      const session = yield* sessions.create()
      assert.strictEqual(yield* f.served, 3)
      assert.strictEqual(yield* count("sessions"), 1)
      const answer = yield* raw(`/sessions/${session.id}`)
      assert.strictEqual(answer.status, 200)
    }).pipe(Effect.provide(platform())))

  it.scoped("429 carries Retry-After, and the client waits that long before the retry", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const f = yield* faults
      yield* f.failNext({ status: 429, retryAfterSeconds: 30 })
      const fiber = yield* Effect.fork(sessions.create({ title: "patient" }))
      // wait until the client has been answered 429 and sleeps before its retry: the sleeps other than the
      // first request's deadline (at 60 s)
      const sleeps = yield* Effect.repeat(
        Effect.zipRight(
          Effect.yieldNow(),
          Effect.map(TestClock.sleeps(), (sleeps) => Chunk.toArray(sleeps).filter((at) => at !== 60_000))
        ),
        { until: (sleeps) => sleeps.length > 0 }
      )
      assert.strictEqual(yield* f.served, 1)
      assert.deepStrictEqual(sleeps, [30_000])
      assert.strictEqual(yield* count("sessions"), 0)
      yield* TestClock.adjust(Duration.seconds(30))
      const session = yield* Fiber.join(fiber)
      assert.strictEqual(session.title, "patient")
      assert.strictEqual(yield* count("sessions"), 1)
    }).pipe(Effect.provide(platform())))

  it.scopedLive("429 as the server answers it: RATE_LIMITED with an integer Retry-After", () =>
    Effect.gen(function*() {
      const f = yield* faults
      yield* f.failNext({ status: 429 })
      const answer = yield* raw("/sessions")
      assert.strictEqual(answer.status, 429)
      assert.strictEqual(answer.json.code, "RATE_LIMITED")
      assert.match(answer.headers.get("retry-after") ?? "", /^\d+$/)
    }).pipe(Effect.provide(platform())))

  it.scopedLive("the per-key rate limit answers 429 with Retry-After and the rate-limit headers", () =>
    Effect.gen(function*() {
      const ok = yield* raw("/actions")
      assert.strictEqual(ok.headers.get("x-ratelimit-remaining"), "1")
      yield* raw("/actions")
      const limited = yield* raw("/actions")
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.json.code, "RATE_LIMITED")
      assert.match(limited.headers.get("retry-after") ?? "", /^\d+$/)
      // the other workspace's key has its own budget
      const other = yield* raw("/actions", { key: "ap_test_key_bravo_0123456789" })
      assert.strictEqual(other.status, 200)
    }).pipe(Effect.provide(platform({ rateLimit: { limit: 2, window: Duration.minutes(10) } }))))

  it.scopedLive("the hosted model switched off gives HostedModelUnavailable, not retried", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const f = yield* faults
      const error = yield* Effect.flip(sessions.create())
      assert.strictEqual(error._tag, "HostedModelUnavailable")
      const answer = yield* raw("/sessions", { method: "POST", body: "{}" })
      assert.strictEqual(answer.status, 503)
      assert.strictEqual(answer.json.code, "HOSTED_MODEL_UNAVAILABLE")

      yield* f.set({ hostedModel: true })
      const session = yield* sessions.create()
      yield* f.set({ hostedModel: false })
      const runError = yield* Effect.flip(runs.createAndWait(session.id, "anyone there?"))
      assert.strictEqual(runError._tag, "HostedModelUnavailable")
      assert.strictEqual(yield* count("runs"), 0)
    }).pipe(Effect.provide(platform({ faults: { hostedModel: false } }))))

  it.scopedLive("a workspace without a hosted model, beside one that has it", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const session = yield* sessions.create()
      assert.match(session.id, /^sess_/)
      const error = yield* Effect.flip(
        Effect.flatMap(SessionService.SessionService, (other) => other.create()).pipe(Effect.provide(clientWithKey(KEY_B)))
      )
      assert.strictEqual(error._tag, "HostedModelUnavailable")
    }).pipe(Effect.provide(platform({ faults: { noHostedModel: ["ws_bravo"] } }))))

  it.scopedLive("a stream cut after every 3 events is resumed by the client to the end, each event once", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const f = yield* faults
      const session = yield* sessions.create()
      const events = Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, "a long answer with linear.issues.list")))
      assert.deepStrictEqual(events.map((e) => e.sequence_number), events.map((_, i) => i + 1))
      const summary = RunEvent.summarize(events)
      assert.strictEqual(summary.status, "completed")
      assert.strictEqual(summary.text, Run.outputText(yield* runs.get(summary.runId!)))
      assert.isAtLeast(yield* f.cuts, Math.floor(events.length / 3) - 1)
    }).pipe(Effect.provide(platform({ faults: { cutStreamAfter: 3 } }))))
})
