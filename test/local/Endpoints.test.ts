import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Either, Fiber, Schema, Stream } from "effect"
import { ActionService, Run, RunEvent, RunService, SessionService } from "../../src/index.js"
import { Gateway } from "../../src/local/index.js"
import { blockingModel, count, platform, raw } from "./helpers.js"

const services = Effect.all({
  sessions: SessionService.SessionService,
  runs: RunService.RunService,
  actions: ActionService.ActionService
})

describe("local platform endpoints, through the client over loopback", () => {
  it.scoped("sessions: create, get with transcript, list newest first with pagination", () =>
    Effect.gen(function*() {
      const { runs, sessions } = yield* services
      const first = yield* sessions.create({ title: "first", metadata: { team: "eng" } })
      const second = yield* sessions.create({ title: "second" })
      assert.match(first.id, /^sess_/)
      assert.strictEqual(first.status, "active")
      assert.deepStrictEqual(first.metadata, { team: "eng" })

      const page1 = yield* sessions.list({ limit: 1 })
      assert.deepStrictEqual(page1.data.map((s) => s.id), [second.id])
      assert.isTrue(page1.hasMore)
      const page2 = yield* sessions.list({ limit: 1, startingAfter: second.id })
      assert.deepStrictEqual(page2.data.map((s) => s.id), [first.id])
      assert.isFalse(page2.hasMore)
      const all = yield* Stream.runCollect(sessions.listAll({ pageSize: 1 }))
      assert.deepStrictEqual(Chunk.toArray(all).map((s) => s.id), [second.id, first.id])

      yield* runs.createAndWait(first.id, "hello")
      const transcript = yield* sessions.get(first.id)
      assert.strictEqual(transcript.session.title, "first")
      assert.deepStrictEqual(transcript.messages.map((m) => m.role), ["user", "assistant"])
      assert.strictEqual(transcript.messages[0]!.content, "hello")
    }).pipe(Effect.provide(platform())))

  it.scoped("runs: queued 202, wait:true terminal, stream:true events, get and list", () =>
    Effect.gen(function*() {
      const { runs, sessions } = yield* services
      const session = yield* sessions.create()
      const queued = yield* runs.create(session.id, "first question")
      assert.strictEqual(queued.status, "queued")
      assert.match(queued.id, /^run_/)

      const waited = yield* runs.createAndWait(session.id, "second question")
      assert.strictEqual(waited.status, "completed")
      assert.include(Run.outputText(waited), "second question")
      // runs of a session run in order: the queued one finished before the waited one
      const firstRun = yield* runs.get(queued.id)
      assert.strictEqual(firstRun.status, "completed")
      assert.isTrue(firstRun.completed_at! <= waited.completed_at!)
      // the earlier turn is visible in the answer
      assert.include(Run.outputText(waited), "Earlier in this session you asked: \"first question\"")

      const events = Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, "third")))
      assert.deepStrictEqual(events.map((e) => e.sequence_number), events.map((_, i) => i + 1))
      assert.strictEqual(events[0]!.type, "run.created")
      assert.strictEqual(events[1]!.type, "run.started")
      assert.strictEqual(events[events.length - 1]!.type, "run.completed")
      const summary = RunEvent.summarize(events)
      const stored = yield* runs.get(summary.runId!)
      assert.strictEqual(summary.text, Run.outputText(stored))

      const listed = yield* runs.list(session.id, { limit: 2 })
      assert.deepStrictEqual(listed.data.map((r) => r.id), [stored.id, waited.id])
      assert.isTrue(listed.hasMore)
      const rest = yield* runs.list(session.id, { limit: 2, startingAfter: waited.id })
      assert.deepStrictEqual(rest.data.map((r) => r.id), [queued.id])
    }).pipe(Effect.provide(platform())))

  it.scoped("a tool call: started, argument deltas, completed, and the answer uses its result", () =>
    Effect.gen(function*() {
      const { actions, runs, sessions } = yield* services
      const session = yield* sessions.create()
      const events = Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, "Get linear.issues.get ENG-102 please")))
      const summary = RunEvent.summarize(events)
      assert.strictEqual(summary.toolCalls.length, 1)
      const call = summary.toolCalls[0]!
      assert.strictEqual(call.name, "linear.issues.get")
      assert.strictEqual(call.status, "completed")
      assert.deepStrictEqual(JSON.parse(call.arguments), { id: "ENG-102" })
      assert.include(summary.text, "Slow search on the orders page")
      assert.isAbove(summary.reasoning.length, 0)
      const run = yield* runs.get(summary.runId!)
      assert.strictEqual(run.tool_calls[0]!.status, "completed")
      assert.deepStrictEqual(run.tool_calls[0]!.arguments, { id: "ENG-102" })
      // the tool call is in the audit trail, with the session and only the input's keys
      const trail = yield* actions.listInvocations()
      assert.strictEqual(trail.data[0]!.action, "linear.issues.get")
      assert.strictEqual(trail.data[0]!.session_id, session.id)
      assert.deepStrictEqual(trail.data[0]!.input_keys, ["id"])
      assert.notInclude(JSON.stringify(trail.data[0]), "ENG-102\"}")

      const failing = RunEvent.summarize(
        Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, "linear.issues.get ENG-999")))
      )
      assert.strictEqual(failing.toolCalls[0]!.status, "failed")
      assert.include(failing.toolCalls[0]!.error!, "ENG-999")
      assert.strictEqual(failing.status, "completed")
    }).pipe(Effect.provide(platform())))

  it.scoped("a prompt with [fail] ends the run failed, as an event and as a typed error", () =>
    Effect.gen(function*() {
      const { runs, sessions } = yield* services
      const session = yield* sessions.create()
      const error = yield* Effect.flip(runs.createAndWait(session.id, "please [fail] now"))
      assert.strictEqual(error._tag, "RunFailed")
      const events = Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, "[fail] again")))
      const last = events[events.length - 1]!
      assert.strictEqual(last._tag, "RunFailed")
      if (last._tag === "RunFailed") assert.strictEqual(last.data.code, "MODEL_ERROR")
    }).pipe(Effect.provide(platform())))

  it.scoped("events: JSON pages with starting_after and limit, SSE from starting_after and Last-Event-ID", () =>
    Effect.gen(function*() {
      const { runs, sessions } = yield* services
      const session = yield* sessions.create()
      const run = yield* runs.createAndWait(session.id, "page me")
      const all = yield* runs.eventsPage(run.id, { limit: 1000 })
      const total = all.data.length
      assert.isFalse(all.hasMore)
      const page = yield* runs.eventsPage(run.id, { startingAfter: 2, limit: 3 })
      assert.deepStrictEqual(page.data.map((e) => e.sequence_number), [3, 4, 5])
      assert.isTrue(page.hasMore)
      const tail = Chunk.toArray(yield* Stream.runCollect(runs.events(run.id, { startingAfter: total - 2 })))
      assert.deepStrictEqual(tail.map((e) => e.sequence_number), [total - 1, total])

      const sse = yield* raw(`/runs/${run.id}/events`, { headers: { accept: "text/event-stream", "last-event-id": String(total - 1) } })
      assert.strictEqual(sse.status, 200)
      assert.strictEqual(sse.headers.get("content-type"), "text/event-stream")
      assert.strictEqual(sse.text, `id: ${total}\nevent: run.completed\ndata: ${JSON.stringify(all.data[total - 1] && (yield* raw(`/runs/${run.id}/events?starting_after=${total - 1}`)).json.data[0])}\n\n`)
      // the query wins over Last-Event-ID
      const both = yield* raw(`/runs/${run.id}/events?stream=true&starting_after=${total - 2}`, { headers: { "last-event-id": "0" } })
      assert.deepStrictEqual(Array.from(both.text.matchAll(/^id: (\d+)$/gm)).map((m) => Number(m[1])), [total - 1, total])
    }).pipe(Effect.provide(platform())))

  it.scoped("cancel: a queued run is cancelled, cancelling again is a no-op, a completed run is 409", () =>
    Effect.gen(function*() {
      const { runs, sessions } = yield* services
      const session = yield* sessions.create()
      const blocker = yield* runs.create(session.id, "[block] hold the session")
      const queued = yield* runs.create(session.id, "wait in line")
      const cancelled = yield* runs.cancel(queued.id)
      assert.strictEqual(cancelled.status, "cancelled")
      const again = yield* runs.cancel(queued.id)
      assert.strictEqual(again.status, "cancelled")
      const events = yield* runs.eventsPage(queued.id)
      assert.deepStrictEqual(events.data.map((e) => e.type), ["run.created", "run.cancelled"])
      yield* runs.cancel(blocker.id)

      const done = yield* runs.createAndWait(session.id, "finish")
      const conflict = yield* Effect.flip(runs.cancel(done.id))
      assert.strictEqual(conflict._tag, "Conflict")
      if (conflict._tag === "Conflict") assert.strictEqual(conflict.code, "RUN_ALREADY_TERMINAL")
    }).pipe(Effect.provide(platform({ model: blockingModel }))))

  it.scoped("actions: catalog with JSON Schemas, invoke, invalid input, unknown action, provider failure, audit trail", () =>
    Effect.gen(function*() {
      const { actions } = yield* services
      const catalog = yield* actions.list()
      assert.includeMembers(catalog.map((a) => a.id), [
        "linear.issues.list",
        "linear.issues.get",
        "slack.channels.list",
        "slack.messages.search",
        "google.calendar.events.list"
      ])
      const search = catalog.find((a) => a.id === "slack.messages.search")!
      assert.deepStrictEqual((search.input_schema as any).required, ["query"])
      assert.isTrue(search.read_only)

      const invocation = yield* actions.invoke("slack.channels.list", { limit: 2 })
      assert.match(invocation.id, /^act_inv_/)
      assert.strictEqual(invocation.status, "succeeded")
      assert.strictEqual((invocation.result as any).channels.length, 2)

      const invalid = yield* Effect.flip(actions.invoke("slack.channels.list", { limit: "two" }))
      assert.strictEqual(invalid._tag, "InvalidRequest")
      const unknown = yield* Effect.flip(actions.invoke("jira.issues.list", {}))
      assert.strictEqual(unknown._tag, "NotFound")
      if (unknown._tag === "NotFound") assert.strictEqual(unknown.code, "ACTION_NOT_FOUND")
      const failed = yield* Effect.flip(actions.invoke("slack.messages.search", { query: "[fail]" }))
      assert.strictEqual(failed._tag, "ActionInvocationFailed")

      const trail = yield* actions.listInvocations({ limit: 1 })
      assert.strictEqual(trail.data[0]!.status, "failed")
      assert.deepStrictEqual(trail.data[0]!.input_keys, ["query"])
      assert.isTrue(trail.hasMore)
      const got = yield* actions.getInvocation(invocation.id)
      assert.deepStrictEqual(got.input_keys, ["limit"])
      assert.strictEqual(yield* count("invocations"), 2)
    }).pipe(Effect.provide(platform())))

  it.scoped("grants: an action the workspace may not use is 403 and is not run", () =>
    Effect.gen(function*() {
      const { actions } = yield* services
      const denied = yield* Effect.flip(actions.invoke("linear.issues.list", {}))
      assert.strictEqual(denied._tag, "PermissionDenied")
      assert.strictEqual(yield* count("invocations"), 0)
    }).pipe(Effect.provide(platform({ grants: (_, action) => action !== "linear.issues.list" }))))

  it.scoped("bad input: malformed JSON, wrong types, unknown fields, both modes, empty input, 413, 401, unknown route", () =>
    Effect.gen(function*() {
      const { sessions } = yield* services
      const session = yield* sessions.create()
      const runs = `/sessions/${session.id}/runs`
      const cases: Array<[string, ReturnType<typeof raw>, number, string]> = [
        ["malformed JSON", raw("/sessions", { method: "POST", body: "{nope" }), 400, "INVALID_REQUEST"],
        ["wrong type", raw("/sessions", { method: "POST", body: JSON.stringify({ title: 5 }) }), 400, "INVALID_REQUEST"],
        ["unknown field", raw("/sessions", { method: "POST", body: JSON.stringify({ titel: "x" }) }), 400, "INVALID_REQUEST"],
        ["long title", raw("/sessions", { method: "POST", body: JSON.stringify({ title: "x".repeat(257) }) }), 400, "INVALID_REQUEST"],
        ["both modes", raw(runs, { method: "POST", body: JSON.stringify({ input: "hi", wait: true, stream: true }) }), 400, "INVALID_REQUEST"],
        ["empty input", raw(runs, { method: "POST", body: JSON.stringify({ input: [] }) }), 400, "INVALID_REQUEST"],
        ["empty text", raw(runs, { method: "POST", body: JSON.stringify({ input: "" }) }), 400, "INVALID_REQUEST"],
        ["too large", raw("/sessions", { method: "POST", body: JSON.stringify({ title: "x".repeat(1024 * 1024) }) }), 413, "PAYLOAD_TOO_LARGE"],
        ["no key", raw("/sessions", { key: null }), 401, "UNAUTHENTICATED"],
        ["unknown key", raw("/sessions", { key: "ap_nope" }), 401, "UNAUTHENTICATED"],
        ["bad limit", raw("/sessions?limit=0"), 400, "INVALID_REQUEST"],
        ["unknown route", raw("/nothing-here"), 404, "NOT_FOUND"],
        ["unknown run", raw("/runs/run_nope"), 404, "NOT_FOUND"]
      ]
      for (const [name, request, status, code] of cases) {
        const response = yield* request
        assert.strictEqual(response.status, status, name)
        assert.strictEqual(response.json.code, code, name)
        assert.isString(response.json.error, name)
        assert.match(response.headers.get("x-request-id") ?? "", /^req_/, name)
      }
      // nothing was created by the bad requests
      assert.strictEqual(yield* count("sessions"), 1)
      assert.strictEqual(yield* count("runs"), 0)
      // content as a plain string is accepted
      const ok = yield* raw(runs, { method: "POST", body: JSON.stringify({ input: [{ role: "user", content: "plain" }] }) })
      assert.strictEqual(ok.status, 202)
    }).pipe(Effect.provide(platform())))

  it.scoped("idempotency: the same key and request replays, another request is 409, stream:true replays the same run", () =>
    Effect.gen(function*() {
      const first = yield* raw("/sessions", { method: "POST", body: "{\"title\":\"a\"}", headers: { "idempotency-key": "k1" } })
      const again = yield* raw("/sessions", { method: "POST", body: "{\"title\":\"a\"}", headers: { "idempotency-key": "k1" } })
      assert.strictEqual(first.status, 201)
      assert.strictEqual(again.status, 201)
      assert.strictEqual(again.headers.get("idempotent-replayed"), "true")
      assert.isNull(first.headers.get("idempotent-replayed"))
      assert.deepStrictEqual(again.json, first.json)
      const other = yield* raw("/sessions", { method: "POST", body: "{\"title\":\"b\"}", headers: { "idempotency-key": "k1" } })
      assert.strictEqual(other.status, 409)
      assert.strictEqual(other.json.code, "IDEMPOTENCY_KEY_REUSED")
      // keys are per workspace: the other workspace's key does not collide
      const otherWorkspace = yield* raw("/sessions", {
        method: "POST",
        body: "{\"title\":\"b\"}",
        headers: { "idempotency-key": "k1" },
        key: "ap_test_key_bravo_0123456789"
      })
      assert.strictEqual(otherWorkspace.status, 201)
      assert.strictEqual(yield* count("sessions"), 2)

      const body = JSON.stringify({ input: [{ role: "user", content: "stream me" }], stream: true })
      const path = `/sessions/${first.json.id}/runs`
      const streamed = yield* raw(path, { method: "POST", body, headers: { "idempotency-key": "k2" } })
      const replayed = yield* raw(path, { method: "POST", body, headers: { "idempotency-key": "k2" } })
      assert.strictEqual(streamed.status, 200, streamed.text)
      assert.match(streamed.headers.get("content-location") ?? "", /^\/v1\/runs\/run_/)
      assert.strictEqual(replayed.headers.get("content-location"), streamed.headers.get("content-location"))
      assert.strictEqual(replayed.headers.get("idempotent-replayed"), "true")
      assert.strictEqual(replayed.text, streamed.text)
      assert.strictEqual(yield* count("runs"), 1)
    }).pipe(Effect.provide(platform())))

  it.scoped("every response carries x-request-id and the rate-limit headers", () =>
    Effect.gen(function*() {
      const response = yield* raw("/actions")
      assert.strictEqual(response.status, 200)
      assert.match(response.headers.get("x-request-id") ?? "", /^req_/)
      assert.strictEqual(response.headers.get("x-ratelimit-limit"), "10000")
      assert.strictEqual(response.headers.get("x-ratelimit-remaining"), "9999")
      const either = yield* Effect.either((yield* ActionService.ActionService).getInvocation("act_inv_nope"))
      assert.isTrue(Either.isLeft(either) && either.left._tag === "NotFound" && either.left.requestId?.startsWith("req_") === true)
    }).pipe(Effect.provide(platform())))
})

describe("local platform options", () => {
  it.scopedLive("users register their own actions: in the catalog, invoked directly and by the model", () =>
    Effect.gen(function*() {
      const { actions, runs, sessions } = yield* services
      const catalog = yield* actions.list()
      const weather = catalog.find((a) => a.id === "weather.today")!
      assert.deepStrictEqual((weather.input_schema as any).required, ["city"])
      const invocation = yield* actions.invoke("weather.today", { city: "Oslo" })
      assert.deepStrictEqual(invocation.result, { city: "Oslo", forecast: "snow" })
      const session = yield* sessions.create()
      const run = yield* runs.createAndWait(session.id, "what does weather.today city=Lima say?")
      assert.include(Run.outputText(run), "Lima")
      assert.strictEqual(run.tool_calls[0]!.name, "weather.today")
    }).pipe(Effect.provide(platform({
      actions: [
        Gateway.action({
          id: "weather.today",
          name: "Today's weather",
          description: "The forecast of a city.",
          integration: "weather",
          input: Schema.Struct({ city: Schema.String }),
          handler: (input) => Effect.succeed({ city: input.city, forecast: "snow" })
        })
      ]
    }))))

  it.scopedLive("wait:true answers 202 with the run as it is when the wait limit passes; the client follows it", () =>
    Effect.gen(function*() {
      const { runs, sessions } = yield* services
      const session = yield* sessions.create()
      const blocked = yield* runs.create(session.id, "[block] hold")
      const answer = yield* raw(`/sessions/${session.id}/runs`, {
        method: "POST",
        body: JSON.stringify({ input: [{ role: "user", content: "behind the blocked one" }], wait: true })
      })
      assert.strictEqual(answer.status, 202)
      assert.strictEqual(answer.json.status, "queued")
      const fiber = yield* Effect.fork(runs.createAndWait(session.id, "waited for"))
      yield* runs.cancel(blocked.id)
      const run = yield* Fiber.join(fiber)
      assert.strictEqual(run.status, "completed")
    }).pipe(Effect.provide(platform({ model: blockingModel, waitLimit: Duration.millis(50) }))))

  it.scopedLive("a request in flight with the same Idempotency-Key waits for the first and gets its answer", () =>
    Effect.gen(function*() {
      const { sessions } = yield* services
      const session = yield* sessions.create()
      const body = JSON.stringify({ input: [{ role: "user", content: "once" }], wait: true })
      const path = `/sessions/${session.id}/runs`
      const [a, b] = yield* Effect.all([
        raw(path, { method: "POST", body, headers: { "idempotency-key": "same" } }),
        raw(path, { method: "POST", body, headers: { "idempotency-key": "same" } })
      ], { concurrency: 2 })
      assert.strictEqual(a.status, 200)
      assert.strictEqual(b.status, 200)
      assert.strictEqual(a.json.id, b.json.id)
      assert.deepStrictEqual([a.headers.get("idempotent-replayed"), b.headers.get("idempotent-replayed")].sort(), ["true", null].sort())
      assert.strictEqual(yield* count("runs"), 1)
    }).pipe(Effect.provide(platform({ deltaDelay: Duration.millis(1) }))))
})

describe("runs of one session", () => {
  it.scopedLive("execute one at a time, in creation order: the transcript alternates question and answer", () =>
    Effect.gen(function*() {
      const { runs, sessions } = yield* services
      const session = yield* sessions.create()
      const created = yield* Effect.forEach(["q1", "q2", "q3", "q4"], (prompt) => runs.create(session.id, prompt))
      const last = yield* runs.createAndWait(session.id, "q5")
      assert.strictEqual(last.status, "completed")
      for (const run of created) assert.strictEqual((yield* runs.get(run.id)).status, "completed")
      const transcript = yield* sessions.get(session.id)
      assert.deepStrictEqual(
        transcript.messages.map((m) => m.role === "user" ? m.content : "answer"),
        ["q1", "answer", "q2", "answer", "q3", "answer", "q4", "answer", "q5", "answer"]
      )
      assert.deepStrictEqual(
        transcript.messages.filter((m) => m.role === "assistant").map((m) => m.run_id),
        [...created.map((r) => r.id), last.id]
      )
    }).pipe(Effect.provide(platform({ deltaDelay: Duration.millis(1) }))))
})
