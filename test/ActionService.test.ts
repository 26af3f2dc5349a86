import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream, TestClock } from "effect"
import { ActionService, TestHttpClient } from "../src/index.js"
import { T0, testLayer } from "./helpers.js"
import { requests } from "./support.js"

const Actions = ActionService.ActionService

const action = (id: string) => ({
  id,
  object: "action",
  name: id,
  description: `does ${id}`,
  integration: id.split(".")[0],
  provider: id.split(".")[0],
  read_only: true,
  input_schema: { type: "object", properties: { state: { type: "string" } } }
})

const invocation = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  object: "action_invocation",
  action: "linear.issues.list",
  status: "succeeded",
  result: { issues: [{ id: "LIN-1" }] },
  session_id: null,
  connection_id: null,
  duration_ms: 12,
  created_at: T0,
  ...extra
})

describe("ActionService.list", () => {
  it.effect("GET /actions returns the catalog", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const catalog = yield* actions.list()
      assert.deepStrictEqual(catalog.map((a) => a.id), ["linear.issues.list", "github.issues.search"])
      assert.strictEqual(catalog[0]!.integration, "linear")
      assert.isTrue(catalog[0]!.read_only)
      assert.deepStrictEqual(catalog[0]!.input_schema, action("x.y").input_schema)
      const [sent] = yield* requests
      assert.strictEqual(sent!.method, "GET")
      assert.strictEqual(sent!.path, "/v1/actions")
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(200, { object: "list", data: [action("linear.issues.list"), action("github.issues.search")] })
    ))))

  it.effect("the named-array form { actions: [...] } is accepted", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const catalog = yield* actions.list()
      assert.deepStrictEqual(catalog.map((a) => a.id), ["linear.issues.list"])
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { actions: [{ id: "linear.issues.list" }] })))))
})

describe("ActionService.invoke", () => {
  it.effect("POST /action_invocations with action and input, no session needed", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const result = yield* actions.invoke("linear.issues.list", { state: "open", limit: 5 })
      assert.strictEqual(result.id, "act_inv_1")
      assert.strictEqual(result.status, "succeeded")
      assert.deepStrictEqual(result.result, { issues: [{ id: "LIN-1" }] })
      assert.isNull(result.session_id)
      const [sent] = yield* requests
      assert.strictEqual(sent!.method, "POST")
      assert.strictEqual(sent!.path, "/v1/action_invocations")
      assert.deepStrictEqual(sent!.body, { action: "linear.issues.list", input: { state: "open", limit: 5 } })
      assert.isString(sent!.headers["idempotency-key"])
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, invocation("act_inv_1"))))))

  it.effect("without input: the body holds only the action", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      yield* actions.invoke("linear.issues.list")
      const [sent] = yield* requests
      assert.deepStrictEqual(sent!.body, { action: "linear.issues.list" })
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, invocation("act_inv_1"))))))

  it.effect("session_id and connection_id are sent when given; the idempotency key verbatim", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const result = yield* actions.invoke("linear.issues.list", {}, {
        sessionId: "sess_1",
        connectionId: "conn_9",
        idempotencyKey: "invoke-1"
      })
      assert.strictEqual(result.session_id, "sess_1")
      const [sent] = yield* requests
      assert.deepStrictEqual(sent!.body, {
        action: "linear.issues.list",
        input: {},
        session_id: "sess_1",
        connection_id: "conn_9"
      })
      assert.strictEqual(sent!.headers["idempotency-key"], "invoke-1")
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(200, invocation("act_inv_1", { session_id: "sess_1", connection_id: "conn_9" }))
    ))))

  it.effect("status failed is ActionInvocationFailed with the invocation id, action, message and request id", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const error = yield* Effect.flip(actions.invoke("linear.issues.list", { state: "open" }))
      assert.strictEqual(error._tag, "ActionInvocationFailed")
      if (error._tag !== "ActionInvocationFailed") return
      assert.strictEqual(error.invocationId, "act_inv_2")
      assert.strictEqual(error.action, "linear.issues.list")
      assert.strictEqual(error.message, "Linear answered 502")
      assert.strictEqual(error.status, 200)
      assert.strictEqual(error.requestId, "req_inv")
      assert.isFalse(error.retryable)
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(
        200,
        invocation("act_inv_2", { status: "failed", result: null, error: "Linear answered 502" }),
        { "x-request-id": "req_inv" }
      )
    ))))

  it.effect("status failed without an error text still fails, with a message naming the action", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const error = yield* Effect.flip(actions.invoke("linear.issues.list"))
      assert.strictEqual(error._tag, "ActionInvocationFailed")
      assert.include(error.message, "linear.issues.list")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, invocation("act_inv_2", { status: "failed", result: null }))))))

  it.effect("failedAsRecord returns the failed record instead", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const record = yield* actions.invoke("linear.issues.list", {}, { failedAsRecord: true })
      assert.strictEqual(record.status, "failed")
      assert.strictEqual(record.error, "provider down")
      assert.isNull(record.result)
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(200, invocation("act_inv_3", { status: "failed", result: null, error: "provider down" }))
    ))))

  it.effect("failedAsRecord does not change a succeeded invocation", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const record = yield* actions.invoke("linear.issues.list", {}, { failedAsRecord: true })
      assert.strictEqual(record.status, "succeeded")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, invocation("act_inv_4"))))))

  it.effect("403 PERMISSION_DENIED is PermissionDenied", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const error = yield* Effect.flip(actions.invoke("github.issues.search"))
      assert.strictEqual(error._tag, "PermissionDenied")
      assert.strictEqual(error.code, "PERMISSION_DENIED")
      assert.strictEqual(error.status, 403)
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(403, { error: "the workspace may not use github.issues.search", code: "PERMISSION_DENIED" })
    ))))

  it.effect("404 ACTION_NOT_FOUND is NotFound with that code", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const error = yield* Effect.flip(actions.invoke("nope.nothing"))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.code, "ACTION_NOT_FOUND")
      assert.strictEqual(error.message, "unknown action nope.nothing")
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(404, { error: "unknown action nope.nothing", code: "ACTION_NOT_FOUND" })
    ))))

  it.effect("400 INVALID_REQUEST (input not matching the action's schema) is InvalidRequest, not retried", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const fiber = yield* Effect.fork(Effect.flip(actions.invoke("linear.issues.list", { state: 5 })))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual(error.status, 400)
      assert.strictEqual(error.message, "input.state must be a string")
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(400, { error: "input.state must be a string", code: "INVALID_REQUEST" })
    ))))

  it.effect("a 503 is retried with the same Idempotency-Key, so one invocation is recorded", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const fiber = yield* Effect.fork(actions.invoke("linear.issues.list"))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber)).id, "act_inv_5")
      const sent = yield* requests
      assert.strictEqual(sent.length, 2)
      assert.strictEqual(sent[0]!.headers["idempotency-key"], sent[1]!.headers["idempotency-key"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(503, { error: "restarting", code: "UNAVAILABLE" }),
      TestHttpClient.json(200, invocation("act_inv_5"))
    ])))))
})

describe("the audit trail", () => {
  it.effect("listInvocations: one page with limit and starting_after, records with input_keys", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const page = yield* actions.listInvocations({ limit: 1, startingAfter: "act_inv_9" })
      assert.deepStrictEqual(page.data.map((i) => i.id), ["act_inv_8"])
      assert.deepStrictEqual(page.data[0]!.input_keys, ["state"])
      assert.isTrue(page.hasMore)
      const [sent] = yield* requests
      assert.strictEqual(sent!.path, "/v1/action_invocations")
      assert.strictEqual(sent!.method, "GET")
      assert.strictEqual(sent!.url.searchParams.get("limit"), "1")
      assert.strictEqual(sent!.url.searchParams.get("starting_after"), "act_inv_9")
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(200, { object: "list", data: [invocation("act_inv_8", { input_keys: ["state"] })], has_more: true })
    ))))

  it.effect("listInvocations accepts the named-array form", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const page = yield* actions.listInvocations()
      assert.deepStrictEqual(page.data.map((i) => i.id), ["act_inv_1"])
      assert.isFalse(page.hasMore)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { action_invocations: [invocation("act_inv_1")] })))))

  it.effect("listAllInvocations follows the pages with starting_after = the last id", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const all = yield* Stream.runCollect(actions.listAllInvocations({ pageSize: 2 }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(all).map((i) => i.id), ["act_inv_3", "act_inv_2", "act_inv_1"])
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => r.url.searchParams.get("starting_after")), [null, "act_inv_2"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { object: "list", data: [invocation("act_inv_3"), invocation("act_inv_2")], has_more: true }),
      TestHttpClient.json(200, { object: "list", data: [invocation("act_inv_1")], has_more: false })
    ])))))

  it.effect("getInvocation: GET /action_invocations/{id}, a failed record is returned as a record", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const record = yield* actions.getInvocation("act_inv_7")
      assert.strictEqual(record.id, "act_inv_7")
      assert.strictEqual(record.status, "failed")
      assert.strictEqual(record.error, "timeout")
      const [sent] = yield* requests
      assert.strictEqual(sent!.method, "GET")
      assert.strictEqual(sent!.path, "/v1/action_invocations/act_inv_7")
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(200, invocation("act_inv_7", { status: "failed", result: null, error: "timeout", input_keys: [] }))
    ))))

  it.effect("getInvocation of an unknown id is NotFound", () =>
    Effect.gen(function*() {
      const actions = yield* Actions
      const error = yield* Effect.flip(actions.getInvocation("act_inv_none"))
      assert.strictEqual(error._tag, "NotFound")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(404, { error: "no", code: "NOT_FOUND" })))))
})
