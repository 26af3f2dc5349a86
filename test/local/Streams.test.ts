import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Option, Stream, TestClock } from "effect"
import { Run, RunEvent, RunService, SessionService } from "../../src/index.js"
import { LocalPlatform } from "../../src/local/index.js"
import { blockingModel, count, platform, raw } from "./helpers.js"

describe("run event streams on the local platform", () => {
  it.scopedLive("cancel mid-stream: the stream ends with run.cancelled and the events before it stay", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const session = yield* sessions.create()
      let runId = ""
      const events = yield* runs.stream(session.id, "[block] talk until cancelled").pipe(
        Stream.tap((event) =>
          event._tag === "MessageOutputDelta" && event.data.delta === "two "
            ? Effect.asVoid(Effect.tap(runs.cancel(event.run_id), () => Effect.sync(() => (runId = event.run_id))))
            : Effect.void
        ),
        Stream.runCollect,
        Effect.map(Chunk.toArray)
      )
      assert.deepStrictEqual(events.map((e) => e.type), [
        "run.created",
        "run.started",
        "message.output.delta",
        "message.output.delta",
        "run.cancelled"
      ])
      const run = yield* runs.get(runId)
      assert.strictEqual(run.status, "cancelled")
      // the session goes on: the next run is executed
      const next = yield* runs.createAndWait(session.id, "still there?")
      assert.strictEqual(next.status, "completed")
    }).pipe(Effect.provide(platform({ model: blockingModel }))))

  it.scopedLive("interrupting a stream consumer leaves the run cancelled on the server", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const session = yield* sessions.create()
      const taken = Chunk.toArray(yield* Stream.runCollect(Stream.take(runs.stream(session.id, "[block] forever"), 3)))
      assert.strictEqual(taken.length, 3)
      const run = yield* runs.get(taken[0]!.run_id)
      assert.strictEqual(run.status, "cancelled")
      const stored = yield* runs.eventsPage(run.id)
      assert.strictEqual(stored.data[stored.data.length - 1]!.type, "run.cancelled")
    }).pipe(Effect.provide(platform({ model: blockingModel }))))

  it.scopedLive("a client that disconnects mid-stream leaves the run going; a later events call resumes it", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const local = yield* LocalPlatform.LocalPlatform
      const session = yield* sessions.create()
      const run = yield* runs.create(session.id, "a slow answer")
      const firstChunk = yield* Effect.promise(async () => {
        const controller = new AbortController()
        const response = await fetch(`${local.baseUrl}/runs/${run.id}/events`, {
          headers: { authorization: `Bearer ${Object.keys(local.keys)[0]}`, accept: "text/event-stream" },
          signal: controller.signal
        })
        const reader = response.body!.getReader()
        const { value } = await reader.read()
        controller.abort()
        return new TextDecoder().decode(value)
      })
      assert.match(firstChunk, /^id: 1\nevent: run\.created\n/)
      const rest = Chunk.toArray(yield* Stream.runCollect(runs.events(run.id, { startingAfter: 1 })))
      assert.strictEqual(rest[0]!.sequence_number, 2)
      assert.strictEqual(RunEvent.summarize(rest).status, "completed")
    }).pipe(Effect.provide(platform({ deltaDelay: Duration.millis(2) }))))

  it.scopedLive("an idle stream gets ': keepalive' comments, and a stall sends nothing at all", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const local = yield* LocalPlatform.LocalPlatform
      const session = yield* sessions.create()
      const run = yield* runs.create(session.id, "[block] idle")
      const text = yield* Effect.promise(async () => {
        const controller = new AbortController()
        const response = await fetch(`${local.baseUrl}/runs/${run.id}/events?stream=true`, {
          headers: { authorization: `Bearer ${Object.keys(local.keys)[0]}` },
          signal: controller.signal
        })
        const reader = response.body!.getReader()
        let received = ""
        while (!received.includes(": keepalive\n\n")) {
          const { done, value } = await reader.read()
          if (done) break
          received += new TextDecoder().decode(value)
        }
        controller.abort()
        return received
      })
      assert.include(text, "event: message.output.delta")
      assert.include(text, ": keepalive\n\n")
      assert.notInclude(text, "retry:")
      yield* runs.cancel(run.id)
      const ended = Chunk.toArray(yield* Stream.runCollect(runs.events(run.id)))
      assert.isTrue(Option.isSome(Option.fromNullable(ended.find(RunEvent.isTerminal))))
    }).pipe(Effect.provide(platform({ model: blockingModel, keepAliveInterval: Duration.millis(50) }))))

  it.scopedLive("a stalled stream (no bytes, no keep-alive) is resumed by the client after its idle window", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const session = yield* sessions.create()
      const events = Chunk.toArray(
        yield* Stream.runCollect(runs.stream(session.id, "stall me", {
          policy: { timeouts: { streamIdle: Duration.millis(200) } }
        }))
      )
      assert.deepStrictEqual(events.map((e) => e.sequence_number), events.map((_, i) => i + 1))
      assert.strictEqual(RunEvent.summarize(events).status, "completed")
      // the stalled connection was left for a new one
      const faults = (yield* LocalPlatform.LocalPlatform).faults
      assert.isAtLeast(yield* faults.stalls, 1)
      assert.isAtLeast(yield* faults.streams, 2)
    }).pipe(Effect.provide(platform({ faults: { stall: { afterEvents: 30, duration: Duration.seconds(10) } } }))))
})

describe("event streams at their edges", () => {
  it.scopedLive("an SSE request after the terminal event of an ended run closes at once, empty", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const session = yield* sessions.create()
      const run = yield* runs.createAndWait(session.id, "done")
      const page = yield* runs.eventsPage(run.id, { limit: 1000 })
      const answer = yield* raw(`/runs/${run.id}/events?starting_after=${page.data.length}`, {
        headers: { accept: "text/event-stream" }
      })
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.text, "")
    }).pipe(Effect.provide(platform())))

  it.scoped("latency on purpose delays every answer by the configured time", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const fiber = yield* Effect.fork(sessions.create({ title: "late" }))
      const sleeps = yield* Effect.repeat(
        Effect.zipRight(Effect.yieldNow(), Effect.map(TestClock.sleeps(), Chunk.toArray)),
        { until: (sleeps) => sleeps.includes(10_000) }
      )
      assert.include(sleeps, 10_000)
      assert.strictEqual(yield* count("sessions"), 0)
      yield* TestClock.adjust(Duration.seconds(10))
      const session = yield* Fiber.join(fiber)
      assert.strictEqual(session.title, "late")
    }).pipe(Effect.provide(platform({ faults: { latency: Duration.seconds(10) } }))))
})

describe("a scoped session over the local platform", () => {
  it.scopedLive("closing the scope cancels the runs still open on the server", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const { open, runId } = yield* Effect.scoped(Effect.gen(function*() {
        const session = yield* sessions.scoped({ title: "scoped" })
        const run = yield* session.create("[block] left open")
        return { open: yield* session.openRuns, runId: run.id }
      }))
      assert.deepStrictEqual(open, [runId])
      assert.strictEqual((yield* runs.get(runId)).status, "cancelled")
    }).pipe(Effect.provide(platform({ model: blockingModel }))))
})

describe("an event is never visible before what it describes", () => {
  it.scopedLive("at each event of a stream, the run already shows its status, tool call and output", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const session = yield* sessions.create()
      const checked = new Set<string>()
      yield* runs.stream(session.id, "check linear.issues.get ENG-404 then linear.issues.list").pipe(
        Stream.runForEach((event) =>
          Effect.gen(function*() {
            const run = yield* runs.get(event.run_id)
            switch (event._tag) {
              case "RunStarted":
                assert.notStrictEqual(run.status, "queued")
                break
              case "ToolCallStarted":
                assert.isTrue(run.tool_calls.some((call) => call.id === event.data.tool_call_id))
                break
              case "ToolCallCompleted":
                assert.strictEqual(run.tool_calls.find((call) => call.id === event.data.tool_call_id)?.status, "completed")
                break
              case "ToolCallFailed":
                assert.strictEqual(run.tool_calls.find((call) => call.id === event.data.tool_call_id)?.status, "failed")
                break
              case "MessageOutputCompleted":
                assert.strictEqual(Run.outputText(run), event.data.text)
                break
              case "RunCompleted":
                assert.strictEqual(run.status, "completed")
                break
              default:
                return
            }
            checked.add(event._tag)
          })
        )
      )
      assert.deepStrictEqual(Array.from(checked).sort(), [
        "MessageOutputCompleted",
        "RunCompleted",
        "RunStarted",
        "ToolCallCompleted",
        "ToolCallFailed",
        "ToolCallStarted"
      ])
    }).pipe(Effect.provide(platform())))
})

describe("event stream headers", () => {
  it.scopedLive("an event stream answers its headers at once, before any event is ready", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const local = yield* LocalPlatform.LocalPlatform
      const session = yield* sessions.create()
      const run = yield* runs.create(session.id, "[block] quiet")
      // nothing comes after event 100 for a minute (the keep-alive interval): only the headers can answer
      const headers = yield* Effect.promise(async () => {
        const controller = new AbortController()
        const response = await fetch(`${local.baseUrl}/runs/${run.id}/events?starting_after=100`, {
          headers: { authorization: `Bearer ${Object.keys(local.keys)[0]}`, accept: "text/event-stream" },
          signal: controller.signal
        })
        controller.abort()
        return response.headers
      })
      assert.strictEqual(headers.get("content-location"), `/v1/runs/${run.id}`)
      assert.strictEqual(headers.get("content-type"), "text/event-stream")
      yield* runs.cancel(run.id)
    }).pipe(Effect.provide(platform({ model: blockingModel, keepAliveInterval: Duration.minutes(1) }))), 20_000)
})
