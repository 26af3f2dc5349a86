import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Either, Exit, Layer, Option, Schema, Stream } from "effect"
import {
  type Action,
  ActionService,
  ApiError,
  Run,
  RunEvent,
  RunService,
  type Session,
  SessionService,
  TestHttpClient
} from "../src/index.js"
import { completedRun, run, session, T0, testLayer } from "./helpers.js"
import { defectMessageOf, requests } from "./support.js"

const decodeRun = Schema.decodeUnknownSync(Run.Run)
const decodeSession = Schema.decodeUnknownSync(Schema.Struct({ id: Schema.String, status: Schema.String, created_at: Schema.String, updated_at: Schema.String }))
const decodeEvent = (u: unknown): RunEvent.RunEvent => Either.getOrThrow(RunEvent.decode(u))

const completed = (text: string, id = "run_1"): Run.Run =>
  decodeRun(run("completed", {
    output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text }] }]
  }, id))

const aSession = (id: string): Session.Session => decodeSession(session(id))

/** Assert that the exit died loudly, with a message naming the method. */
const assertDiesNaming = <A, E>(exit: Exit.Exit<A, E>, method: string) => {
  assert.isTrue(Exit.isFailure(exit))
  if (Exit.isSuccess(exit)) return
  assert.isTrue(Option.isNone(Cause.failureOption(exit.cause)), "a missing method is a defect, not a typed failure")
  assert.include(defectMessageOf(exit), method)
}

describe("SessionService.layerTest", () => {
  it.effect("a provided method works", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const created = yield* sessions.create({ title: "x" })
      assert.strictEqual(created.id, "sess_fake")
    }).pipe(Effect.provide(SessionService.layerTest({ create: () => Effect.succeed(aSession("sess_fake")) }))))

  for (const method of ["get", "list", "scoped"] as const) {
    it.effect(`a missing ${method} dies naming SessionService.${method}`, () =>
      Effect.gen(function*() {
        const sessions = yield* SessionService.SessionService
        const call: Effect.Effect<unknown, ApiError.ApiError> = method === "get"
          ? sessions.get("sess_1")
          : method === "list"
          ? sessions.list()
          : Effect.scoped(sessions.scoped())
        assertDiesNaming(yield* Effect.exit(call), `SessionService.${method}`)
      }).pipe(Effect.provide(SessionService.layerTest({ create: () => Effect.succeed(aSession("sess_fake")) }))))
  }

  it.effect("a missing stream method (listAll) dies naming it when the stream runs", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      assertDiesNaming(yield* Effect.exit(Stream.runCollect(sessions.listAll())), "SessionService.listAll")
    }).pipe(Effect.provide(SessionService.layerTest({}))))
})

describe("RunService.layerTest", () => {
  it.effect("provided methods work (effect and stream)", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const done = yield* runs.createAndWait("sess_1", "hi")
      assert.strictEqual(Run.outputText(done), "canned answer")
      const text = yield* RunService.text(runs.stream("sess_1", "hi"))
      assert.strictEqual(text, "Hello there, world")
    }).pipe(Effect.provide(RunService.layerTest({
      createAndWait: () => Effect.succeed(completed("canned answer")),
      stream: () => Stream.fromIterable(completedRun().map(decodeEvent))
    }))))

  const methods = ["create", "createAndWait", "eventsPage", "get", "list", "cancel"] as const
  for (const method of methods) {
    it.effect(`a missing ${method} dies naming RunService.${method}`, () =>
      Effect.gen(function*() {
        const runs = yield* RunService.RunService
        const calls: Record<typeof method, Effect.Effect<unknown, ApiError.ApiError>> = {
          create: runs.create("sess_1", "hi"),
          createAndWait: runs.createAndWait("sess_1", "hi"),
          eventsPage: runs.eventsPage("run_1"),
          get: runs.get("run_1"),
          list: runs.list("sess_1"),
          cancel: runs.cancel("run_1")
        }
        assertDiesNaming(yield* Effect.exit(calls[method]), `RunService.${method}`)
      }).pipe(Effect.provide(RunService.layerTest({}))))
  }

  for (const method of ["stream", "events", "listAll"] as const) {
    it.effect(`a missing stream method ${method} dies naming RunService.${method}`, () =>
      Effect.gen(function*() {
        const runs = yield* RunService.RunService
        const streams: Record<typeof method, Stream.Stream<unknown, ApiError.ApiError>> = {
          stream: runs.stream("sess_1", "hi"),
          events: runs.events("run_1"),
          listAll: runs.listAll("sess_1")
        }
        assertDiesNaming(yield* Effect.exit(Stream.runDrain(streams[method])), `RunService.${method}`)
      }).pipe(Effect.provide(RunService.layerTest({ get: () => Effect.succeed(completed("x")) }))))
  }
})

describe("ActionService.layerTest", () => {
  const record: Action.ActionInvocation = {
    id: "act_inv_1",
    action: "linear.issues.list",
    status: "succeeded",
    result: { count: 4 },
    created_at: T0
  }

  it.effect("a provided method works and sees its arguments", () =>
    Effect.gen(function*() {
      const actions = yield* ActionService.ActionService
      const result = yield* actions.invoke("linear.issues.list", { state: "open" })
      assert.deepStrictEqual(result.result, { count: 4, state: "open" })
    }).pipe(Effect.provide(ActionService.layerTest({
      invoke: (action, input) => Effect.succeed({ ...record, action, result: { count: 4, ...input } })
    }))))

  for (const method of ["list", "invoke", "listInvocations", "getInvocation"] as const) {
    it.effect(`a missing ${method} dies naming ActionService.${method}`, () =>
      Effect.gen(function*() {
        const actions = yield* ActionService.ActionService
        const calls: Record<typeof method, Effect.Effect<unknown, ApiError.ApiError>> = {
          list: actions.list(),
          invoke: actions.invoke("a.b"),
          listInvocations: actions.listInvocations(),
          getInvocation: actions.getInvocation("act_inv_1")
        }
        assertDiesNaming(yield* Effect.exit(calls[method]), `ActionService.${method}`)
      }).pipe(Effect.provide(ActionService.layerTest({}))))
  }

  it.effect("a missing listAllInvocations dies naming it", () =>
    Effect.gen(function*() {
      const actions = yield* ActionService.ActionService
      assertDiesNaming(
        yield* Effect.exit(Stream.runDrain(actions.listAllInvocations())),
        "ActionService.listAllInvocations"
      )
    }).pipe(Effect.provide(ActionService.layerTest({ invoke: () => Effect.succeed(record) }))))
})

// A user's backend: answers a support question in a new session, with a fallback when the run fails.
const answerQuestion = (question: string) =>
  Effect.gen(function*() {
    const sessions = yield* SessionService.SessionService
    const runs = yield* RunService.RunService
    const created = yield* sessions.create({ title: question.slice(0, 40), metadata: { source: "support" } })
    const done = yield* runs.createAndWait(created.id, question)
    return { sessionId: created.id, answer: Run.outputText(done) }
  }).pipe(
    Effect.catchTag("RunFailed", (error) => Effect.succeed({ sessionId: error.sessionId ?? "", answer: `sorry: ${error.message}` }))
  )

// A user's streaming backend: the tool calls a run made, and its answer.
const streamedAnswer = (sessionId: string, question: string) =>
  Effect.flatMap(RunService.RunService, (runs) => RunService.summarize(runs.stream(sessionId, question)))

describe("a user's backend, tested by swapping layers", () => {
  it.effect("with layerTest stubs: the backend's own logic, no HTTP", () => {
    const asked: Array<[string, unknown]> = []
    const Stubs = Layer.merge(
      SessionService.layerTest({
        create: (params) => Effect.sync(() => (asked.push(["create", params]), aSession("sess_stub")))
      }),
      RunService.layerTest({
        createAndWait: (sessionId, input) =>
          Effect.sync(() => (asked.push([sessionId, input]), completed("Four issues are open.")))
      })
    )
    return Effect.gen(function*() {
      const result = yield* answerQuestion("How many Linear issues are open?")
      assert.deepStrictEqual(result, { sessionId: "sess_stub", answer: "Four issues are open." })
      assert.deepStrictEqual(asked, [
        ["create", { title: "How many Linear issues are open?", metadata: { source: "support" } }],
        ["sess_stub", "How many Linear issues are open?"]
      ])
    }).pipe(Effect.provide(Stubs))
  })

  it.effect("with layerTest stubs: the backend's error handling of a typed RunFailed", () =>
    Effect.gen(function*() {
      const result = yield* answerQuestion("anything")
      assert.deepStrictEqual(result, { sessionId: "sess_stub", answer: "sorry: the model is unavailable" })
    }).pipe(Effect.provide(Layer.merge(
      SessionService.layerTest({ create: () => Effect.succeed(aSession("sess_stub")) }),
      RunService.layerTest({
        createAndWait: (sessionId) =>
          Effect.fail(new ApiError.RunFailed({ runId: "run_1", sessionId, message: "the model is unavailable" }))
      })
    ))))

  it.effect("the same backend over the whole client and a scripted HttpClient", () =>
    Effect.gen(function*() {
      const result = yield* answerQuestion("How many Linear issues are open?")
      assert.deepStrictEqual(result, { sessionId: "sess_http", answer: "Four issues are open." })
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), [
        "POST /v1/sessions",
        "POST /v1/sessions/sess_http/runs"
      ])
      assert.strictEqual((sent[1]!.body as { wait?: boolean }).wait, true)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(201, session("sess_http")),
      TestHttpClient.json(200, completed("Four issues are open."))
    ])))))

  it.effect("the same backend over HTTP, where the run fails: the typed error reaches its handler", () =>
    Effect.gen(function*() {
      const result = yield* answerQuestion("anything")
      assert.deepStrictEqual(result, { sessionId: "sess_1", answer: "sorry: model crashed" })
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(201, session("sess_1")),
      TestHttpClient.json(200, run("failed", { error: { code: "MODEL_ERROR", message: "model crashed" } }))
    ])))))

  it.effect("a streaming backend with a stubbed stream and over SSE gives the same summary", () =>
    Effect.gen(function*() {
      const events = completedRun("Four issues are open.")
      const stubbed = yield* streamedAnswer("sess_1", "q").pipe(
        Effect.provide(RunService.layerTest({ stream: () => Stream.fromIterable(events.map(decodeEvent)) }))
      )
      const overHttp = yield* streamedAnswer("sess_1", "q").pipe(
        Effect.provide(testLayer(TestHttpClient.sequence([
          TestHttpClient.sse(events, { headers: { "content-location": "/v1/runs/run_1" } })
        ])))
      )
      assert.strictEqual(stubbed.text, "Four issues are open.")
      assert.strictEqual(stubbed.status, "completed")
      assert.deepStrictEqual(overHttp, stubbed)
    }))

  it.effect("a stub's events pass through the user's pipeline unchanged", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const tags = yield* Stream.runCollect(Stream.map(runs.events("run_1"), (e) => e._tag))
      assert.deepStrictEqual(Chunk.toReadonlyArray(tags), completedRun().map((e) => decodeEvent(e)._tag))
    }).pipe(Effect.provide(RunService.layerTest({ events: () => Stream.fromIterable(completedRun().map(decodeEvent)) }))))
})
