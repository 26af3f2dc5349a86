import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Effect, Exit, Fiber, FiberId, Option, Stream, TestClock } from "effect"
import { ApiError, RunService, TestHttpClient } from "../src/index.js"
import { completedRun, event, run, startingAfterOf, testLayer } from "./helpers.js"

const location = { "content-location": "/v1/runs/run_1" }

const sequenceNumbers = (events: Chunk.Chunk<{ readonly sequence_number: number }>) =>
  Chunk.toReadonlyArray(events).map((e) => e.sequence_number)

const collectStream = Effect.gen(function*() {
  const runs = yield* RunService.RunService
  return yield* Stream.runCollect(runs.stream("sess_1", "hello"))
})

const requests = Effect.flatMap(TestHttpClient.TestHttpClient, (t) => t.requests)

describe("RunService.stream resumes cuts", () => {
  const all = completedRun("one two three four five")
  const expected = all.map((e) => e.sequence_number)

  it.effect("uninterrupted: every event once, in order, request says stream: true", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      const [post] = yield* requests
      assert.strictEqual(post!.method, "POST")
      assert.strictEqual(post!.path, "/v1/sessions/sess_1/runs")
      assert.deepStrictEqual(post!.body, {
        input: [{ role: "user", content: [{ type: "input_text", text: "hello" }] }],
        stream: true
      })
      assert.strictEqual(post!.headers["accept"], "text/event-stream")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.sse(all, { headers: location })])))))

  it.effect("cut before the first event: resumes from 0 with the run id of Content-Location", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      const sent = yield* requests
      assert.strictEqual(sent.length, 2)
      assert.strictEqual(sent[1]!.method, "GET")
      assert.strictEqual(sent[1]!.path, "/v1/runs/run_1/events")
      assert.strictEqual(startingAfterOf(sent[1]!), 0)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([], { end: "error", headers: location }),
      TestHttpClient.sse(all)
    ])))))

  it.effect("cut before the first event without Content-Location: re-POSTs with the same Idempotency-Key", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      const sent = yield* requests
      assert.strictEqual(sent.length, 2)
      assert.strictEqual(sent[1]!.method, "POST")
      assert.isString(sent[0]!.headers["idempotency-key"])
      assert.strictEqual(sent[1]!.headers["idempotency-key"], sent[0]!.headers["idempotency-key"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([], { end: "error" }),
      TestHttpClient.sse(all)
    ])))))

  it.effect("cut in the middle: resumes after the last delivered event", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      const sent = yield* requests
      assert.strictEqual(startingAfterOf(sent[1]!), 4)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(all.slice(0, 4), { end: "error", headers: location }),
      (request) => TestHttpClient.sse(all.filter((e) => e.sequence_number > startingAfterOf(request)))
    ])))))

  it.effect("cut right before the terminal event (clean close): resumes and gets the terminal event", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      const sent = yield* requests
      assert.strictEqual(startingAfterOf(sent[1]!), all.length - 1)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(all.slice(0, -1), { end: "close", headers: location }),
      TestHttpClient.sse(all.slice(-1))
    ])))))

  it.effect("duplicates replayed after a resume are dropped", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(all.slice(0, 5), { end: "error", headers: location }),
      // a server that ignores starting_after and replays everything
      TestHttpClient.sse(all)
    ])))))

  it.effect("several cuts in a row, each after progress, still deliver everything once", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      assert.strictEqual((yield* requests).length, all.length)
    }).pipe(Effect.provide(testLayer((request) => {
      const after = request.method === "POST" ? 0 : startingAfterOf(request)
      const next = all.filter((e) => e.sequence_number === after + 1)
      return TestHttpClient.sse(next, { end: next[0]?.type === "run.completed" ? "close" : "error", headers: location })
    }))))

  it.effect("frames without id: lines, split across arbitrary chunk boundaries, with keep-alive comments", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      const text = Chunk.toReadonlyArray(got).flatMap((e) => e._tag === "MessageOutputDelta" ? [e.data.delta] : []).join("")
      assert.strictEqual(text, "one two three four five")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([": keepalive\n\n", ...all.slice(0, 3), ": keepalive\n\n", ...all.slice(3)], {
        withIds: false,
        pieceSize: 7,
        headers: location
      })
    ])))))

  it.effect("an idle stream (no byte for the idle window) is resumed", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collectStream)
      yield* TestClock.adjust("44 seconds")
      assert.strictEqual((yield* requests).length, 1)
      yield* TestClock.adjust("2 seconds")
      // resumed at the 45 s idle window, not at the 60 s request deadline
      assert.strictEqual((yield* requests).length, 2)
      const got = yield* Fiber.join(fiber)
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      const sent = yield* requests
      assert.strictEqual(startingAfterOf(sent[1]!), 3)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(all.slice(0, 3), { end: "hang", headers: location }),
      TestHttpClient.sse(all.slice(3))
    ])))))

  it.effect("the idle window starts when the headers arrive, even after a slow answer", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collectStream)
      // headers at 5 s; nothing after the third event: idle from 5 s, so the resume is due at 50 s
      yield* TestClock.adjust("49 seconds")
      assert.strictEqual((yield* requests).length, 1)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* requests).length, 2)
      const got = yield* Fiber.join(fiber)
      assert.deepStrictEqual(sequenceNumbers(got), expected)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      Effect.as(Effect.sleep("5 seconds"), TestHttpClient.sse(all.slice(0, 3), { end: "hang", headers: location })),
      TestHttpClient.sse(all.slice(3))
    ])))))

  it.effect("a stream request whose headers never come fails its try at the request deadline", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collectStream)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual((yield* requests).length, 1)
      yield* TestClock.adjust("2 seconds")
      // the first reconnect of a cut goes at once
      assert.strictEqual((yield* requests).length, 2)
      const got = yield* Fiber.join(fiber)
      assert.deepStrictEqual(sequenceNumbers(got), expected)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      Effect.never,
      TestHttpClient.sse(all, { headers: location })
    ])))))

  it.effect("keep-alives reset the idle window", () =>
    Effect.gen(function*() {
      const got = yield* collectStream
      assert.deepStrictEqual(sequenceNumbers(got), expected)
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.sse(all, { headers: location })])))))

  it.effect("gives up after the configured consecutive failed reconnects, with backoff, as StreamResumeExhausted", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(collectStream))
      // first reconnect at once; then 250ms, 500ms, 1s, 2s of backoff
      yield* TestClock.adjust("200 millis")
      assert.strictEqual((yield* requests).length, 2)
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* requests).length, 3)
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "StreamResumeExhausted")
      if (error._tag !== "StreamResumeExhausted") return
      assert.strictEqual(error.attempts, 5)
      assert.strictEqual(error.lastSequenceNumber, 2)
      assert.strictEqual(error.runId, "run_1")
      assert.match(error.lastError, /TransportError|ServerError/)
      assert.strictEqual((yield* requests).length, 1 + 5)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(all.slice(0, 2), { end: "error", headers: location }),
      TestHttpClient.sse([], { end: "error" }),
      TestHttpClient.transportFailure(),
      TestHttpClient.json(503, { error: "restarting", code: "UNAVAILABLE" }),
      TestHttpClient.sse([], { end: "error" }),
      TestHttpClient.sse([], { end: "error" })
    ])))))

  it.effect("a reconnect answered 429 waits its Retry-After", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collectStream)
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* requests).length, 2)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* requests).length, 2)
      yield* TestClock.adjust("1 second")
      const got = yield* Fiber.join(fiber)
      assert.deepStrictEqual(sequenceNumbers(got), expected)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(all.slice(0, 2), { end: "error", headers: location }),
      TestHttpClient.json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "3" }),
      TestHttpClient.sse(all.slice(2))
    ])))))

  it.effect("a reconnect answered 404 fails at once with NotFound", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(collectStream)
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual((yield* requests).length, 2)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(all.slice(0, 2), { end: "error", headers: location }),
      TestHttpClient.json(404, { error: "no such run", code: "NOT_FOUND" })
    ])))))
})

describe("RunService.stream decoding", () => {
  it.effect("a connection's first event is passed on alone, before the rest of its piece is decoded; the rest follow together", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const chunks = yield* Stream.runCollect(Stream.chunks(runs.stream("sess_1", "hello")))
      assert.deepStrictEqual(Chunk.toReadonlyArray(chunks).map(sequenceNumbers), [[1], [2, 3, 4]])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([
        event(1, "run.created", { status: "queued" }),
        event(2, "run.started", { status: "running" }),
        event(3, "message.output.delta", { delta: "hi" }),
        event(4, "run.completed", { status: "completed" })
      ], { headers: location })
    ])))))

  it.effect("an unknown event type passes through as Unknown, and the stream goes on", () =>
    Effect.gen(function*() {
      const got = Chunk.toReadonlyArray(yield* collectStream)
      assert.deepStrictEqual(got.map((e) => e._tag), ["RunCreated", "Unknown", "MessageOutputDelta", "RunCompleted"])
      const unknown = got[1]!
      assert.strictEqual(unknown.type, "run.thinking.sparkles")
      if (unknown._tag === "Unknown") assert.deepStrictEqual(unknown.data, { sparkle: 3 })
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([
        event(1, "run.created", { status: "queued" }),
        event(2, "run.thinking.sparkles", { sparkle: 3 }),
        event(3, "message.output.delta", { delta: "hi" }),
        event(4, "run.completed", { status: "completed" })
      ], { headers: location })
    ])))))

  it.effect("an event whose data is not JSON is a DecodeError with the request id, after the events before it", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const seen: Array<number> = []
      const error = yield* Effect.flip(
        Stream.runForEach(runs.stream("sess_1", "hello", { cancelOnInterrupt: false }), (e) => Effect.sync(() => seen.push(e.sequence_number)))
      )
      assert.deepStrictEqual(seen, [1])
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.strictEqual(error.requestId, "req_test_sse")
      assert.match(error.message, /not JSON/)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), "event: message.output.delta\ndata: {not json\n\n"], { headers: location })
    ])))))

  it.effect("a known event with a malformed field is a DecodeError naming the field, without the body", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(collectStream)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.strictEqual(error.path, "data.delta")
      assert.strictEqual(error.subject, "run event message.output.delta")
      assert.notInclude(error.message, "evt_2")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "message.output.delta", { delta: 42 })], { headers: location })
    ])))))

  it.effect("an oversized event is a DecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(collectStream)
      assert.strictEqual(error._tag, "DecodeError")
      assert.match(error.message, /maximum size of 1000/)
    }).pipe(Effect.provide(testLayer(
      TestHttpClient.sequence([
        TestHttpClient.sse([event(1, "run.created"), event(2, "message.output.delta", { delta: "x".repeat(5000) })], {
          headers: location
        })
      ]),
      { stream: { maxEventSize: 1000 } }
    ))))

  it.effect("a non-event-stream answer to stream: true is a DecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(collectStream)
      assert.strictEqual(error._tag, "DecodeError")
      assert.match(error.message, /text\/event-stream/)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.json(200, run("completed"))])))))

  it.effect("the initial POST answered 503 is retried with the same Idempotency-Key", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collectStream)
      yield* TestClock.adjust("1 second")
      const got = yield* Fiber.join(fiber)
      assert.strictEqual(Chunk.size(got), 3)
      const sent = yield* requests
      assert.strictEqual(sent.length, 2)
      assert.strictEqual(sent[1]!.method, "POST")
      assert.strictEqual(sent[0]!.headers["idempotency-key"], sent[1]!.headers["idempotency-key"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(503, { error: "busy", code: "UNAVAILABLE" }),
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started"), event(3, "run.completed")], { headers: location })
    ])))))
})

describe("interruption", () => {
  // a fresh answer per request: a Response body is read once
  const cancelled = () => TestHttpClient.json(200, run("cancelled"))

  it.effect("interrupting the consumer of stream sends cancel for the run", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const second = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        Stream.runForEach(runs.stream("sess_1", "hello"), (e) => e.sequence_number === 2 ? Deferred.succeed(second, void 0) : Effect.void)
      )
      yield* Deferred.await(second)
      yield* Fiber.interrupt(fiber)
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), [
        "POST /v1/sessions/sess_1/runs",
        "POST /v1/runs/run_1/cancel"
      ])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started")], { end: "hang", headers: location }),
      cancelled
    ])))))

  it.effect("interrupting before the first event still cancels, thanks to Content-Location", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const fiber = yield* Effect.fork(Stream.runDrain(runs.stream("sess_1", "hello")))
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      const sent = yield* requests
      assert.strictEqual(sent[sent.length - 1]!.path, "/v1/runs/run_1/cancel")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([], { end: "hang", headers: location }),
      cancelled
    ])))))

  it.effect("a consumer that stops early (Stream.take) cancels the run", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = yield* Stream.runCollect(Stream.take(runs.stream("sess_1", "hello"), 2))
      assert.strictEqual(Chunk.size(got), 2)
      const sent = yield* requests
      assert.strictEqual(sent[sent.length - 1]!.path, "/v1/runs/run_1/cancel")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started"), event(3, "message.output.delta", { delta: "x" })], {
        end: "hang",
        headers: location
      }),
      cancelled
    ])))))

  it.effect("a stream that reached its terminal event does not cancel", () =>
    Effect.gen(function*() {
      yield* collectStream
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.sse(completedRun(), { headers: location })])))))

  it.effect("cancelOnInterrupt: false leaves the run alone", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      yield* Stream.runDrain(Stream.take(runs.stream("sess_1", "hello", { cancelOnInterrupt: false }), 1))
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started")], { end: "hang", headers: location })
    ])))))

  it.effect("an observer of an existing run (events) does not cancel by default", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      yield* Stream.runDrain(Stream.take(runs.events("run_1"), 1))
      assert.deepStrictEqual((yield* requests).map((r) => r.method), ["GET"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started")], { end: "hang" })
    ])))))

  it.effect("events with cancelOnInterrupt: true cancels when interrupted", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      yield* Stream.runDrain(Stream.take(runs.events("run_1", { cancelOnInterrupt: true }), 1))
      assert.deepStrictEqual((yield* requests).map((r) => `${r.method} ${r.path}`), ["GET /v1/runs/run_1/events", "POST /v1/runs/run_1/cancel"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started")], { end: "hang" }),
      cancelled
    ])))))

  const cancelSent = Deferred.unsafeMake<void>(FiberId.none)
  it.effect("a cancel that never answers is given up after its timeout", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const fiber = yield* Effect.fork(Stream.runDrain(Stream.take(runs.stream("sess_1", "hello"), 1)))
      yield* Deferred.await(cancelSent)
      yield* TestClock.adjust("4 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isSuccess(exit))
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started")], { end: "hang", headers: location }),
      Effect.zipRight(Deferred.succeed(cancelSent, void 0), Effect.never)
    ])))))

  it.effect("a cancel answered with an error is ignored", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = yield* Stream.runCollect(Stream.take(runs.stream("sess_1", "hello"), 1))
      assert.strictEqual(Chunk.size(got), 1)
      assert.strictEqual((yield* requests).length, 2)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started")], { end: "hang", headers: location }),
      TestHttpClient.json(500, { error: "oops", code: "INTERNAL" })
    ])))))

  it.effect("interrupting createAndWait while it follows a 202 cancels the run", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const fiber = yield* Effect.fork(runs.createAndWait("sess_1", "hello"))
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), [
        "POST /v1/sessions/sess_1/runs",
        "GET /v1/runs/run_1/events",
        "POST /v1/runs/run_1/cancel"
      ])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(202, run("running")),
      TestHttpClient.sse([event(1, "run.created"), event(2, "run.started")], { end: "hang" }),
      cancelled
    ])))))
})

describe("RunService.events", () => {
  it.effect("starts after startingAfter and resumes from the last delivered", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = yield* Stream.runCollect(runs.events("run_1", { startingAfter: 3 }))
      assert.deepStrictEqual(sequenceNumbers(got), [4, 5, 6, 7])
      const sent = yield* requests
      assert.deepStrictEqual(sent.map(startingAfterOf), [3, 5])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(completedRun("a b c").slice(3, 5), { end: "error" }),
      TestHttpClient.sse(completedRun("a b c").slice(5))
    ])))))

  it.effect("after the terminal event of an ended run: an empty stream, not a failure", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = yield* Stream.runCollect(runs.events("run_1", { startingAfter: 7 }))
      assert.strictEqual(Chunk.size(got), 0)
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), [
        "GET /v1/runs/run_1/events",
        "GET /v1/runs/run_1",
        "GET /v1/runs/run_1/events"
      ])
      assert.strictEqual(sent[2]!.url.searchParams.get("starting_after"), "7")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([]),
      TestHttpClient.json(200, run("completed")),
      TestHttpClient.json(200, { object: "list", data: [], has_more: false })
    ])))))

  it.effect("an empty clean end while the run goes on is a cut: resumed", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = yield* Stream.runCollect(runs.events("run_1", { startingAfter: 5 }))
      assert.deepStrictEqual(sequenceNumbers(got), [6, 7])
      assert.strictEqual((yield* requests).length, 4)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([]),
      TestHttpClient.json(200, run("running")),
      TestHttpClient.json(200, { object: "list", data: [], has_more: false }),
      TestHttpClient.sse(completedRun("a b c").slice(5))
    ])))))

  it.effect("an ended run with events still after startingAfter is resumed, not ended early", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = yield* Stream.runCollect(runs.events("run_1", { startingAfter: 5 }))
      assert.deepStrictEqual(sequenceNumbers(got), [6, 7])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([]),
      TestHttpClient.json(200, run("completed")),
      TestHttpClient.json(200, { object: "list", data: [completedRun("a b c")[5]], has_more: true }),
      TestHttpClient.sse(completedRun("a b c").slice(5))
    ])))))

  it.effect("a bad startingAfter fails before any request", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(Stream.runDrain(runs.events("run_1", { startingAfter: -1 })))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([])))))
})

describe("RunService.createAndWait", () => {
  it.effect("200 completed returns the run; the body says wait: true", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const result = yield* runs.createAndWait("sess_1", "hello", { metadata: { ticket: "42" } })
      assert.strictEqual(result.status, "completed")
      const [post] = yield* requests
      assert.deepStrictEqual(post!.body, {
        input: [{ role: "user", content: [{ type: "input_text", text: "hello" }] }],
        metadata: { ticket: "42" },
        wait: true
      })
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.json(200, run("completed"))])))))

  it.effect("a failed run is RunFailed with its code and message (error as object)", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(runs.createAndWait("sess_1", "hello"))
      assert.strictEqual(error._tag, "RunFailed")
      if (error._tag !== "RunFailed") return
      assert.strictEqual(error.code, "MODEL_ERROR")
      assert.strictEqual(error.message, "the model broke")
      assert.strictEqual(error.runId, "run_1")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, run("failed", { error: { code: "MODEL_ERROR", message: "the model broke" } }))
    ])))))

  it.effect("a failed run with a string error is RunFailed with that message", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(runs.createAndWait("sess_1", "hello"))
      assert.strictEqual(error._tag, "RunFailed")
      assert.strictEqual(error.message, "tool exploded")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, run("failed", { error: "tool exploded" }))
    ])))))

  it.effect("a cancelled run is RunCancelled", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(runs.createAndWait("sess_1", "hello"))
      assert.strictEqual(error._tag, "RunCancelled")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.json(200, run("cancelled"))])))))

  it.effect("202 follows the event stream to the end, then returns the terminal run", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const result = yield* runs.createAndWait("sess_1", "hello")
      assert.strictEqual(result.status, "completed")
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), [
        "POST /v1/sessions/sess_1/runs",
        "GET /v1/runs/run_1/events",
        "GET /v1/runs/run_1"
      ])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(202, run("running")),
      TestHttpClient.sse(completedRun()),
      TestHttpClient.json(200, run("completed"))
    ])))))

  it.effect("the wait deadline is separate from the request deadline", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const fiber = yield* Effect.fork(Effect.flip(runs.createAndWait("sess_1", "hello", { policy: { retry: { times: 0 } } })))
      yield* TestClock.adjust("5 minutes")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("6 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "Timeout")
      if (error._tag === "Timeout") assert.strictEqual(error.kind, "wait")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([Effect.never])))))
})

describe("RunService reads and cancel", () => {
  it.effect("create returns the queued run and sends neither wait nor stream", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const created = yield* runs.create("sess_1", [{ role: "user", content: "plain string content" }])
      assert.strictEqual(created.status, "queued")
      const [post] = yield* requests
      assert.deepStrictEqual(post!.body, { input: [{ role: "user", content: "plain string content" }] })
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.json(202, run("queued"))])))))

  it.effect("cancel of a completed run is Conflict RUN_ALREADY_TERMINAL", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(runs.cancel("run_1"))
      assert.strictEqual(error._tag, "Conflict")
      assert.strictEqual(error.code, "RUN_ALREADY_TERMINAL")
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(409, { error: "run is completed", code: "RUN_ALREADY_TERMINAL" })
    ])))))

  it.effect("eventsPage decodes both page forms", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const first = yield* runs.eventsPage("run_1", { limit: 2 })
      assert.deepStrictEqual(first.data.map((e) => e._tag), ["RunCreated", "RunStarted"])
      assert.isTrue(first.hasMore)
      const second = yield* runs.eventsPage("run_1", { startingAfter: 2 })
      assert.deepStrictEqual(second.data.map((e) => e.sequence_number), [3])
      assert.isFalse(second.hasMore)
      const sent = yield* requests
      assert.strictEqual(sent[0]!.url.searchParams.get("limit"), "2")
      assert.strictEqual(sent[1]!.url.searchParams.get("starting_after"), "2")
      assert.strictEqual(sent[0]!.headers["accept"], "application/json")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { object: "list", data: [event(1, "run.created"), event(2, "run.started")], has_more: true }),
      TestHttpClient.json(200, { events: [event(3, "run.completed")] })
    ])))))

  it.effect("a malformed event in a page is a DecodeError", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const error = yield* Effect.flip(runs.eventsPage("run_1"))
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag === "DecodeError") assert.strictEqual(error.path, "sequence_number")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { data: [{ ...event(1, "run.created"), sequence_number: "one" }] })
    ])))))

  it.effect("listAll follows starting_after across pages", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const all = yield* Stream.runCollect(runs.listAll("sess_1", { pageSize: 2 }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(all).map((r) => r.id), ["run_3", "run_2", "run_1"])
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => r.url.searchParams.get("starting_after")), [null, "run_2"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { object: "list", data: [run("completed", {}, "run_3"), run("completed", {}, "run_2")], has_more: true }),
      TestHttpClient.json(200, { runs: [run("completed", {}, "run_1")], has_more: false })
    ])))))

  it.effect("an unknown run status is accepted and not terminal", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = yield* runs.get("run_1")
      assert.strictEqual(got.status, "paused_for_approval")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([TestHttpClient.json(200, run("paused_for_approval"))])))))
})

describe("folding", () => {
  it.effect("text, tool calls and final status from a stream", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const summary = yield* RunService.summarize(runs.stream("sess_1", "hello"))
      assert.strictEqual(summary.text, "Found 2 issues.")
      assert.strictEqual(summary.reasoning, "Looking at Linear.")
      assert.strictEqual(summary.status, "completed")
      assert.deepStrictEqual(summary.toolCalls, [{
        id: "tc_1",
        name: "linear.issues.list",
        status: "completed",
        arguments: "{\"state\":\"open\"}",
        resultPreview: { count: 2 }
      }])
      assert.strictEqual(summary.lastSequenceNumber, 10)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([
        event(1, "run.created"),
        event(2, "run.started"),
        event(3, "reasoning.summary.delta", { delta: "Looking at " }),
        event(4, "reasoning.summary.delta", { delta: "Linear." }),
        event(5, "tool_call.started", { tool_call_id: "tc_1", name: "linear.issues.list" }),
        event(6, "tool_call.arguments.delta", { tool_call_id: "tc_1", delta: "{\"state\":" }),
        event(7, "tool_call.arguments.delta", { tool_call_id: "tc_1", delta: "\"open\"}" }),
        event(8, "tool_call.completed", { tool_call_id: "tc_1", name: "linear.issues.list", result_preview: { count: 2 } }),
        event(9, "message.output.delta", { delta: "Found 2 issues." }),
        event(10, "run.completed")
      ], { headers: location })
    ])))))

  it.effect("a failed run's stream folds to status failed with its error, and a stream error is typed", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const status = yield* RunService.finalStatus(runs.stream("sess_1", "hello"))
      assert.strictEqual(status, "failed")
      const text = yield* RunService.text(runs.stream("sess_1", "hello"))
      assert.strictEqual(text, "partial")
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.sse([
        event(1, "run.created"),
        event(2, "message.output.delta", { delta: "partial" }),
        event(3, "run.failed", { error: "boom", code: "MODEL_ERROR" })
      ], { headers: location })
    ))))

  it.effect("a typed failure is not a defect: the exit's cause holds the error", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const exit = yield* Effect.exit(Stream.runDrain(runs.stream("sess_1", "")))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const failure = Cause.failureOption(exit.cause)
        assert.isTrue(Option.isSome(failure) && ApiError.isApiError(failure.value))
      }
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([])))))
})
