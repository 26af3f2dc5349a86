import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SessionService } from "../../src/index.js"
import { LocalPlatform } from "../../src/local/index.js"
import { count, KEY_A, platform, raw } from "./helpers.js"

describe("bad input gets the contract's error and changes nothing", () => {
  it.scopedLive("odd bodies, parameters and headers on every endpoint are 4xx with a code, never 500", () =>
    Effect.gen(function*() {
      const session = yield* (yield* SessionService.SessionService).create()
      const done = yield* raw(`/sessions/${session.id}/runs`, {
        method: "POST",
        body: JSON.stringify({ input: [{ role: "user", content: "x" }], wait: true })
      })
      const runId = done.json.id as string
      const before = { sessions: yield* count("sessions"), runs: yield* count("runs"), events: yield* count("events") }
      const post = (path: string, body: string, headers: Record<string, string> = {}) =>
        raw(path, { method: "POST", body, headers })
      const cases: Array<[ReturnType<typeof raw>, number]> = [
        [post("/sessions", "[]"), 400],
        [post("/sessions", "null"), 400],
        [post("/sessions", "\"text\""), 400],
        [post("/sessions", "{\"metadata\":{\"a\":1}}"), 400],
        [post("/sessions", "{\"title\":null}"), 400],
        [post("/sessions", "{}", { "idempotency-key": "k".repeat(256) }), 400],
        [post("/sessions", "{}", { "idempotency-key": "naïve" }), 400],
        [post(`/sessions/${session.id}/runs`, "{\"input\":[{\"role\":\"assistant\",\"content\":\"x\"}]}"), 400],
        [post(`/sessions/${session.id}/runs`, "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"url\":\"x\"}]}]}"), 400],
        [post(`/sessions/${session.id}/runs`, "{\"input\":[{\"role\":\"user\",\"content\":\"x\"}],\"wait\":\"yes\"}"), 400],
        [post(`/sessions/${session.id}/runs`, "{\"input\":[{\"role\":\"user\",\"content\":\"x\"}],\"metadata\":{\"a\":[1]}}"), 400],
        [post("/sessions/sess_nope/runs", "{\"input\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404],
        [post(`/runs/${runId}/cancel`, "{}"), 409],
        [post("/runs/run_nope/cancel", "{}"), 404],
        [post("/action_invocations", "{\"action\":\"\"}"), 400],
        [post("/action_invocations", "{\"action\":\"slack.channels.list\",\"input\":[1]}"), 400],
        [post("/action_invocations", "{\"action\":\"slack.channels.list\",\"input\":{\"nope\":1}}"), 400],
        [post("/action_invocations", "{\"action\":\"slack.channels.list\",\"session_id\":\"sess_nope\"}"), 404],
        [raw(`/runs/${runId}/events?starting_after=-1`), 400],
        [raw(`/runs/${runId}/events?starting_after=abc`), 400],
        [raw(`/runs/${runId}/events?limit=1001`), 400],
        [raw(`/runs/${runId}/events`, { headers: { accept: "text/event-stream", "last-event-id": "abc" } }), 400],
        [raw("/sessions?limit=101"), 400],
        [raw("/sessions?limit=x"), 400],
        [raw("/sessions?starting_after=sess_nope"), 400],
        [raw(`/sessions/${session.id}/runs?starting_after=run_nope`), 400],
        [raw("/action_invocations?limit=0"), 400],
        [raw("/action_invocations/act_inv_nope"), 404],
        [raw("/sessions", { method: "DELETE" }), 404],
        [raw("/sessions", { headers: { authorization: "Bearer" }, key: null }), 401]
      ]
      for (const [index, [request, status]] of cases.entries()) {
        const response = yield* request
        assert.strictEqual(response.status, status, `case ${index}: ${response.text}`)
        assert.match(response.json.code, /^[A-Z_]+$/, `case ${index}`)
        assert.isString(response.json.error, `case ${index}`)
      }
      assert.deepStrictEqual(
        { sessions: yield* count("sessions"), runs: yield* count("runs"), events: yield* count("events") },
        before
      )
      assert.strictEqual(yield* count("invocations"), 0)
    }).pipe(Effect.provide(platform())))
})

describe("bodies at the edges", () => {
  it.scopedLive("deep nesting and invalid UTF-8 are 400; titles count characters; a title defaults to a string", () =>
    Effect.gen(function*() {
      const nested = "[".repeat(3000) + "]".repeat(3000)
      const deep = yield* raw("/sessions", { method: "POST", body: `{"title":${nested}}` })
      assert.strictEqual(deep.status, 400)
      assert.strictEqual(deep.json.code, "INVALID_REQUEST")
      const local = yield* LocalPlatform.LocalPlatform
      const invalid = yield* Effect.promise(async () => {
        const body = Buffer.concat([Buffer.from("{\"title\":\""), Buffer.from([0xff, 0xfe]), Buffer.from("\"}")])
        const response = await fetch(`${local.baseUrl}/sessions`, {
          method: "POST",
          headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" },
          body
        })
        return { status: response.status, json: await response.json() as any }
      })
      assert.strictEqual(invalid.status, 400)
      assert.strictEqual(invalid.json.code, "INVALID_REQUEST")
      assert.strictEqual(yield* count("sessions"), 0)

      const emoji = yield* raw("/sessions", { method: "POST", body: JSON.stringify({ title: "😀".repeat(256) }) })
      assert.strictEqual(emoji.status, 201)
      const tooLong = yield* raw("/sessions", { method: "POST", body: JSON.stringify({ title: "😀".repeat(257) }) })
      assert.strictEqual(tooLong.status, 400)
      const untitled = yield* raw("/sessions", { method: "POST", body: "{}" })
      assert.strictEqual(untitled.json.title, "")
    }).pipe(Effect.provide(platform())))
})
