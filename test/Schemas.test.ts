import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Schema, Stream } from "effect"
import { readdirSync } from "node:fs"
import {
  Action,
  Page,
  Run,
  RunEvent,
  RunInput,
  RunService,
  Session,
  SessionService,
  TestHttpClient
} from "../src/index.js"
import { event, run, session, T0, testLayer } from "./helpers.js"
import { fixture, fixtureJson, requests } from "./support.js"

const decodeSession = Schema.decodeUnknownSync(Session.Session)
const decodeRun = Schema.decodeUnknownSync(Run.Run)
const decodeRunInput = Schema.decodeUnknownSync(RunInput.RunInput)
const decodeTranscript = Schema.decodeUnknownSync(Session.SessionWithTranscript)

const decodeEvent = (u: unknown): RunEvent.RunEvent => {
  const result = RunEvent.decode(u)
  if (Either.isLeft(result)) throw new Error(`expected an event, got ${result.left.message}`)
  return result.right
}

const RequestBody = Schema.Struct({
  input: RunInput.RunInput,
  wait: Schema.optional(Schema.Boolean),
  stream: Schema.optional(Schema.Boolean)
})

describe("documented examples (test/fixtures/docs) decode unchanged", () => {
  const covered = [
    "session.create.request.json",
    "session.create.response.json",
    "run.create.request.json",
    "run.create.wait.request.json",
    "run.create.stream.request.json",
    "run.completed.json",
    "event.tool_call.completed.sse"
  ]

  it("every fixture file is covered by a test below", () => {
    const files = readdirSync(new URL("./fixtures/docs/", import.meta.url)).filter((name) => name !== "README.md")
    assert.deepStrictEqual(files.slice().sort(), covered.slice().sort())
  })

  it("session.create.request.json is a valid CreateSessionParams", () => {
    const params = Schema.decodeUnknownSync(Session.CreateSessionParams)(fixtureJson("session.create.request.json"))
    assert.deepStrictEqual(params, { title: "Investigate support backlog" })
  })

  it("session.create.response.json decodes as a Session (without object or metadata)", () => {
    const decoded = decodeSession(fixtureJson("session.create.response.json"))
    assert.deepStrictEqual(decoded, {
      id: "sess_123",
      status: "active",
      title: "Investigate support backlog",
      created_at: "2026-03-14T20:00:00Z",
      updated_at: "2026-03-14T20:00:00Z"
    })
  })

  it("run.completed.json decodes as a Run with its output text, empty tool calls", () => {
    const decoded = decodeRun(fixtureJson("run.completed.json"))
    assert.strictEqual(decoded.id, "run_123")
    assert.strictEqual(decoded.session_id, "sess_123")
    assert.strictEqual(decoded.status, "completed")
    assert.strictEqual(decoded.source, "api")
    assert.deepStrictEqual(decoded.tool_calls, [])
    assert.strictEqual(Run.outputText(decoded), "There are 4 open Linear issues.")
    assert.isTrue(Run.isTerminalStatus(decoded.status))
  })

  for (const [name, flags] of [
    ["run.create.request.json", {}],
    ["run.create.wait.request.json", { wait: true }],
    ["run.create.stream.request.json", { stream: true }]
  ] as const) {
    it(`${name} is a valid run request body`, () => {
      const decoded = Schema.decodeUnknownSync(RequestBody)(fixtureJson(name))
      assert.deepStrictEqual(decoded, { input: RunInput.text("Summarize open Linear issues."), ...flags })
    })
  }

  it("event.tool_call.completed.sse: its data line decodes with RunEvent.decodeJson", () => {
    const dataLine = fixture("event.tool_call.completed.sse").split("\n").find((line) => line.startsWith("data: "))
    assert.isDefined(dataLine)
    const result = RunEvent.decodeJson(dataLine!.slice("data: ".length))
    assert.isTrue(Either.isRight(result))
    if (Either.isLeft(result)) return
    assert.strictEqual(result.right._tag, "ToolCallCompleted")
    assert.strictEqual(result.right.sequence_number, 6)
  })

  it.effect("event.tool_call.completed.sse: the raw frame (no id: line) streams through RunService.events", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const got = Chunk.toReadonlyArray(yield* Stream.runCollect(runs.events("run_123")))
      assert.deepStrictEqual(got.map((e) => e._tag), ["ToolCallCompleted", "RunCompleted"])
      const first = got[0]!
      assert.strictEqual(first._tag, "ToolCallCompleted")
      if (first._tag !== "ToolCallCompleted") return
      assert.strictEqual(first.id, "evt_123")
      assert.strictEqual(first.run_id, "run_123")
      assert.strictEqual(first.session_id, "sess_123")
      assert.strictEqual(first.sequence_number, 6)
      assert.strictEqual(first.created_at, "2026-03-14T20:01:02Z")
      assert.deepStrictEqual(first.data, { tool_call_id: "tc_123", name: "linear.issues.list" })
      const [get] = yield* requests
      assert.strictEqual(get!.path, "/v1/runs/run_123/events")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([
        fixture("event.tool_call.completed.sse"),
        event(7, "run.completed", { status: "completed" }, "run_123")
      ])
    ])))))

  it.effect("the client's request bodies equal the documented request examples", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      yield* sessions.create({ title: "Investigate support backlog" })
      yield* runs.create("sess_123", RunInput.text("Summarize open Linear issues."))
      yield* runs.createAndWait("sess_123", "Summarize open Linear issues.")
      const sent = yield* requests
      assert.deepStrictEqual(sent[0]!.body, fixtureJson("session.create.request.json"))
      assert.deepStrictEqual(sent[1]!.body, fixtureJson("run.create.request.json"))
      assert.deepStrictEqual(sent[2]!.body, fixtureJson("run.create.wait.request.json"))
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(201, fixtureJson("session.create.response.json")),
      TestHttpClient.json(202, run("queued")),
      TestHttpClient.json(200, fixtureJson("run.completed.json"))
    ])))))

  it.effect("the client's stream request body equals run.create.stream.request.json", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      yield* Stream.runDrain(runs.stream("sess_123", "Summarize open Linear issues."))
      const [post] = yield* requests
      assert.deepStrictEqual(post!.body, fixtureJson("run.create.stream.request.json"))
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse([event(1, "run.completed", { status: "completed" }, "run_123")], {
        headers: { "content-location": "/v1/runs/run_123" }
      })
    ])))))
})

describe("Session schemas", () => {
  const messages = [
    { id: "msg_1", role: "user", content: "hi", run_id: "run_1", created_at: T0 },
    { id: "msg_2", role: "assistant", content: "hello", run_id: "run_1", created_at: T0 }
  ]

  it("the wrapped transcript shape { session, messages }", () => {
    const decoded = decodeTranscript({ session: session("sess_7"), messages })
    assert.strictEqual(decoded.session.id, "sess_7")
    assert.deepStrictEqual(decoded.messages.map((m) => m.id), ["msg_1", "msg_2"])
    assert.deepStrictEqual(decoded.messages.map((m) => m.role), ["user", "assistant"])
  })

  it("the inline transcript shape (a session with messages inside it)", () => {
    const decoded = decodeTranscript({ ...session("sess_8"), messages })
    assert.strictEqual(decoded.session.id, "sess_8")
    assert.strictEqual(decoded.session.title, "t")
    assert.isFalse("messages" in decoded.session)
    assert.deepStrictEqual(decoded.messages.map((m) => m.content), ["hi", "hello"])
  })

  it("a transcript without messages decodes with an empty list (both shapes)", () => {
    assert.deepStrictEqual(decodeTranscript({ session: session() }).messages, [])
    assert.deepStrictEqual(decodeTranscript(session()).messages, [])
  })

  it("any session status string is accepted", () => {
    assert.strictEqual(decodeSession({ ...session(), status: "archived" }).status, "archived")
  })

  it("a session missing its id does not decode", () => {
    const { id: _id, ...rest } = session()
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Session.Session)(rest)))
  })

  it("unknown fields are ignored (session, message, wrapped and inline transcript)", () => {
    const extra = { future_field: { nested: true }, another: 1 }
    assert.deepStrictEqual(decodeSession({ ...session(), ...extra }), session())
    const wrapped = decodeTranscript({
      session: { ...session(), ...extra },
      messages: [{ ...messages[0], ...extra }],
      ...extra
    })
    assert.deepStrictEqual(wrapped.session, session())
    assert.deepStrictEqual(wrapped.messages[0], messages[0])
    const inline = decodeTranscript({ ...session(), ...extra, messages: [{ ...messages[1], ...extra }] })
    assert.deepStrictEqual(inline.session, session())
    assert.deepStrictEqual(inline.messages[0], messages[1])
  })

  it("CreateSessionParams refuses a title over 256 characters and accepts exactly 256", () => {
    const validate = Schema.validateEither(Session.CreateSessionParams)
    assert.isTrue(Either.isRight(validate({ title: "x".repeat(256) })))
    assert.isTrue(Either.isLeft(validate({ title: "x".repeat(257) })))
  })
})

describe("Run schema", () => {
  it("error as a plain string", () => {
    const decoded = decodeRun(run("failed", { error: "model timed out" }))
    assert.deepStrictEqual(decoded.error, { message: "model timed out" })
  })

  it("error as an object with code and message", () => {
    const decoded = decodeRun(run("failed", { error: { code: "MODEL_ERROR", message: "boom", extra: 1 } }))
    assert.deepStrictEqual(decoded.error, { code: "MODEL_ERROR", message: "boom" })
  })

  it("an error object without a message gets a default message; a null code is dropped", () => {
    const decoded = decodeRun(run("failed", { error: { code: null } }))
    assert.deepStrictEqual(decoded.error, { message: "run failed" })
  })

  it("error null or absent", () => {
    assert.isNull(decodeRun(run("completed", { error: null })).error)
    assert.isUndefined(decodeRun(run("completed")).error)
  })

  for (const status of ["queued", "running", "completed", "failed", "cancelled"]) {
    it(`known status ${status} decodes, terminal iff completed/failed/cancelled`, () => {
      const decoded = decodeRun(run(status))
      assert.strictEqual(decoded.status, status)
      assert.strictEqual(Run.isTerminalStatus(decoded.status), ["completed", "failed", "cancelled"].includes(status))
    })
  }

  it("unknown statuses decode and count as not terminal", () => {
    for (const status of ["paused", "requires_action", ""]) {
      const decoded = decodeRun(run(status))
      assert.strictEqual(decoded.status, status)
      assert.isFalse(Run.isTerminalStatus(decoded.status))
    }
  })

  it("tool calls decode with their fields", () => {
    const decoded = decodeRun(run("completed", {
      tool_calls: [
        {
          id: "tc_1",
          name: "linear.issues.list",
          status: "completed",
          arguments: { state: "open" },
          result_preview: [{ id: "LIN-1" }],
          created_at: T0,
          updated_at: T0
        },
        { id: "tc_2", name: "github.search", status: "failed", arguments: {}, error: "denied", created_at: T0, updated_at: T0 }
      ]
    }))
    assert.deepStrictEqual(decoded.tool_calls.map((call) => [call.id, call.name, call.status]), [
      ["tc_1", "linear.issues.list", "completed"],
      ["tc_2", "github.search", "failed"]
    ])
    assert.deepStrictEqual(decoded.tool_calls[0]!.arguments, { state: "open" })
    assert.deepStrictEqual(decoded.tool_calls[0]!.result_preview, [{ id: "LIN-1" }])
    assert.strictEqual(decoded.tool_calls[1]!.error, "denied")
  })

  it("output and tool_calls default to empty when absent or null", () => {
    const { output: _o, tool_calls: _t, ...bare } = run("queued")
    const decoded = decodeRun(bare)
    assert.deepStrictEqual(decoded.output, [])
    assert.deepStrictEqual(decoded.tool_calls, [])
    const nulls = decodeRun(run("queued", { output: null, tool_calls: null }))
    assert.deepStrictEqual(nulls.output, [])
    assert.deepStrictEqual(nulls.tool_calls, [])
  })

  it("unknown fields are ignored at every level of a run", () => {
    const decoded = decodeRun({
      ...run("completed", {
        output: [{
          type: "message",
          role: "assistant",
          annotations: [],
          content: [{ type: "output_text", text: "ok", logprobs: [] }, { type: "refusal", refusal: "no" }]
        }],
        tool_calls: [{ id: "tc_1", name: "n", status: "completed", latency_ms: 3 }]
      }),
      usage: { input_tokens: 3 },
      model: "hosted"
    })
    assert.isFalse("usage" in decoded)
    assert.isFalse("annotations" in decoded.output[0]!)
    assert.isFalse("logprobs" in decoded.output[0]!.content[0]!)
    assert.isFalse("latency_ms" in decoded.tool_calls[0]!)
    assert.deepStrictEqual(decoded.output[0]!.content.map((c) => c.type), ["output_text", "refusal"])
    assert.strictEqual(Run.outputText(decoded), "ok")
  })

  it("outputText joins the output_text parts of messages only", () => {
    const decoded = decodeRun(run("completed", {
      output: [
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "a" }, { type: "output_text", text: "b" }] },
        { type: "reasoning", content: [{ type: "output_text", text: "hidden" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "c" }] }
      ]
    }))
    assert.strictEqual(Run.outputText(decoded), "abc")
  })
})

describe("RunInput", () => {
  it("text builds the documented one-message input", () => {
    const input = RunInput.text("Summarize open Linear issues.")
    assert.deepStrictEqual(input, (fixtureJson("run.create.request.json") as { input: unknown }).input)
    assert.deepStrictEqual(decodeRunInput(input), input)
  })

  it("text takes a role", () => {
    assert.deepStrictEqual(RunInput.text("be brief", "system"), [
      { role: "system", content: [{ type: "input_text", text: "be brief" }] }
    ])
  })

  it("fromLike turns a string into text(...) and keeps a RunInput", () => {
    assert.deepStrictEqual(RunInput.fromLike("hi"), RunInput.text("hi"))
    const input = RunInput.text("x", "developer")
    assert.strictEqual(RunInput.fromLike(input), input)
  })

  it("content as a plain string is accepted; system and developer roles too", () => {
    const input = [{ role: "system", content: "be brief" }, { role: "developer", content: "x" }, { role: "user", content: "hi" }]
    assert.deepStrictEqual<unknown>(decodeRunInput(input), input)
  })

  it("empty input, empty text, empty string content and an unknown role are refused", () => {
    const decode = Schema.decodeUnknownEither(RunInput.RunInput)
    assert.isTrue(Either.isLeft(decode([])))
    assert.isTrue(Either.isLeft(decode(RunInput.text(""))))
    assert.isTrue(Either.isLeft(decode([{ role: "user", content: "" }])))
    assert.isTrue(Either.isLeft(decode([{ role: "user", content: [] }])))
    assert.isTrue(Either.isLeft(decode([{ role: "assistant", content: "hi" }])))
  })
})

describe("list pages", () => {
  const SessionPage = Page.schema(Session.Session, "sessions")
  const decodePage = Schema.decodeUnknownSync(SessionPage)

  it("the data form with has_more", () => {
    const page = decodePage({ object: "list", data: [session("sess_1"), session("sess_2")], has_more: true })
    assert.deepStrictEqual(page.data.map((s) => s.id), ["sess_1", "sess_2"])
    assert.isTrue(page.hasMore)
  })

  it("the named-array form, has_more defaulting to false", () => {
    const page = decodePage({ sessions: [session("sess_3")] })
    assert.deepStrictEqual(page.data.map((s) => s.id), ["sess_3"])
    assert.isFalse(page.hasMore)
  })

  it("the named-array form with has_more: true", () => {
    assert.isTrue(decodePage({ sessions: [session("sess_3")], has_more: true }).hasMore)
  })

  it("unknown fields of a page and of its items are ignored", () => {
    const page = decodePage({ object: "list", data: [{ ...session(), extra: 1 }], has_more: false, next_cursor: "x", total: 9 })
    assert.deepStrictEqual(page, { data: [session()], hasMore: false })
  })

  it("a page with neither form does not decode", () => {
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(SessionPage)({ items: [] })))
  })

  it.effect("SessionService.list accepts the named-array form over HTTP", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const page = yield* sessions.list()
      assert.deepStrictEqual(page.data.map((s) => s.id), ["sess_a", "sess_b"])
      assert.isFalse(page.hasMore)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { sessions: [session("sess_a"), session("sess_b")] })
    ])))))

  it.effect("RunService.eventsPage accepts both forms and decodes each event", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const first = yield* runs.eventsPage("run_1")
      const second = yield* runs.eventsPage("run_1", { startingAfter: 1 })
      assert.deepStrictEqual(first.data.map((e) => e._tag), ["RunCreated"])
      assert.isTrue(first.hasMore)
      assert.deepStrictEqual(second.data.map((e) => e._tag), ["RunStarted", "Unknown"])
      assert.isFalse(second.hasMore)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { object: "list", data: [event(1, "run.created", { status: "queued" })], has_more: true }),
      TestHttpClient.json(200, { events: [event(2, "run.started", { status: "running" }), event(3, "run.paused", {})] })
    ])))))

  it("Action and ActionInvocation ignore unknown fields; a page of actions decodes", () => {
    const action = {
      id: "linear.issues.list",
      object: "action",
      name: "List issues",
      description: "Lists issues",
      integration: "linear",
      provider: "linear",
      read_only: true,
      input_schema: { type: "object" },
      rate_limit: 10
    }
    const page = Schema.decodeUnknownSync(Page.schema(Action.Action, "actions"))({ object: "list", data: [action] })
    assert.strictEqual(page.data[0]!.id, "linear.issues.list")
    assert.isFalse("rate_limit" in page.data[0]!)
    const invocation = Schema.decodeUnknownSync(Action.ActionInvocation)({
      id: "act_inv_1",
      object: "action_invocation",
      action: "linear.issues.list",
      status: "succeeded",
      result: { issues: [] },
      session_id: null,
      connection_id: null,
      duration_ms: 12,
      created_at: T0,
      input_keys: ["state"],
      billing: { units: 1 }
    })
    assert.deepStrictEqual(invocation.result, { issues: [] })
    assert.deepStrictEqual(invocation.input_keys, ["state"])
    assert.isFalse("billing" in invocation)
  })
})

describe("RunEvent decoding", () => {
  const samples: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
    ["run.created", "RunCreated", { status: "queued" }],
    ["run.started", "RunStarted", { status: "running" }],
    ["reasoning.summary.delta", "ReasoningSummaryDelta", { delta: "thinking" }],
    ["tool_call.started", "ToolCallStarted", { tool_call_id: "tc_1", name: "linear.issues.list" }],
    ["tool_call.arguments.delta", "ToolCallArgumentsDelta", { tool_call_id: "tc_1", delta: "{\"st" }],
    ["tool_call.completed", "ToolCallCompleted", { tool_call_id: "tc_1", name: "linear.issues.list", result_preview: [1] }],
    ["tool_call.failed", "ToolCallFailed", { tool_call_id: "tc_1", name: "linear.issues.list", error: "denied" }],
    ["message.output.delta", "MessageOutputDelta", { delta: "Hel" }],
    ["message.output.completed", "MessageOutputCompleted", { text: "Hello" }],
    ["run.completed", "RunCompleted", { status: "completed" }],
    ["run.failed", "RunFailed", { error: "boom", code: "MODEL_ERROR" }],
    ["run.cancelled", "RunCancelled", { status: "cancelled" }]
  ]

  it("the samples cover exactly the twelve known types", () => {
    assert.deepStrictEqual(samples.map(([type]) => type).sort(), Object.keys(RunEvent.known).sort())
    assert.strictEqual(samples.length, 12)
  })

  for (const [type, tag, data] of samples) {
    it(`${type} decodes to _tag ${tag}, keeping type, envelope and data`, () => {
      const decoded = decodeEvent(event(4, type, data))
      assert.strictEqual(decoded._tag, tag)
      assert.strictEqual(decoded.type, type)
      assert.strictEqual(decoded.sequence_number, 4)
      assert.strictEqual(decoded.run_id, "run_1")
      assert.strictEqual(decoded.session_id, "sess_1")
      assert.deepStrictEqual(decoded.data, data)
      assert.strictEqual(
        RunEvent.isTerminal(decoded),
        ["run.completed", "run.failed", "run.cancelled"].includes(type)
      )
    })
  }

  it("the RunEvent union schema decodes every sample to the same _tag as decode", () => {
    const decodeUnion = Schema.decodeUnknownSync(RunEvent.RunEvent)
    for (const [type, tag, data] of samples) assert.strictEqual(decodeUnion(event(1, type, data))._tag, tag)
  })

  it("optional data fields may be absent (tool_call.started name, run.failed code, statuses)", () => {
    assert.strictEqual(decodeEvent(event(1, "tool_call.started", { tool_call_id: "tc_1" }))._tag, "ToolCallStarted")
    assert.strictEqual(decodeEvent(event(1, "run.failed", { error: "x" }))._tag, "RunFailed")
    assert.strictEqual(decodeEvent(event(1, "run.completed", {}))._tag, "RunCompleted")
  })

  it("an unknown type becomes Unknown, with its data kept undecoded", () => {
    const decoded = decodeEvent(event(9, "run.paused", { reason: "approval", nested: { a: [1] } }))
    assert.strictEqual(decoded._tag, "Unknown")
    assert.strictEqual(decoded.type, "run.paused")
    assert.strictEqual(decoded.sequence_number, 9)
    assert.deepStrictEqual(decoded.data, { reason: "approval", nested: { a: [1] } })
    assert.isFalse(RunEvent.isTerminal(decoded))
  })

  it("an unknown type without data is still an Unknown event", () => {
    const { data: _data, ...bare } = event(2, "heartbeat")
    assert.strictEqual(decodeEvent(bare)._tag, "Unknown")
  })

  it("unknown fields of the envelope and of data are ignored", () => {
    const decoded = decodeEvent({ ...event(3, "message.output.delta", { delta: "x", index: 0 }), trace_id: "t" })
    assert.deepStrictEqual(decoded.data, { delta: "x" })
    assert.isFalse("trace_id" in decoded)
  })

  it("a known type with bad data is a DecodeError naming the path", () => {
    const result = RunEvent.decode(event(5, "message.output.delta", { delta: 42 }), "req_abc")
    assert.isTrue(Either.isLeft(result))
    if (Either.isRight(result)) return
    assert.strictEqual(result.left._tag, "DecodeError")
    assert.strictEqual(result.left.path, "data.delta")
    assert.strictEqual(result.left.requestId, "req_abc")
    assert.include(result.left.subject, "message.output.delta")
    assert.include(result.left.message, "data.delta")
  })

  it("a known type with a missing data field names that field", () => {
    const result = RunEvent.decode(event(5, "tool_call.completed", { tool_call_id: "tc_1" }))
    assert.isTrue(Either.isLeft(result))
    if (Either.isRight(result)) return
    assert.strictEqual(result.left.path, "data.name")
  })

  it("a known type with a bad envelope (sequence_number 0) is a DecodeError at sequence_number", () => {
    const result = RunEvent.decode(event(0, "run.created", { status: "queued" }))
    assert.isTrue(Either.isLeft(result))
    if (Either.isRight(result)) return
    assert.strictEqual(result.left.path, "sequence_number")
  })

  it("a value that is not an object with a string type is a DecodeError at type", () => {
    for (const value of [null, 42, "run.created", { data: {} }, { type: 7 }]) {
      const result = RunEvent.decode(value)
      assert.isTrue(Either.isLeft(result))
      if (Either.isRight(result)) continue
      assert.strictEqual(result.left.path, "type")
    }
  })

  it("decodeJson: data that is not JSON is a DecodeError carrying the request id", () => {
    const result = RunEvent.decodeJson("{\"id\":\"evt_1\",", "req_x")
    assert.isTrue(Either.isLeft(result))
    if (Either.isRight(result)) return
    assert.strictEqual(result.left._tag, "DecodeError")
    assert.strictEqual(result.left.requestId, "req_x")
    assert.include(result.left.message, "not JSON")
  })

  it("a huge bad value is not copied whole into the error message", () => {
    const huge = "y".repeat(10_000)
    const result = RunEvent.decode(event(1, "message.output.completed", { text: { huge } }))
    assert.isTrue(Either.isLeft(result))
    if (Either.isRight(result)) return
    assert.isBelow(result.left.message.length, 1_000)
    assert.notInclude(result.left.message, huge)
  })
})

describe("RunEvent.summarize and fold", () => {
  const seq = (list: ReadonlyArray<readonly [string, Record<string, unknown>]>) =>
    list.map(([type, data], i) => decodeEvent(event(i + 1, type, data)))

  it("deltas are joined, then replaced by message.output.completed", () => {
    const events = seq([
      ["run.created", { status: "queued" }],
      ["message.output.delta", { delta: "Hel" }],
      ["message.output.delta", { delta: "lo wrld" }],
      ["message.output.completed", { text: "Hello world" }],
      ["run.completed", { status: "completed" }]
    ])
    const partial = RunEvent.summarize(events.slice(0, 3))
    assert.strictEqual(partial.text, "Hello wrld")
    assert.isUndefined(partial.status)
    const summary = RunEvent.summarize(events)
    assert.strictEqual(summary.text, "Hello world")
    assert.strictEqual(summary.status, "completed")
    assert.strictEqual(summary.runId, "run_1")
    assert.strictEqual(summary.sessionId, "sess_1")
    assert.strictEqual(summary.lastSequenceNumber, 5)
    assert.strictEqual(summary.events, 5)
    assert.isUndefined(summary.error)
  })

  it("reasoning deltas are joined apart from the answer", () => {
    const summary = RunEvent.summarize(seq([
      ["reasoning.summary.delta", { delta: "look " }],
      ["reasoning.summary.delta", { delta: "up" }],
      ["message.output.delta", { delta: "answer" }]
    ]))
    assert.strictEqual(summary.reasoning, "look up")
    assert.strictEqual(summary.text, "answer")
  })

  it("tool calls: started, arguments joined, completed with a result preview; another failed", () => {
    const summary = RunEvent.summarize(seq([
      ["tool_call.started", { tool_call_id: "tc_1", name: "linear.issues.list" }],
      ["tool_call.arguments.delta", { tool_call_id: "tc_1", delta: "{\"state\":" }],
      ["tool_call.started", { tool_call_id: "tc_2", name: "github.search" }],
      ["tool_call.arguments.delta", { tool_call_id: "tc_1", delta: "\"open\"}" }],
      ["tool_call.completed", { tool_call_id: "tc_1", name: "linear.issues.list", result_preview: { count: 4 } }],
      ["tool_call.failed", { tool_call_id: "tc_2", name: "github.search", error: "permission denied" }]
    ]))
    assert.deepStrictEqual(summary.toolCalls, [
      { id: "tc_1", name: "linear.issues.list", status: "completed", arguments: "{\"state\":\"open\"}", resultPreview: { count: 4 } },
      { id: "tc_2", name: "github.search", status: "failed", arguments: "", error: "permission denied" }
    ])
    assert.deepStrictEqual(JSON.parse(summary.toolCalls[0]!.arguments), { state: "open" })
  })

  it("a tool call still running is reported running", () => {
    const summary = RunEvent.summarize(seq([["tool_call.started", { tool_call_id: "tc_1", name: "x" }]]))
    assert.deepStrictEqual(summary.toolCalls.map((c) => c.status), ["running"])
  })

  it("run.failed gives status failed with the error and code", () => {
    const summary = RunEvent.summarize(seq([
      ["run.started", { status: "running" }],
      ["run.failed", { error: "model unavailable", code: "MODEL_ERROR" }]
    ]))
    assert.strictEqual(summary.status, "failed")
    assert.deepStrictEqual(summary.error, { message: "model unavailable", code: "MODEL_ERROR" })
  })

  it("run.failed without code, and run.cancelled", () => {
    assert.deepStrictEqual(RunEvent.summarize(seq([["run.failed", { error: "x" }]])).error, { message: "x" })
    assert.strictEqual(RunEvent.summarize(seq([["run.cancelled", { status: "cancelled" }]])).status, "cancelled")
  })

  it("unknown events are counted but change nothing else", () => {
    const summary = RunEvent.summarize(seq([["message.output.delta", { delta: "a" }], ["run.paused", { x: 1 }]]))
    assert.strictEqual(summary.text, "a")
    assert.strictEqual(summary.events, 2)
    assert.strictEqual(summary.lastSequenceNumber, 2)
    assert.isUndefined(summary.status)
  })

  it("summarize of nothing is emptySummary", () => {
    assert.deepStrictEqual(RunEvent.summarize([]), RunEvent.emptySummary)
  })

  it.effect("RunService.summarize/text/toolCalls/finalStatus fold a stream the same way", () =>
    Effect.gen(function*() {
      const events = seq([
        ["message.output.delta", { delta: "par" }],
        ["tool_call.started", { tool_call_id: "tc_1", name: "n" }],
        ["tool_call.completed", { tool_call_id: "tc_1", name: "n" }],
        ["message.output.completed", { text: "full" }],
        ["run.completed", {}]
      ])
      const stream = Stream.fromIterable(events)
      assert.deepStrictEqual(yield* RunService.summarize(stream), RunEvent.summarize(events))
      assert.strictEqual(yield* RunService.text(stream), "full")
      assert.deepStrictEqual((yield* RunService.toolCalls(stream)).map((c) => c.status), ["completed"])
      assert.strictEqual(yield* RunService.finalStatus(stream), "completed")
    }))
})
