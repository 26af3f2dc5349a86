/**
 * Conformance of the local Agent Platform to `../shared/api/CONTRACT.md`, black box: the real `serve` process as a
 * child, plain `fetch`, two workspaces. Three processes: `main` (deltas without delay), `slow` (a delay per delta and
 * a short wait limit, so that queued and running runs can be observed, cancelled and followed live) and `faulty`
 * (the hosted model off and a first answer 429).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import {
  type Answer,
  answered,
  assertSameShape,
  client,
  type Client,
  EVENT_TYPES,
  fixture,
  fixtureJson,
  type Frame,
  parseSse,
  pollUntil,
  RFC3339_UTC,
  type Server,
  startServer,
  TERMINAL,
  TERMINAL_STATUSES
} from "./conformance-support.js"

const KEY_A = "conf_key_alpha_0123456789"
const KEY_B = "conf_key_bravo_0123456789"
const KEYS = `${KEY_A}=ws_alpha,${KEY_B}=ws_bravo`
const DENIED = "google.calendar.events.list"
const SSE = { accept: "text/event-stream" }

let main: Server
let slow: Server
let faulty: Server
let durable: Server | undefined
let restarted: Server | undefined
const databaseDir = mkdtempSync(join(tmpdir(), "ap-conformance-"))
const database = join(databaseDir, "local.db")
let A: Client
let B: Client
let slowA: Client
let faultyA: Client

beforeAll(async () => {
  const started = await Promise.allSettled([
    startServer({ AP_LOCAL_KEYS: KEYS, AP_LOCAL_DENY: `ws_bravo=${DENIED}` }),
    startServer({ AP_LOCAL_KEYS: KEYS, AP_LOCAL_DELTA_DELAY_MS: "5", AP_LOCAL_WAIT_LIMIT_MS: "50" }),
    startServer({ AP_LOCAL_KEYS: KEYS, AP_LOCAL_HOSTED_MODEL: "off", AP_LOCAL_FAULT_REQUESTS: "429:1:before:7,503:1:before:2,500:1:before,503:1:after" }),
    startServer({ AP_LOCAL_KEYS: KEYS, AP_LOCAL_DB: database })
  ])
  const servers = started.map((result) => result.status === "fulfilled" ? result.value : undefined)
  ;[main, slow, faulty, durable] = servers as [Server, Server, Server, Server]
  for (const result of started) if (result.status === "rejected") throw result.reason
  A = client(main.baseUrl, KEY_A)
  B = client(main.baseUrl, KEY_B)
  slowA = client(slow.baseUrl, KEY_A)
  faultyA = client(faulty.baseUrl, KEY_A)
}, 30_000)

afterAll(async () => {
  await Promise.all([main, slow, faulty, durable, restarted].filter((server) => server !== undefined).map((server) => server.stop()))
  rmSync(databaseDir, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------------------------------
// helpers

const input = (text: string) => [{ role: "user", content: [{ type: "input_text", text }] }]

const assertError = (answer: Answer, status: number, code: string, what = "") => {
  assert.strictEqual(answer.status, status, `status ${what}: ${answer.text.slice(0, 300)}`)
  assert.match(answer.headers.get("content-type") ?? "", /application\/json/, `content-type of the error ${what}`)
  assert.strictEqual(typeof answer.json, "object", `JSON error body ${what}`)
  assert.strictEqual(typeof answer.json.error, "string", `error is a flat string ${what}: ${answer.text}`)
  assert.ok(answer.json.error.length > 0, `error message not empty ${what}`)
  assert.strictEqual(answer.json.code, code, `code ${what}`)
}

const assertTimestamp = (value: unknown, what: string) => {
  assert.strictEqual(typeof value, "string", what)
  assert.match(value as string, RFC3339_UTC, what)
}

const assertSession = (session: any) => {
  assert.match(session.id, /^sess_./)
  assert.strictEqual(session.object, "session")
  assert.strictEqual(session.status, "active")
  assert.strictEqual(typeof session.title, "string")
  assert.strictEqual(typeof session.metadata, "object")
  assert.notStrictEqual(session.metadata, null)
  assertTimestamp(session.created_at, "session.created_at")
  assertTimestamp(session.updated_at, "session.updated_at")
}

const assertRun = (run: any, sessionId?: string) => {
  assert.match(run.id, /^run_./)
  assert.strictEqual(run.object, "run")
  if (sessionId !== undefined) assert.strictEqual(run.session_id, sessionId)
  assert.include(["queued", "running", "completed", "failed", "cancelled"], run.status)
  assert.strictEqual(run.source, "api")
  assertTimestamp(run.created_at, "run.created_at")
  assertTimestamp(run.updated_at, "run.updated_at")
  if (run.completed_at !== undefined) assertTimestamp(run.completed_at, "run.completed_at")
  if (TERMINAL_STATUSES.has(run.status)) assertTimestamp(run.completed_at, "completed_at of a terminal run")
  assert.ok(run.updated_at >= run.created_at, "updated_at is not before created_at")
  if (run.completed_at !== undefined) assert.ok(run.completed_at >= run.created_at, "completed_at is not before created_at")
  assert.ok(Array.isArray(run.output), "output is an array")
  for (const item of run.output) {
    assert.strictEqual(item.type, "message")
    assert.strictEqual(item.role, "assistant")
    assert.ok(Array.isArray(item.content))
    for (const part of item.content) {
      assert.strictEqual(part.type, "output_text")
      assert.strictEqual(typeof part.text, "string")
    }
  }
  assert.ok(Array.isArray(run.tool_calls), "tool_calls is an array")
  for (const call of run.tool_calls) {
    assert.match(call.id, /^tc_./)
    assert.strictEqual(typeof call.name, "string")
    assert.include(["completed", "failed", "running"], call.status)
    assert.strictEqual(typeof call.arguments, "object")
    if (call.error !== undefined) assert.strictEqual(typeof call.error, "string")
    assertTimestamp(call.created_at, "tool_call.created_at")
    assertTimestamp(call.updated_at, "tool_call.updated_at")
  }
  assert.strictEqual(typeof run.metadata, "object")
  assert.notStrictEqual(run.metadata, null)
  if (run.status === "failed") {
    assert.strictEqual(typeof run.error, "object")
    assert.strictEqual(typeof run.error.code, "string")
    assert.strictEqual(typeof run.error.message, "string")
  }
}

const assertEnvelope = (event: any, runId: string, sessionId: string) => {
  assert.match(event.id, /^evt_./)
  assert.ok(EVENT_TYPES.has(event.type), `known type ${event.type}`)
  assert.strictEqual(event.run_id, runId)
  assert.strictEqual(event.session_id, sessionId)
  assert.ok(Number.isInteger(event.sequence_number), "sequence_number is an integer")
  assertTimestamp(event.created_at, "event.created_at")
  assert.strictEqual(typeof event.data, "object")
  assert.notStrictEqual(event.data, null)
}

/** The whole log of a finished run: numbered 1..n, envelopes, exactly one terminal event and it is the last. */
const assertLog = (events: ReadonlyArray<any>, runId: string, sessionId: string) => {
  assert.ok(events.length >= 2, "at least run.created and a terminal event")
  events.forEach((event, i) => {
    assertEnvelope(event, runId, sessionId)
    assert.strictEqual(event.sequence_number, i + 1, "sequence numbers start at 1 and rise by 1")
    if (i > 0) assert.ok(event.created_at >= events[i - 1].created_at, "events are not numbered against time")
  })
  assert.strictEqual(events[0].type, "run.created")
  assert.deepStrictEqual(events[0].data, { status: "queued" })
  assert.strictEqual(events.filter((event) => TERMINAL.has(event.type)).length, 1, "exactly one terminal event")
  assert.ok(TERMINAL.has(events[events.length - 1].type), "the terminal event is the last")
  assert.strictEqual(new Set(events.map((event) => event.id)).size, events.length, "event ids are unique")
}

const newSession = async (c: Client, body: unknown = {}) => {
  const answer = await c.post("/sessions", body)
  assert.strictEqual(answer.status, 201, answer.text)
  return answer.json.id as string
}

const runWait = async (c: Client, sessionId: string, text: string, extra: Record<string, unknown> = {}) => {
  const answer = await c.post(`/sessions/${sessionId}/runs`, { input: input(text), wait: true, ...extra })
  assert.strictEqual(answer.status, 200, answer.text)
  return answer.json
}

const eventsOf = async (c: Client, runId: string) => {
  const answer = await c.get(`/runs/${runId}/events?limit=1000`)
  assert.strictEqual(answer.status, 200, answer.text)
  return answer.json.data as Array<any>
}

const sse = async (c: Client, path: string, headers: Record<string, string> = SSE) => {
  const answer = await c.get(path, { headers })
  const parsed = parseSse(answer.text)
  return { answer, parsed, events: parsed.frames.map((frame) => frame.json) }
}

/** The SSE frame rules: `id:` = sequence_number, `event:` = type, `data:` the envelope, and no `retry:`. */
const assertFrames = (answer: Answer, parsed: ReturnType<typeof parseSse>) => {
  assert.strictEqual(answer.status, 200, answer.text.slice(0, 300))
  assert.match(answer.headers.get("content-type") ?? "", /^text\/event-stream/)
  assert.deepStrictEqual(parsed.retry, [], "no retry: field")
  assert.deepStrictEqual(parsed.otherFields, [], "only id:, event: and data: fields")
  for (const frame of parsed.frames) {
    assert.notStrictEqual(frame.json, undefined, `data: is JSON: ${frame.data}`)
    assert.strictEqual(frame.id, String(frame.json.sequence_number), "id: is the sequence number")
    assert.strictEqual(frame.event, frame.json.type, "event: is the type")
    assert.match(frame.lines.find((line) => line.startsWith("id:")) ?? "", /^id: ?\d+$/)
  }
}

const pagesOf = async (c: Client, path: string, limit: number) => {
  const ids: Array<string> = []
  let after: string | undefined
  for (let page = 0; page < 100; page++) {
    const sep = path.includes("?") ? "&" : "?"
    const answer = await c.get(`${path}${sep}limit=${limit}${after === undefined ? "" : `&starting_after=${after}`}`)
    assert.strictEqual(answer.status, 200, answer.text)
    assert.strictEqual(answer.json.object, "list")
    assert.ok(answer.json.data.length <= limit)
    ids.push(...answer.json.data.map((item: any) => item.id))
    if (!answer.json.has_more) return ids
    assert.strictEqual(answer.json.data.length, limit, "a page with has_more is full")
    after = answer.json.data[answer.json.data.length - 1].id
  }
  throw new Error("too many pages")
}

/** A prompt that names four catalog actions: a run of well over 100 events (over half a second on the slow server). */
const LONG = "use linear.issues.list, slack.channels.list, google.calendar.events.list and linear.issues.get for ENG-101"
const turns = [LONG, "turn 1 of three", "turn 2 of three"]

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ")

// ---------------------------------------------------------------------------------------------------------------

describe("1. transport", () => {
  it("401 UNAUTHENTICATED for a missing, malformed or unknown key, on every endpoint", async () => {
    const endpoints: Array<[string, string]> = [
      ["GET", "/sessions"],
      ["POST", "/sessions"],
      ["GET", "/sessions/sess_x"],
      ["GET", "/sessions/sess_x/runs"],
      ["POST", "/sessions/sess_x/runs"],
      ["GET", "/runs/run_x"],
      ["POST", "/runs/run_x/cancel"],
      ["GET", "/runs/run_x/events"],
      ["GET", "/actions"],
      ["GET", "/action_invocations"],
      ["POST", "/action_invocations"],
      ["GET", "/action_invocations/act_inv_x"]
    ]
    const variants: Array<[string, Record<string, string>, string | null]> = [
      ["missing", {}, null],
      ["unknown key", {}, "not_a_key_0123456789"],
      ["empty bearer", { authorization: "Bearer " }, null],
      ["no scheme", { authorization: KEY_A }, null],
      ["basic scheme", { authorization: `Basic ${Buffer.from(`${KEY_A}:`).toString("base64")}` }, null],
      ["key with a suffix", { authorization: `Bearer ${KEY_A}x` }, null],
      ["key prefix", { authorization: `Bearer ${KEY_A.slice(0, -1)}` }, null]
    ]
    for (const [method, path] of endpoints) {
      for (const [name, headers, key] of variants) {
        const answer = await A.request(path, { method, headers, key, ...(method === "POST" ? { body: {} } : {}) })
        assertError(answer, 401, "UNAUTHENTICATED", `${name} ${method} ${path}`)
      }
    }
  })

  it("x-request-id on unknown paths and methods too, and unknown paths are errors in the contract's shape", async () => {
    for (const [method, path] of [["GET", "/nope"], ["GET", "/v2/sessions"], ["DELETE", "/sessions"], ["PUT", "/sessions"], ["PATCH", "/runs/run_x"]] as const) {
      const authed = await A.request(path, { method })
      assert.ok(authed.status >= 400 && authed.status < 500, `${method} ${path} is a client error`)
      assert.strictEqual(typeof authed.json?.error, "string", `${method} ${path} error body`)
      assert.match(authed.json.code, /^[A-Z][A-Z_]*$/)
      const anonymous = await A.request(path, { method, key: null })
      assert.ok(anonymous.status >= 400 && anonymous.status < 500)
    }
    const unknown = await A.get("/definitely/not/a/route")
    assertError(unknown, 404, "NOT_FOUND")
    // a path outside the base URL as well
    const root = await fetch(main.baseUrl.replace(/\/v1$/, "") + "/", { headers: { authorization: `Bearer ${KEY_A}` } })
    await root.text()
    assert.ok((root.headers.get("x-request-id") ?? "").length > 0, "x-request-id outside /v1")
  })

  it("JSON answers are application/json; rate-limit headers, when present, are integers", async () => {
    const answer = await A.get("/sessions")
    assert.strictEqual(answer.status, 200)
    assert.match(answer.headers.get("content-type") ?? "", /^application\/json/)
    for (const name of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) {
      const value = answer.headers.get(name)
      if (value !== null) assert.match(value, /^\d+$/, name)
    }
  })
})

describe("2/3. errors, limits, rate limits, hosted model", () => {
  it("malformed JSON is 400 INVALID_REQUEST on every POST with a body", async () => {
    const sessionId = await newSession(A)
    for (const path of ["/sessions", `/sessions/${sessionId}/runs`, "/action_invocations"]) {
      for (const body of ["{", "{\"title\": }", "not json", "{\"input\": [}"]) {
        assertError(await A.post(path, body), 400, "INVALID_REQUEST", `${path} ${body}`)
      }
    }
  })

  it("a deeply nested value of the wrong type is 400, not 500; a body that is not UTF-8 is 400", async () => {
    const depth = 3000
    const nested = "[".repeat(depth) + "]".repeat(depth)
    const sessionId = await newSession(A)
    const cases: Array<[string, string]> = [
      ["/sessions", `{"title":${nested}}`],
      ["/sessions", `{"metadata":{"a":${"{\"a\":".repeat(depth)}1${"}".repeat(depth)}}}`],
      [`/sessions/${sessionId}/runs`, `{"input":${nested}}`],
      ["/action_invocations", `{"action":"linear.issues.list","input":{"team":${nested}}}`]
    ]
    for (const [path, body] of cases) assertError(await A.post(path, body), 400, "INVALID_REQUEST", `${path} nested ${depth} deep`)
    const bytes = Buffer.concat([Buffer.from("{\"title\":\"not utf-8 "), Buffer.from([0xff, 0xfe]), Buffer.from("\"}")])
    const response = await fetch(main.baseUrl + "/sessions", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" },
      body: bytes
    })
    const json = await response.json() as any
    assert.strictEqual(response.status, 400, JSON.stringify(json))
    assert.strictEqual(json.code, "INVALID_REQUEST")
    assert.ok((response.headers.get("x-request-id") ?? "").length > 0)
    const titles = (await A.get("/sessions?limit=100")).json.data.map((session: any) => session.title)
    assert.ok(!titles.some((title: unknown) => typeof title === "string" && title.startsWith("not utf-8")), "nothing was created")
  })

  it("a body over 1 MiB is 413 PAYLOAD_TOO_LARGE; one just under it is accepted", async () => {
    const sessionId = await newSession(A)
    const big = JSON.stringify({ title: "big", metadata: { big: "a".repeat(1_100_000) } })
    for (const path of ["/sessions", `/sessions/${sessionId}/runs`, "/action_invocations"]) {
      assertError(await A.post(path, big), 413, "PAYLOAD_TOO_LARGE", path)
    }
    // exactly one byte over 1 MiB
    const over = JSON.stringify({ title: "over", metadata: { big: "" } })
    const exactOver = over.replace("\"big\":\"\"", `"big":"${"b".repeat(1024 * 1024 + 1 - over.length)}"`)
    assert.strictEqual(Buffer.byteLength(exactOver), 1024 * 1024 + 1)
    assertError(await A.post("/sessions", exactOver), 413, "PAYLOAD_TOO_LARGE", "1 MiB + 1 byte")
    // a chunked body (no content-length) over the limit as well
    const chunk = new TextEncoder().encode("a".repeat(64 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{\"title\":\"chunked\",\"metadata\":{\"big\":\""))
      },
      pull(controller) {
        if (sent >= 20) {
          controller.enqueue(new TextEncoder().encode("\"}}"))
          controller.close()
          return
        }
        sent++
        controller.enqueue(chunk)
      }
    })
    const chunked = await fetch(main.baseUrl + "/sessions", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" },
      body: stream,
      duplex: "half"
    } as RequestInit)
    const chunkedJson = await chunked.json() as any
    assert.strictEqual(chunked.status, 413)
    assert.strictEqual(chunkedJson.code, "PAYLOAD_TOO_LARGE")
    assert.ok((chunked.headers.get("x-request-id") ?? "").length > 0)
    // nothing was created by any of them
    const titles = (await A.get("/sessions?limit=100")).json.data.map((session: any) => session.title)
    assert.notInclude(titles, "big")
    assert.notInclude(titles, "over")
    assert.notInclude(titles, "chunked")
    // just under 1 MiB is fine
    const under = JSON.stringify({ title: "under", metadata: { big: "" } })
    const exactUnder = under.replace("\"big\":\"\"", `"big":"${"c".repeat(1024 * 1024 - under.length)}"`)
    assert.strictEqual(Buffer.byteLength(exactUnder), 1024 * 1024)
    const accepted = await A.post("/sessions", exactUnder)
    assert.strictEqual(accepted.status, 201, accepted.text.slice(0, 200))
  })

  it("faulty server, in order: 429 RATE_LIMITED with Retry-After, 503 UNAVAILABLE, 500 INTERNAL, a retry after a committed 503 replays, 503 HOSTED_MODEL_UNAVAILABLE", async () => {
    const limited = await faultyA.get("/actions")
    assertError(limited, 429, "RATE_LIMITED")
    assert.strictEqual(limited.headers.get("retry-after"), "7", "Retry-After in integer seconds")
    const unavailable = await faultyA.get("/actions")
    assertError(unavailable, 503, "UNAVAILABLE")
    const retryAfter = unavailable.headers.get("retry-after")
    if (retryAfter !== null) assert.match(retryAfter, /^\d+$/)
    assertError(await faultyA.get("/actions"), 500, "INTERNAL")
    // the next answer is a 503 after the write committed: the retry with the same key gets the invocation, once
    const key = `conf-after-commit-${Date.now()}`
    const body = { action: "slack.channels.list", input: {} }
    assertError(await faultyA.post("/action_invocations", body, { headers: { "idempotency-key": key } }), 503, "UNAVAILABLE", "after commit")
    const retried = await faultyA.post("/action_invocations", body, { headers: { "idempotency-key": key } })
    assert.strictEqual(retried.status, 200, retried.text)
    assert.strictEqual(retried.headers.get("idempotent-replayed"), "true")
    const trail = await faultyA.get("/action_invocations?limit=100")
    assert.deepStrictEqual(trail.json.data.map((record: any) => record.id), [retried.json.id], "exactly one invocation")
    // the hosted model is off
    assertError(await faultyA.post("/sessions", { title: "no model" }), 503, "HOSTED_MODEL_UNAVAILABLE")
    assert.deepStrictEqual((await faultyA.get("/sessions")).json.data, [], "no session was created")
  })
})

describe("6/2. durable events; HOSTED_MODEL_UNAVAILABLE for runs of a workspace without a hosted model", () => {
  it("after a restart the session, run and events are all there; runs of a workspace without a model are 503", async () => {
    const before = client(durable!.baseUrl, KEY_A)
    const sessionId = await newSession(before, { title: "durable" })
    const run = await runWait(before, sessionId, "use linear.issues.list before the restart")
    const events = await eventsOf(before, run.id)
    const transcript = (await before.get(`/sessions/${sessionId}`)).json
    await durable!.stop()
    durable = undefined
    restarted = await startServer({ AP_LOCAL_KEYS: KEYS, AP_LOCAL_DB: database, AP_LOCAL_NO_HOSTED_MODEL: "ws_alpha" })
    const after = client(restarted.baseUrl, KEY_A)
    assert.deepStrictEqual((await after.get(`/runs/${run.id}`)).json, run, "the run")
    assert.deepStrictEqual(await eventsOf(after, run.id), events, "every event")
    assert.deepStrictEqual((await sse(after, `/runs/${run.id}/events?starting_after=2`)).events, events.slice(2), "resumed as SSE")
    assert.deepStrictEqual((await after.get(`/sessions/${sessionId}`)).json, transcript, "the session and its transcript")
    const path = `/sessions/${sessionId}/runs`
    for (const [mode, extra] of [["queued", {}], ["wait", { wait: true }], ["stream", { stream: true }]] as const) {
      assertError(await after.post(path, { input: input("no model"), ...extra }), 503, "HOSTED_MODEL_UNAVAILABLE", mode)
    }
    assertError(await after.post("/sessions", { title: "no model" }), 503, "HOSTED_MODEL_UNAVAILABLE", "session")
    assert.strictEqual((await after.get(`${path}?limit=100`)).json.data.length, 1, "no run was created")
    // the other workspace has its model
    const bravo = client(restarted.baseUrl, KEY_B)
    const bravoRun = await runWait(bravo, await newSession(bravo), "bravo has a model")
    assert.strictEqual(bravoRun.status, "completed")
  })
})

describe("4. sessions", () => {
  it("POST /sessions: 201 with the session object, from the documented request", async () => {
    const request = fixtureJson("session.create.request.json")
    const answer = await A.post("/sessions", fixture("session.create.request.json"))
    assert.strictEqual(answer.status, 201)
    assert.match(answer.headers.get("content-type") ?? "", /^application\/json/)
    assertSession(answer.json)
    assert.strictEqual(answer.json.title, request.title)
    assert.deepStrictEqual(answer.json.metadata, {})
    assertSameShape(answer.json, fixtureJson("session.create.response.json"))
  })

  it("title and metadata: echoed, defaulted, and validated", async () => {
    const withMetadata = await A.post("/sessions", { title: "t", metadata: { team: "support", "a b": "c" } })
    assert.strictEqual(withMetadata.status, 201)
    assert.deepStrictEqual(withMetadata.json.metadata, { team: "support", "a b": "c" })
    const empty = await A.post("/sessions", {})
    assert.strictEqual(empty.status, 201)
    assertSession(empty.json)
    assert.strictEqual(typeof empty.json.title, "string", "a session created without a title has a string title")
    const title256 = await A.post("/sessions", { title: "x".repeat(256) })
    assert.strictEqual(title256.status, 201, "a title of 256 characters")
    assert.strictEqual(title256.json.title, "x".repeat(256))
    const title256Unicode = await A.post("/sessions", { title: "é".repeat(256) })
    assert.strictEqual(title256Unicode.status, 201, "256 characters, 512 bytes")
    const title256Astral = await A.post("/sessions", { title: "😀".repeat(256) })
    assert.strictEqual(title256Astral.status, 201, "256 characters outside the BMP (512 UTF-16 code units)")
    assert.strictEqual(title256Astral.json.title, "😀".repeat(256))
    assertError(await A.post("/sessions", { title: "😀".repeat(257) }), 400, "INVALID_REQUEST", "257 characters outside the BMP")
    for (
      const [name, body] of [
        ["title 257", { title: "x".repeat(257) }],
        ["title a number", { title: 42 }],
        ["title null", { title: null }],
        ["metadata a string", { metadata: "x" }],
        ["metadata an array", { metadata: ["a"] }],
        ["metadata value a number", { metadata: { a: 1 } }],
        ["metadata value an object", { metadata: { a: { b: "c" } } }],
        ["metadata value null", { metadata: { a: null } }],
        ["metadata value a boolean", { metadata: { a: true } }],
        ["body an array", []],
        ["body a string", "\"hello\""]
      ] as const
    ) {
      assertError(await A.post("/sessions", body), 400, "INVALID_REQUEST", name)
    }
  })

  it("GET /sessions: newest first, limit 1..100 (default 20), starting_after, has_more", async () => {
    const ids: Array<string> = []
    for (let i = 0; i < 23; i++) ids.push(await newSession(A, { title: `page ${i}` }))
    const newestFirst = [...ids].reverse()
    const first = await A.get("/sessions")
    assert.strictEqual(first.status, 200)
    assert.strictEqual(first.json.object, "list")
    assert.strictEqual(first.json.data.length, 20, "default limit 20")
    assert.strictEqual(first.json.has_more, true)
    first.json.data.forEach(assertSession)
    assert.deepStrictEqual(first.json.data.map((s: any) => s.id), newestFirst.slice(0, 20), "newest first")
    const one = await A.get("/sessions?limit=1")
    assert.deepStrictEqual(one.json.data.map((s: any) => s.id), [newestFirst[0]])
    assert.strictEqual(one.json.has_more, true)
    const after = await A.get(`/sessions?limit=3&starting_after=${newestFirst[0]}`)
    assert.deepStrictEqual(after.json.data.map((s: any) => s.id), newestFirst.slice(1, 4))
    const max = await A.get("/sessions?limit=100")
    assert.strictEqual(max.status, 200)
    assert.ok(max.json.data.length >= 23)
    const all = await pagesOf(A, "/sessions", 7)
    assert.strictEqual(new Set(all).size, all.length, "no session twice over the pages")
    assert.deepStrictEqual(all.filter((id) => ids.includes(id)), newestFirst, "every session once, newest first")
    const last = await A.get(`/sessions?starting_after=${all[all.length - 1]}`)
    assert.deepStrictEqual(last.json.data, [])
    assert.strictEqual(last.json.has_more, false)
    for (const limit of ["0", "101", "-1", "abc", "1.5"]) {
      assertError(await A.get(`/sessions?limit=${limit}`), 400, "INVALID_REQUEST", `limit=${limit}`)
    }
  })

  it("GET /sessions/{id}: the session and its transcript", async () => {
    const sessionId = await newSession(A, { title: "transcript" })
    const before = await A.get(`/sessions/${sessionId}`)
    assert.strictEqual(before.status, 200)
    assertSession(before.json.session)
    assert.strictEqual(before.json.session.id, sessionId)
    assert.deepStrictEqual(before.json.messages, [])
    const run = await runWait(A, sessionId, "What is the plan?")
    const after = await A.get(`/sessions/${sessionId}`)
    const messages = after.json.messages
    assert.strictEqual(messages.length, 2)
    assert.deepStrictEqual(messages.map((m: any) => m.role), ["user", "assistant"])
    assert.strictEqual(messages[0].content, "What is the plan?")
    assert.strictEqual(messages[1].content, run.output[0].content[0].text)
    for (const message of messages) {
      assert.match(message.id, /^msg_./)
      assert.strictEqual(message.run_id, run.id)
      assertTimestamp(message.created_at, "message.created_at")
    }
    assertError(await A.get("/sessions/sess_000000000000000000000000"), 404, "NOT_FOUND")
    assertError(await A.get("/sessions/nope"), 404, "NOT_FOUND")
  })
})

describe("5. runs", () => {
  it("the three modes from the documented requests: 202 queued, wait 200 terminal, stream 200 SSE", async () => {
    const sessionId = await newSession(A)
    const queued = await A.post(`/sessions/${sessionId}/runs`, fixture("run.create.request.json"))
    assert.strictEqual(queued.status, 202, queued.text)
    assertRun(queued.json, sessionId)
    assert.strictEqual(queued.json.status, "queued")

    const waited = await A.post(`/sessions/${sessionId}/runs`, fixture("run.create.wait.request.json"))
    assert.strictEqual(waited.status, 200, waited.text)
    assertRun(waited.json, sessionId)
    assert.strictEqual(waited.json.status, "completed")
    assertSameShape(waited.json, fixtureJson("run.completed.json"))
    assert.deepStrictEqual((await A.get(`/runs/${waited.json.id}`)).json, waited.json, "GET /runs/{id} is the same run")

    const streamed = await A.post(`/sessions/${sessionId}/runs`, fixture("run.create.stream.request.json"), { headers: {} })
    assert.strictEqual(streamed.status, 200)
    assert.match(streamed.headers.get("content-type") ?? "", /^text\/event-stream/)
    const location = streamed.headers.get("content-location") ?? ""
    assert.match(location, /^\/v1\/runs\/run_./)
    const runId = location.slice("/v1/runs/".length)
    const parsed = parseSse(streamed.text)
    assertFrames(streamed, parsed)
    const events = parsed.frames.map((frame) => frame.json)
    assertLog(events, runId, sessionId)
    assert.strictEqual(events[events.length - 1].type, "run.completed")
    assert.deepStrictEqual(events, await eventsOf(A, runId), "the stream and the stored log agree")
    const run = (await A.get(`/runs/${runId}`)).json
    assert.strictEqual(run.status, "completed")
    // the queued run of the same session has finished by now, since runs execute in order
    assert.strictEqual((await A.get(`/runs/${queued.json.id}`)).json.status, "completed")
  })

  it("content as a plain string, roles system and developer, metadata", async () => {
    const sessionId = await newSession(A)
    const plain = await runWait(A, sessionId, "ignored", { input: [{ role: "user", content: "plain string content" }] })
    assert.strictEqual(plain.status, "completed")
    const transcript = (await A.get(`/sessions/${sessionId}`)).json.messages
    assert.strictEqual(transcript[0].content, "plain string content", "a plain string is one input_text part")
    for (const role of ["system", "developer"]) {
      const answer = await A.post(`/sessions/${sessionId}/runs`, {
        input: [{ role, content: [{ type: "input_text", text: "be brief" }] }, { role: "user", content: "hello" }],
        wait: true
      })
      assert.strictEqual(answer.status, 200, `role ${role}: ${answer.text}`)
      assert.strictEqual(answer.json.status, "completed")
    }
    const explicit = await A.post(`/sessions/${sessionId}/runs`, { input: input("flags"), wait: false, stream: false })
    assert.strictEqual(explicit.status, 202, "wait: false, stream: false")
    const waitOnly = await A.post(`/sessions/${sessionId}/runs`, { input: input("flags"), wait: true, stream: false })
    assert.strictEqual(waitOnly.status, 200, "wait: true, stream: false")
    assert.ok(TERMINAL_STATUSES.has(waitOnly.json.status))
    const streamOnly = await A.post(`/sessions/${sessionId}/runs`, { input: input("flags"), wait: false, stream: true })
    assert.strictEqual(streamOnly.status, 200, "wait: false, stream: true")
    assert.match(streamOnly.headers.get("content-type") ?? "", /^text\/event-stream/)
    const only = await A.post(`/sessions/${sessionId}/runs`, { input: [{ role: "developer", content: "only developer" }] })
    assert.strictEqual(only.status, 202, only.text)
    const meta = await runWait(A, sessionId, "with metadata", { metadata: { ticket: "T-1" } })
    assert.deepStrictEqual(meta.metadata, { ticket: "T-1" })
    assert.deepStrictEqual(plain.metadata, {})
  })

  it("400 INVALID_REQUEST: wait and stream both, empty input, wrong types", async () => {
    const sessionId = await newSession(A)
    const cases: Array<[string, unknown]> = [
      ["wait and stream", { input: input("x"), wait: true, stream: true }],
      ["empty input", { input: [] }],
      ["missing input", {}],
      ["input a string", { input: "hello" }],
      ["input an object", { input: { role: "user", content: "x" } }],
      ["role unknown", { input: [{ role: "robot", content: "x" }] }],
      ["role missing", { input: [{ content: "x" }] }],
      ["content a number", { input: [{ role: "user", content: 5 }] }],
      ["content part without text", { input: [{ role: "user", content: [{ type: "input_text" }] }] }],
      ["content part of unknown type", { input: [{ role: "user", content: [{ type: "mystery", text: "x" }] }] }],
      ["wait not boolean", { input: input("x"), wait: "yes" }],
      ["stream not boolean", { input: input("x"), stream: 1 }],
      ["metadata value a number", { input: input("x"), metadata: { a: 1 } }],
      ["body an array", [input("x")]]
    ]
    for (const [name, body] of cases) {
      assertError(await A.post(`/sessions/${sessionId}/runs`, body), 400, "INVALID_REQUEST", name)
    }
    const list = await A.get(`/sessions/${sessionId}/runs`)
    assert.deepStrictEqual(list.json.data, [], "no run was created by a bad request")
  })

  it("404 for runs of an unknown session and unknown runs", async () => {
    assertError(await A.post("/sessions/sess_000000000000000000000000/runs", { input: input("x") }), 404, "NOT_FOUND")
    assertError(await A.get("/sessions/sess_000000000000000000000000/runs"), 404, "NOT_FOUND")
    assertError(await A.get("/runs/run_000000000000000000000000"), 404, "NOT_FOUND")
    assertError(await A.post("/runs/run_000000000000000000000000/cancel"), 404, "NOT_FOUND")
    assertError(await A.get("/runs/run_000000000000000000000000/events"), 404, "NOT_FOUND")
    assertError(await A.get("/runs/run_000000000000000000000000/events", { headers: SSE }), 404, "NOT_FOUND")
  })

  it("GET /sessions/{id}/runs: newest first, pagination as sessions", async () => {
    const sessionId = await newSession(A)
    const ids: Array<string> = []
    for (let i = 0; i < 22; i++) {
      const answer = await A.post(`/sessions/${sessionId}/runs`, { input: input(`q${i}`) })
      assert.strictEqual(answer.status, 202)
      ids.push(answer.json.id)
    }
    const newestFirst = [...ids].reverse()
    const first = await A.get(`/sessions/${sessionId}/runs`)
    assert.strictEqual(first.json.object, "list")
    assert.strictEqual(first.json.data.length, 20)
    assert.strictEqual(first.json.has_more, true)
    first.json.data.forEach((run: any) => assertRun(run, sessionId))
    assert.deepStrictEqual(first.json.data.map((r: any) => r.id), newestFirst.slice(0, 20))
    assert.deepStrictEqual(await pagesOf(A, `/sessions/${sessionId}/runs`, 5), newestFirst)
    const after = await A.get(`/sessions/${sessionId}/runs?limit=2&starting_after=${newestFirst[1]}`)
    assert.deepStrictEqual(after.json.data.map((r: any) => r.id), newestFirst.slice(2, 4))
    for (const limit of ["0", "101", "x"]) {
      assertError(await A.get(`/sessions/${sessionId}/runs?limit=${limit}`), 400, "INVALID_REQUEST", `limit=${limit}`)
    }
    assert.strictEqual((await A.get(`/sessions/${sessionId}/runs?limit=100`)).json.data.length, 22)
  })

  it("runs of one session execute one at a time, in creation order; later ones wait queued (slow server)", async () => {
    const sessionId = await newSession(slowA)
    const ids: Array<string> = []
    for (let i = 0; i < 3; i++) {
      const answer = await slowA.post(`/sessions/${sessionId}/runs`, { input: input(turns[i]!) })
      assert.strictEqual(answer.status, 202)
      assert.strictEqual(answer.json.status, "queued")
      ids.push(answer.json.id)
    }
    assert.strictEqual((await slowA.get(`/runs/${ids[2]}`)).json.status, "queued", "the third waits")
    const seen = new Set<string>()
    await pollUntil("three runs to finish", async () => {
      // read the later runs first: once a later run has left `queued`, every earlier one must have ended
      const statuses: Array<string> = []
      for (const id of [...ids].reverse()) statuses.unshift((await slowA.get(`/runs/${id}`)).json.status)
      seen.add(statuses.join(","))
      for (let later = 1; later < 3; later++) {
        if (statuses[later] !== "queued") {
          for (let earlier = 0; earlier < later; earlier++) {
            assert.ok(TERMINAL_STATUSES.has(statuses[earlier]!), `run ${earlier} ended before run ${later} started: ${statuses}`)
          }
        }
      }
      assert.ok(statuses.filter((status) => status === "running").length <= 1, "one at a time")
      return statuses.every((status) => TERMINAL_STATUSES.has(status)) ? statuses : undefined
    })
    assert.ok([...seen].some((s) => s.startsWith("running,queued,queued")), `observed the first running alone: ${[...seen]}`)
    for (const id of ids) assert.strictEqual((await slowA.get(`/runs/${id}`)).json.status, "completed")
    // the transcript is in creation order too
    const messages = (await slowA.get(`/sessions/${sessionId}`)).json.messages
    assert.deepStrictEqual(messages.filter((m: any) => m.role === "user").map((m: any) => m.content), turns)
    assert.deepStrictEqual(messages.map((m: any) => m.run_id), [ids[0], ids[0], ids[1], ids[1], ids[2], ids[2]])
  })

  it("wait: true past the wait limit answers 202 with the current run, and the stream follows it to its end (slow server)", async () => {
    const sessionId = await newSession(slowA)
    const answer = await slowA.post(`/sessions/${sessionId}/runs`, { input: input(LONG), wait: true })
    assert.strictEqual(answer.status, 202, answer.text)
    assertRun(answer.json, sessionId)
    assert.include(["queued", "running"], answer.json.status)
    const { answer: stream, parsed, events } = await sse(slowA, `/runs/${answer.json.id}/events`)
    assertFrames(stream, parsed)
    assertLog(events, answer.json.id, sessionId)
    assert.strictEqual(events[events.length - 1].type, "run.completed")
  })
})

describe("5. cancel", () => {
  it("a queued run: 200 cancelled, run.cancelled last, earlier events kept; again: a no-op 200 (slow server)", async () => {
    const sessionId = await newSession(slowA)
    const first = (await slowA.post(`/sessions/${sessionId}/runs`, { input: input(LONG) })).json
    const second = (await slowA.post(`/sessions/${sessionId}/runs`, { input: input("second") })).json
    assert.strictEqual((await slowA.get(`/runs/${second.id}`)).json.status, "queued")
    const cancelled = await slowA.post(`/runs/${second.id}/cancel`)
    assert.strictEqual(cancelled.status, 200, cancelled.text)
    assertRun(cancelled.json, sessionId)
    assert.strictEqual(cancelled.json.id, second.id)
    assert.strictEqual(cancelled.json.status, "cancelled")
    const events = await eventsOf(slowA, second.id)
    assertLog(events, second.id, sessionId)
    assert.deepStrictEqual(events.map((e) => e.type), ["run.created", "run.cancelled"])
    assert.deepStrictEqual(events[1].data, { status: "cancelled" })

    // the running one
    await pollUntil("the first run to run", async () => (await slowA.get(`/runs/${first.id}`)).json.status === "running" ? true : undefined)
    const before = await eventsOf(slowA, first.id)
    const cancelRunning = await slowA.post(`/runs/${first.id}/cancel`)
    assert.strictEqual(cancelRunning.status, 200)
    assert.strictEqual(cancelRunning.json.status, "cancelled")
    const after = await eventsOf(slowA, first.id)
    assertLog(after, first.id, sessionId)
    assert.deepStrictEqual(after.slice(0, before.length), before, "the events before the cancel stay")
    assert.ok(after.some((e) => e.type === "run.started"))
    assert.strictEqual(after[after.length - 1].type, "run.cancelled")

    // cancelling again is a no-op 200
    for (const id of [first.id, second.id]) {
      const again = await slowA.post(`/runs/${id}/cancel`)
      assert.strictEqual(again.status, 200)
      assert.strictEqual(again.json.status, "cancelled")
    }
    // a later run of the session runs to its end; after it, the cancelled runs are unchanged
    const third = (await slowA.post(`/sessions/${sessionId}/runs`, { input: input("third") })).json
    const thirdEvents = (await sse(slowA, `/runs/${third.id}/events`)).events
    assert.strictEqual(thirdEvents[thirdEvents.length - 1].type, "run.completed")
    assert.deepStrictEqual(await eventsOf(slowA, first.id), after, "nothing follows run.cancelled")
    assert.deepStrictEqual((await eventsOf(slowA, second.id)).map((e) => e.type), ["run.created", "run.cancelled"])
    assert.strictEqual((await slowA.get(`/runs/${first.id}`)).json.status, "cancelled")
    assert.strictEqual((await slowA.get(`/runs/${second.id}`)).json.status, "cancelled")
  })

  it("a completed or failed run: 409 RUN_ALREADY_TERMINAL, and the run is unchanged", async () => {
    const sessionId = await newSession(A)
    const completed = await runWait(A, sessionId, "done")
    const failed = await runWait(A, sessionId, "[fail] please")
    assert.strictEqual(failed.status, "failed")
    for (const run of [completed, failed]) {
      const events = await eventsOf(A, run.id)
      assertError(await A.post(`/runs/${run.id}/cancel`), 409, "RUN_ALREADY_TERMINAL", run.status)
      assert.deepStrictEqual(await eventsOf(A, run.id), events)
      assert.strictEqual((await A.get(`/runs/${run.id}`)).json.status, run.status)
    }
  })

  it("cancel while a stream is open: the stream ends with run.cancelled (slow server)", async () => {
    const sessionId = await newSession(slowA)
    const created = (await slowA.post(`/sessions/${sessionId}/runs`, { input: input(LONG) })).json
    const streaming = sse(slowA, `/runs/${created.id}/events`)
    await pollUntil("the run to run", async () => (await slowA.get(`/runs/${created.id}`)).json.status === "running" ? true : undefined)
    assert.strictEqual((await slowA.post(`/runs/${created.id}/cancel`)).status, 200)
    const { answer, parsed, events } = await streaming
    assertFrames(answer, parsed)
    assertLog(events, created.id, sessionId)
    assert.strictEqual(events[events.length - 1].type, "run.cancelled")
  })
})

describe("6. run events: the log holds under concurrency", () => {
  it("runs cancelled at arbitrary moments across sessions: every log is 1..n with exactly one terminal event, last", async () => {
    const created: Array<{ readonly runId: string; readonly sessionId: string }> = []
    await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const sessionId = await newSession(A, { title: `race ${i}` })
      const runs = []
      for (let j = 0; j < 3; j++) {
        const answer = await A.post(`/sessions/${sessionId}/runs`, { input: input(j === 1 ? "use slack.channels.list now" : `race ${i} ${j}`) })
        assert.strictEqual(answer.status, 202)
        runs.push(answer.json.id as string)
        created.push({ runId: answer.json.id, sessionId })
      }
      // cancel the first and the last at once, while the session's worker may be anywhere
      const cancels = await Promise.all([runs[0]!, runs[2]!].map((id) => A.post(`/runs/${id}/cancel`)))
      for (const answer of cancels) {
        assert.ok(answer.status === 200 || answer.status === 409, `cancel answered ${answer.status}`)
        if (answer.status === 200) assert.strictEqual(answer.json.status, "cancelled")
        else assert.strictEqual(answer.json.code, "RUN_ALREADY_TERMINAL")
      }
    }))
    for (const { runId, sessionId } of created) {
      const run = await pollUntil(`${runId} to end`, async () => {
        const answer = await A.get(`/runs/${runId}`)
        return TERMINAL_STATUSES.has(answer.json.status) ? answer.json : undefined
      })
      const events = await eventsOf(A, runId)
      assertLog(events, runId, sessionId)
      const terminal = events[events.length - 1].type
      assert.strictEqual(terminal, `run.${run.status}`, "the terminal event matches the run's status")
    }
  })
})

describe("6. run events: the twelve types", () => {
  it("a prompt naming a catalog action: tool call events, deltas adding up to the completed message", async () => {
    const sessionId = await newSession(A)
    const run = await runWait(A, sessionId, "Please use linear.issues.list to summarize open issues")
    assertRun(run, sessionId)
    assert.strictEqual(run.status, "completed")
    const events = await eventsOf(A, run.id)
    assertLog(events, run.id, sessionId)
    const types = events.map((e) => e.type)
    assert.strictEqual(types[1], "run.started")
    assert.deepStrictEqual(events[1].data, { status: "running" })
    assert.deepStrictEqual(events[events.length - 1].data, { status: "completed" })
    for (const type of ["reasoning.summary.delta", "tool_call.started", "tool_call.arguments.delta", "tool_call.completed", "message.output.delta", "message.output.completed"]) {
      assert.include(types, type)
    }
    for (const e of events.filter((e) => e.type === "reasoning.summary.delta")) assert.strictEqual(typeof e.data.delta, "string")
    const started = events.find((e) => e.type === "tool_call.started")
    assert.match(started.data.tool_call_id, /^tc_./)
    assert.strictEqual(started.data.name, "linear.issues.list")
    const argDeltas = events.filter((e) => e.type === "tool_call.arguments.delta")
    for (const e of argDeltas) {
      assert.strictEqual(e.data.tool_call_id, started.data.tool_call_id)
      assert.strictEqual(typeof e.data.delta, "string")
    }
    const completedCall = events.find((e) => e.type === "tool_call.completed")
    assert.strictEqual(completedCall.data.tool_call_id, started.data.tool_call_id)
    assert.strictEqual(completedCall.data.name, "linear.issues.list")
    assert.ok(started.sequence_number < argDeltas[0].sequence_number)
    assert.ok(argDeltas[argDeltas.length - 1].sequence_number < completedCall.sequence_number)
    const args = JSON.parse(argDeltas.map((e) => e.data.delta).join(""))
    // the run's tool call
    assert.strictEqual(run.tool_calls.length, 1)
    assert.strictEqual(run.tool_calls[0].id, started.data.tool_call_id)
    assert.strictEqual(run.tool_calls[0].name, "linear.issues.list")
    assert.strictEqual(run.tool_calls[0].status, "completed")
    assert.deepStrictEqual(run.tool_calls[0].arguments, args, "the argument deltas are the JSON arguments")
    // the message
    const deltas = events.filter((e) => e.type === "message.output.delta").map((e) => e.data.delta)
    deltas.forEach((delta) => assert.strictEqual(typeof delta, "string"))
    const completed = events.filter((e) => e.type === "message.output.completed")
    assert.strictEqual(completed.length, 1)
    assert.strictEqual(deltas.join(""), completed[0].data.text, "the deltas add up exactly to the message")
    assert.strictEqual(run.output[0].content[0].text, completed[0].data.text, "the run's output is the message")
    // the tool call was recorded in the audit trail, with its session
    const audit = (await A.get("/action_invocations?limit=100")).json.data
    assert.ok(audit.some((record: any) => record.action === "linear.issues.list" && record.session_id === sessionId), "the run's gateway call is in the audit trail")
  })

  it("a provider failure in a run is tool_call.failed with name and error", async () => {
    const sessionId = await newSession(A)
    const run = await runWait(A, sessionId, "use linear.issues.get for ENG-999")
    const events = await eventsOf(A, run.id)
    assertLog(events, run.id, sessionId)
    const failed = events.find((e) => e.type === "tool_call.failed")
    assert.ok(failed !== undefined, `tool_call.failed among ${events.map((e) => e.type)}`)
    assert.match(failed.data.tool_call_id, /^tc_./)
    assert.strictEqual(failed.data.name, "linear.issues.get")
    assert.strictEqual(typeof failed.data.error, "string")
    const call = run.tool_calls.find((c: any) => c.id === failed.data.tool_call_id)
    assert.strictEqual(call.status, "failed")
    assert.strictEqual(typeof call.error, "string")
  })

  it("a run's gateway call is checked against the workspace's grants: a denied action is tool_call.failed", async () => {
    const sessionId = await newSession(B)
    const run = await runWait(B, sessionId, `use ${DENIED} for this week`)
    const events = await eventsOf(B, run.id)
    assertLog(events, run.id, sessionId)
    const failed = events.find((e) => e.type === "tool_call.failed")
    assert.ok(failed !== undefined, `tool_call.failed among ${events.map((e) => e.type)}`)
    assert.strictEqual(failed.data.name, DENIED)
    assert.strictEqual(typeof failed.data.error, "string")
    assert.notInclude(events.map((e) => e.type), "tool_call.completed")
    assert.strictEqual(run.tool_calls[0].status, "failed")
  })

  it("a prompt with [fail] ends run.failed with error and code; the run has status failed and an error", async () => {
    const sessionId = await newSession(A)
    const run = await runWait(A, sessionId, "this will [fail] now")
    assertRun(run, sessionId)
    assert.strictEqual(run.status, "failed")
    const events = await eventsOf(A, run.id)
    assertLog(events, run.id, sessionId)
    const last = events[events.length - 1]
    assert.strictEqual(last.type, "run.failed")
    assert.strictEqual(typeof last.data.error, "string")
    assert.ok(last.data.error.length > 0)
    assert.strictEqual(typeof last.data.code, "string")
    assert.strictEqual(run.error.code, last.data.code)
  })
})

describe("7. event delivery", () => {
  let runId: string
  let sessionId: string
  let all: Array<any>

  beforeAll(async () => {
    sessionId = await newSession(A)
    const run = await runWait(A, sessionId, LONG)
    runId = run.id
    all = await eventsOf(A, runId)
  })

  it("JSON page: list shape, limit 1..1000 default 100, starting_after, has_more", async () => {
    assert.ok(all.length > 100, `a run with more than 100 events (${all.length})`)
    assertLog(all, runId, sessionId)
    const first = await A.get(`/runs/${runId}/events`)
    assert.strictEqual(first.status, 200)
    assert.match(first.headers.get("content-type") ?? "", /^application\/json/)
    assert.strictEqual(first.json.object, "list")
    assert.strictEqual(first.json.data.length, 100, "default limit 100")
    assert.strictEqual(first.json.has_more, true)
    assert.deepStrictEqual(first.json.data, all.slice(0, 100), "oldest first, in sequence")
    const rest = await A.get(`/runs/${runId}/events?starting_after=100`)
    assert.deepStrictEqual(rest.json.data, all.slice(100))
    assert.strictEqual(rest.json.has_more, false)
    const window = await A.get(`/runs/${runId}/events?starting_after=3&limit=5`)
    assert.deepStrictEqual(window.json.data.map((e: any) => e.sequence_number), [4, 5, 6, 7, 8])
    assert.strictEqual(window.json.has_more, true)
    const exact = await A.get(`/runs/${runId}/events?starting_after=${all.length - 2}&limit=2`)
    assert.strictEqual(exact.json.data.length, 2)
    assert.strictEqual(exact.json.has_more, false)
    const end = await A.get(`/runs/${runId}/events?starting_after=${all.length}`)
    assert.deepStrictEqual(end.json.data, [])
    assert.strictEqual(end.json.has_more, false)
    assert.strictEqual((await A.get(`/runs/${runId}/events?limit=1000`)).json.data.length, all.length)
    assert.strictEqual((await A.get(`/runs/${runId}/events?limit=1`)).json.data.length, 1)
    for (const query of ["limit=0", "limit=1001", "limit=x", "starting_after=x", "starting_after=-1"]) {
      assertError(await A.get(`/runs/${runId}/events?${query}`), 400, "INVALID_REQUEST", query)
    }
    for (const query of ["starting_after=x", "starting_after=-1", "starting_after=1.5"]) {
      assertError(await A.get(`/runs/${runId}/events?${query}`, { headers: SSE }), 400, "INVALID_REQUEST", `SSE ${query}`)
    }
  })

  it("SSE with Accept: text/event-stream or ?stream=true: frames of id:, event:, data:, no retry:, closed after the terminal event", async () => {
    for (const [path, headers] of [[`/runs/${runId}/events`, SSE], [`/runs/${runId}/events?stream=true`, {}]] as const) {
      const { answer, parsed, events } = await sse(A, path, headers)
      assertFrames(answer, parsed)
      assert.deepStrictEqual(events, all, `${path}: every stored event, in order`)
    }
    // frames are spelled as documented: `id: n`, `event: type`, `data: {json}` lines
    const { answer } = await sse(A, `/runs/${runId}/events?starting_after=5`)
    const frame = answer.text.split("\n\n")[0]!
    const lines = frame.split("\n").filter((line) => !line.startsWith(":"))
    assert.strictEqual(lines.length, 3, frame)
    assert.strictEqual(lines[0], "id: 6")
    assert.strictEqual(lines[1], `event: ${all[5].type}`)
    assert.deepStrictEqual(JSON.parse(lines[2]!.replace(/^data: /, "")), all[5])
  })

  it("SSE resume: starting_after, Last-Event-ID, and the query wins when both are given", async () => {
    const byQuery = await sse(A, `/runs/${runId}/events?starting_after=7`)
    assertFrames(byQuery.answer, byQuery.parsed)
    assert.deepStrictEqual(byQuery.events, all.slice(7))
    const byHeader = await sse(A, `/runs/${runId}/events`, { ...SSE, "last-event-id": "9" })
    assert.deepStrictEqual(byHeader.events, all.slice(9))
    const both = await sse(A, `/runs/${runId}/events?starting_after=4`, { ...SSE, "last-event-id": "20" })
    assert.deepStrictEqual(both.events, all.slice(4), "the query wins")
    const bothOther = await sse(A, `/runs/${runId}/events?starting_after=20`, { ...SSE, "last-event-id": "4" })
    assert.deepStrictEqual(bothOther.events, all.slice(20), "the query wins")
    // nothing left after a finished run's last event: the stream closes at once
    const nothing = await sse(A, `/runs/${runId}/events?starting_after=${all.length}`)
    assert.strictEqual(nothing.answer.status, 200)
    assert.deepStrictEqual(nothing.events, [])
  })

  it("the documented SSE frame and the server's frames carry the same envelope", async () => {
    const documented = parseSse(fixture("event.tool_call.completed.sse")).frames[0] as Frame
    assert.strictEqual(documented.event, "tool_call.completed")
    const run = await runWait(A, sessionId, "use linear.issues.list")
    const { parsed } = await sse(A, `/runs/${run.id}/events`)
    const frame = parsed.frames.find((f) => f.event === "tool_call.completed")
    assert.ok(frame !== undefined)
    assertSameShape(frame.json, documented.json)
  })

  it("a client that drops a stream mid-run leaves the run going, and resumes it with Last-Event-ID (slow server)", async () => {
    const session = await newSession(slowA)
    const controller = new AbortController()
    const response = await fetch(slow.baseUrl + `/sessions/${session}/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" },
      body: JSON.stringify({ input: input(LONG), stream: true }),
      signal: controller.signal
    })
    assert.strictEqual(response.status, 200)
    const runId = (response.headers.get("content-location") ?? "").replace("/v1/runs/", "")
    assert.match(runId, /^run_./)
    const reader = response.body!.getReader()
    let text = ""
    while (parseSse(text).frames.filter((frame) => frame.json !== undefined).length < 3) {
      const chunk = await reader.read()
      if (chunk.done) break
      text += new TextDecoder().decode(chunk.value)
    }
    controller.abort()
    await reader.cancel().catch(() => undefined)
    // the client kept the first three whole frames (more may have arrived in the same chunk)
    const received = parseSse(text).frames.filter((frame) => frame.json !== undefined && text.includes(`${frame.data}\n\n`)).slice(0, 3)
    assert.strictEqual(received.length, 3)
    const last = received[received.length - 1]!.json.sequence_number as number
    assert.strictEqual(last, 3)
    const resumed = await sse(slowA, `/runs/${runId}/events`, { ...SSE, "last-event-id": String(last) })
    assertFrames(resumed.answer, resumed.parsed)
    assert.strictEqual(resumed.events[0].sequence_number, last + 1)
    assert.strictEqual(resumed.events[resumed.events.length - 1].type, "run.completed", "the run went on to its end")
    const all = await eventsOf(slowA, runId)
    assertLog(all, runId, session)
    assert.deepStrictEqual([...received.map((frame) => frame.json), ...resumed.events], all, "every event exactly once across the two connections")
  })

  it("live: a stream opened on a new run replays then follows to the terminal event (slow server)", async () => {
    const session = await newSession(slowA)
    const created = (await slowA.post(`/sessions/${session}/runs`, { input: input(words(10)) })).json
    const [live, ...others] = await Promise.all([0, 1, 2].map(() => sse(slowA, `/runs/${created.id}/events`)))
    assertFrames(live!.answer, live!.parsed)
    for (const other of others) assert.deepStrictEqual(other.events, live!.events, "every follower gets the same events")
    assertLog(live!.events, created.id, session)
    assert.strictEqual(live!.events[live!.events.length - 1].type, "run.completed")
    assert.deepStrictEqual(live!.events, await eventsOf(slowA, created.id))
    // resuming mid-run with Last-Event-ID
    const next = (await slowA.post(`/sessions/${session}/runs`, { input: input(words(10)) })).json
    await pollUntil("a few events", async () => (await eventsOf(slowA, next.id)).length >= 4 ? true : undefined)
    const resumed = await sse(slowA, `/runs/${next.id}/events`, { ...SSE, "last-event-id": "3" })
    assertFrames(resumed.answer, resumed.parsed)
    const stored = await eventsOf(slowA, next.id)
    assert.deepStrictEqual(resumed.events, stored.slice(3))
    assert.ok(TERMINAL.has(stored[stored.length - 1].type))
    // stream: true on the slow server is live from the first event
    const streamed = await slowA.post(`/sessions/${session}/runs`, { input: input(words(5)), stream: true })
    const parsed = parseSse(streamed.text)
    assertFrames(streamed, parsed)
    const runId = (streamed.headers.get("content-location") ?? "").replace("/v1/runs/", "")
    assertLog(parsed.frames.map((f) => f.json), runId, session)
  })
})

describe("3. idempotency", () => {
  it("POST /sessions: same key and body → the same answer with Idempotent-Replayed: true; another body → 409", async () => {
    const key = `conf-sess-${Date.now()}`
    const body = { title: "idempotent", metadata: { k: "v" } }
    const first = await A.post("/sessions", body, { headers: { "idempotency-key": key } })
    assert.strictEqual(first.status, 201)
    assert.notStrictEqual(first.headers.get("idempotent-replayed"), "true")
    const second = await A.post("/sessions", body, { headers: { "idempotency-key": key } })
    assert.strictEqual(second.status, 201)
    assert.strictEqual(second.headers.get("idempotent-replayed"), "true")
    assert.deepStrictEqual(second.json, first.json)
    assertError(await A.post("/sessions", { title: "another" }, { headers: { "idempotency-key": key } }), 409, "IDEMPOTENCY_KEY_REUSED")
    // another path with the same key is another request too
    assertError(await A.post("/action_invocations", { action: "slack.channels.list" }, { headers: { "idempotency-key": key } }), 409, "IDEMPOTENCY_KEY_REUSED", "other path")
    const titles = (await A.get("/sessions?limit=100")).json.data.filter((s: any) => s.title === "idempotent")
    assert.strictEqual(titles.length, 1, "one session for the key")
    // the same key in the other workspace is independent
    const other = await B.post("/sessions", body, { headers: { "idempotency-key": key } })
    assert.strictEqual(other.status, 201)
    assert.notStrictEqual(other.headers.get("idempotent-replayed"), "true")
    assert.notStrictEqual(other.json.id, first.json.id)
    const otherDifferent = await B.post("/sessions", body, { headers: { "idempotency-key": `${key}-b` } })
    assert.strictEqual(otherDifferent.status, 201)
  })

  it("concurrent requests with one key give one session", async () => {
    const key = `conf-concurrent-${Date.now()}`
    const answers = await Promise.all(Array.from({ length: 5 }, () => A.post("/sessions", { title: "concurrent" }, { headers: { "idempotency-key": key } })))
    for (const answer of answers) assert.strictEqual(answer.status, 201)
    assert.strictEqual(new Set(answers.map((answer) => answer.json.id)).size, 1)
    assert.strictEqual(answers.filter((answer) => answer.headers.get("idempotent-replayed") === "true").length, 4)
  })

  it("runs in the three modes, invocations and cancel replay; stream: true streams the same run from its first event", async () => {
    const sessionId = await newSession(A)
    const path = `/sessions/${sessionId}/runs`
    const stamp = Date.now()
    for (const [mode, extra, status] of [["queued", {}, 202], ["wait", { wait: true }, 200]] as const) {
      const key = `conf-run-${mode}-${stamp}`
      const body = { input: input(`idempotent ${mode}`), ...extra }
      const first = await A.post(path, body, { headers: { "idempotency-key": key } })
      assert.strictEqual(first.status, status)
      const second = await A.post(path, body, { headers: { "idempotency-key": key } })
      assert.strictEqual(second.status, status, mode)
      assert.strictEqual(second.headers.get("idempotent-replayed"), "true", mode)
      assert.deepStrictEqual(second.json, first.json, `${mode}: the first answer again`)
      assertError(await A.post(path, { ...body, metadata: { x: "y" } }, { headers: { "idempotency-key": key } }), 409, "IDEMPOTENCY_KEY_REUSED", mode)
    }
    const key = `conf-run-stream-${stamp}`
    const body = { input: input("idempotent stream"), stream: true }
    const first = await A.post(path, body, { headers: { "idempotency-key": key } })
    const second = await A.post(path, body, { headers: { "idempotency-key": key } })
    assert.strictEqual(second.status, 200)
    assert.strictEqual(second.headers.get("idempotent-replayed"), "true")
    assert.match(second.headers.get("content-type") ?? "", /^text\/event-stream/)
    assert.strictEqual(second.headers.get("content-location"), first.headers.get("content-location"))
    const replayed = parseSse(second.text)
    assertFrames(second, replayed)
    assert.deepStrictEqual(replayed.frames.map((f) => f.json), parseSse(first.text).frames.map((f) => f.json), "the same run from its first event")
    const runs = (await A.get(`${path}?limit=100`)).json.data
    assert.strictEqual(runs.length, 3, "one run per key")

    // invocations
    const invKey = `conf-inv-${stamp}`
    const inv1 = await A.post("/action_invocations", { action: "slack.channels.list", input: {} }, { headers: { "idempotency-key": invKey } })
    const inv2 = await A.post("/action_invocations", { action: "slack.channels.list", input: {} }, { headers: { "idempotency-key": invKey } })
    assert.strictEqual(inv2.status, 200)
    assert.strictEqual(inv2.headers.get("idempotent-replayed"), "true")
    assert.deepStrictEqual(inv2.json, inv1.json)
    assert.strictEqual((await A.get("/action_invocations?limit=100")).json.data.filter((r: any) => r.id === inv1.json.id).length, 1)

    // cancel (a POST too)
    const queued = (await slowA.post(`/sessions/${await newSession(slowA)}/runs`, { input: input(LONG) })).json
    const cancelKey = `conf-cancel-${stamp}`
    const c1 = await slowA.post(`/runs/${queued.id}/cancel`, undefined, { headers: { "idempotency-key": cancelKey } })
    const c2 = await slowA.post(`/runs/${queued.id}/cancel`, undefined, { headers: { "idempotency-key": cancelKey } })
    assert.strictEqual(c1.status, 200)
    assert.strictEqual(c2.status, 200)
    assert.strictEqual(c2.headers.get("idempotent-replayed"), "true")
    assert.deepStrictEqual(c2.json, c1.json)
  })

  it("in flight: a second request with the key waits for the first; a stream replays the same run from its first event (slow server)", async () => {
    const sessionId = await newSession(slowA)
    const path = `/sessions/${sessionId}/runs`
    const stamp = Date.now()
    const body = { input: input(words(15)), stream: true }
    const streams = await Promise.all([0, 1].map(() => slowA.post(path, body, { headers: { "idempotency-key": `conf-live-stream-${stamp}` } })))
    for (const answer of streams) assert.strictEqual(answer.status, 200)
    assert.strictEqual(streams.filter((answer) => answer.headers.get("idempotent-replayed") === "true").length, 1)
    assert.strictEqual(streams[0]!.headers.get("content-location"), streams[1]!.headers.get("content-location"))
    const runId = (streams[0]!.headers.get("content-location") ?? "").replace("/v1/runs/", "")
    const stored = await eventsOf(slowA, runId)
    assertLog(stored, runId, sessionId)
    for (const answer of streams) assert.deepStrictEqual(parseSse(answer.text).frames.map((f) => f.json), stored)
    // wait: true past the wait limit: the replay is the first answer (202) again
    const waitBody = { input: input(words(15)), wait: true }
    const waits = await Promise.all([0, 1].map(() => slowA.post(path, waitBody, { headers: { "idempotency-key": `conf-live-wait-${stamp}` } })))
    assert.strictEqual(waits[0]!.json.id, waits[1]!.json.id)
    assert.strictEqual(waits[0]!.status, waits[1]!.status)
    assert.strictEqual(waits.filter((answer) => answer.headers.get("idempotent-replayed") === "true").length, 1)
    assert.strictEqual((await slowA.get(`${path}?limit=100`)).json.data.length, 2, "one run per key")
  })

  it("an Idempotency-Key of 1..255 printable characters; others are 400", async () => {
    const ok = await A.post("/sessions", { title: "long key" }, { headers: { "idempotency-key": "k".repeat(255) } })
    assert.strictEqual(ok.status, 201)
    for (const [name, key] of [["256 characters", "k".repeat(256)], ["empty", ""], ["a tab inside", "a\tb"]] as const) {
      assertError(await A.post("/sessions", { title: `bad key ${name}` }, { headers: { "idempotency-key": key } }), 400, "INVALID_REQUEST", name)
    }
    const titles = (await A.get("/sessions?limit=100")).json.data.map((session: any) => session.title)
    assert.ok(!titles.some((title: unknown) => typeof title === "string" && title.startsWith("bad key")), "nothing created under a bad key")
  })
})

describe("8. actions", () => {
  it("GET /actions: the catalog with input_schema", async () => {
    const answer = await A.get("/actions")
    assert.strictEqual(answer.status, 200)
    assert.strictEqual(answer.json.object, "list")
    assert.ok(answer.json.data.length > 0)
    for (const action of answer.json.data) {
      assert.strictEqual(typeof action.id, "string")
      assert.strictEqual(action.object, "action")
      for (const field of ["name", "description", "integration", "provider"]) assert.strictEqual(typeof action[field], "string", field)
      assert.strictEqual(action.read_only, true)
      assert.strictEqual(typeof action.input_schema, "object")
      assert.strictEqual(action.input_schema.type, "object")
    }
    assert.include(answer.json.data.map((a: any) => a.id), "linear.issues.list")
  })

  it("POST /action_invocations: 200 with the invocation, with and without a session", async () => {
    const plain = await A.post("/action_invocations", { action: "linear.issues.list" })
    assert.strictEqual(plain.status, 200, plain.text)
    const inv = plain.json
    assert.match(inv.id, /^act_inv_./)
    assert.strictEqual(inv.object, "action_invocation")
    assert.strictEqual(inv.action, "linear.issues.list")
    assert.strictEqual(inv.status, "succeeded")
    assert.ok("result" in inv)
    assert.notStrictEqual(inv.result, undefined)
    assert.strictEqual(inv.error, undefined)
    assert.strictEqual(inv.session_id, null)
    assert.strictEqual(inv.connection_id, null)
    assert.ok(Number.isInteger(inv.duration_ms) && inv.duration_ms >= 0)
    assertTimestamp(inv.created_at, "invocation.created_at")
    const sessionId = await newSession(A)
    const withSession = await A.post("/action_invocations", { action: "linear.issues.list", input: { state: "open" }, session_id: sessionId, connection_id: "conn_1" })
    assert.strictEqual(withSession.status, 200, withSession.text)
    assert.strictEqual(withSession.json.session_id, sessionId)
    assert.strictEqual(withSession.json.connection_id, "conn_1")
    assert.strictEqual(withSession.json.status, "succeeded")
  })

  it("400 for input not matching input_schema or a bad body; 404 ACTION_NOT_FOUND; 403 PERMISSION_DENIED", async () => {
    for (
      const [name, body] of [
        ["limit a string", { action: "linear.issues.list", input: { limit: "x" } }],
        ["limit over the maximum", { action: "linear.issues.list", input: { limit: 1000 } }],
        ["state not in the enum", { action: "linear.issues.list", input: { state: "maybe" } }],
        ["unknown property", { action: "linear.issues.list", input: { nope: 1 } }],
        ["required missing", { action: "linear.issues.get", input: {} }],
        ["input an array", { action: "linear.issues.list", input: [] }],
        ["input a string", { action: "linear.issues.list", input: "x" }],
        ["action missing", { input: {} }],
        ["action a number", { action: 1 }],
        ["session_id a number", { action: "linear.issues.list", session_id: 5 }]
      ] as const
    ) {
      assertError(await A.post("/action_invocations", body), 400, "INVALID_REQUEST", name)
    }
    assertError(await A.post("/action_invocations", { action: "nope.nothing" }), 404, "ACTION_NOT_FOUND")
    assertError(await B.post("/action_invocations", { action: DENIED, input: {} }), 403, "PERMISSION_DENIED")
    assertError(await A.post("/action_invocations", { action: "linear.issues.list", session_id: "sess_000000000000000000000000" }), 404, "NOT_FOUND")
    // the grant is per workspace: alpha may use it
    const allowed = await A.post("/action_invocations", { action: DENIED, input: { time_min: "2026-03-01T00:00:00Z", time_max: "2026-03-31T00:00:00Z" } })
    assert.strictEqual(allowed.status, 200, allowed.text)
  })

  it("every catalog action: inputs its input_schema accepts are 200, inputs it refuses are 400", async () => {
    const catalog = (await A.get("/actions")).json.data as Array<any>
    let checks = 0
    for (const action of catalog) {
      const schema = action.input_schema
      const resolve = (property: any): any => {
        if (typeof property?.$ref !== "string") return property
        const name = property.$ref.replace(/^#\/\$defs\//, "")
        const { $ref: _, ...rest } = property
        return { ...schema.$defs?.[name], ...rest }
      }
      const properties: Record<string, any> = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [name, resolve(property)])
      )
      const required: Array<string> = schema.required ?? []
      const sample = (property: any): unknown => {
        if (Array.isArray(property.enum)) return property.enum[0]
        if (property.type === "string") return "x".repeat(Math.max(1, property.minLength ?? 1))
        if (property.type === "integer" || property.type === "number") return property.minimum ?? 1
        if (property.type === "boolean") return true
        return undefined
      }
      const full: Record<string, unknown> = {}
      for (const [name, property] of Object.entries(properties)) {
        const value = sample(property)
        if (value !== undefined) full[name] = value
      }
      const minimal = Object.fromEntries(required.map((name) => [name, full[name]]))
      for (const [what, value] of [["every property", full], ["the required properties", minimal]] as const) {
        const answer = await A.post("/action_invocations", { action: action.id, input: value })
        assert.strictEqual(answer.status, 200, `${action.id} with ${what} ${JSON.stringify(value)}: ${answer.text}`)
        assert.include(["succeeded", "failed"], answer.json.status)
        checks++
      }
      const refused: Array<[string, Record<string, unknown>]> = []
      for (const name of required) {
        const { [name]: _, ...rest } = minimal
        refused.push([`without ${name}`, rest])
      }
      if (schema.additionalProperties === false) refused.push(["an unknown property", { ...minimal, zz_unknown: "x" }])
      for (const [name, property] of Object.entries(properties)) {
        const wrong = (value: unknown, why: string) => refused.push([`${name} ${why}`, { ...minimal, [name]: value }])
        if (property.type === "string") wrong(12345, "a number")
        if (property.type === "integer" || property.type === "number") wrong("1", "a string")
        if (property.type === "integer") wrong(1.5, "not an integer")
        if (Array.isArray(property.enum)) wrong("zz-not-in-enum", "outside the enum")
        if (typeof property.minimum === "number") wrong(property.minimum - 1, "below the minimum")
        if (typeof property.maximum === "number") wrong(property.maximum + 1, "above the maximum")
        if (typeof property.minLength === "number" && property.minLength > 0) wrong("", "shorter than minLength")
        wrong(null, "null")
        wrong({ nested: "x" }, "an object")
      }
      for (const [why, value] of refused) {
        assertError(await A.post("/action_invocations", { action: action.id, input: value }), 400, "INVALID_REQUEST", `${action.id}: ${why}`)
        checks++
      }
    }
    assert.ok(checks > 20, `${checks} checks`)
  })

  it("a provider failure is 200 with status failed and error, and is recorded", async () => {
    const answer = await A.post("/action_invocations", { action: "slack.messages.search", input: { query: "[fail]" } })
    assert.strictEqual(answer.status, 200)
    assert.strictEqual(answer.json.status, "failed")
    assert.strictEqual(typeof answer.json.error, "string")
    const record = await A.get(`/action_invocations/${answer.json.id}`)
    assert.strictEqual(record.status, 200)
    assert.strictEqual(record.json.status, "failed")
  })

  it("the audit trail: list (newest first, paginated) and get, with input_keys and never the values", async () => {
    const secret = "zq-secret-value-7391"
    const ids: Array<string> = []
    for (let i = 0; i < 4; i++) {
      const answer = await A.post("/action_invocations", { action: "linear.issues.list", input: { team: secret, state: "open" } })
      assert.strictEqual(answer.status, 200)
        ids.push(answer.json.id)
    }
    const record = await A.get(`/action_invocations/${ids[0]}`)
    assert.strictEqual(record.status, 200)
    assert.strictEqual(record.json.id, ids[0])
    assert.strictEqual(record.json.object, "action_invocation")
    assert.deepStrictEqual([...record.json.input_keys].sort(), ["state", "team"])
    assert.ok(!record.text.includes(secret), "the audit record never holds an input value")
    const newestFirst = [...ids].reverse()
    const page = await A.get("/action_invocations?limit=4")
    assert.strictEqual(page.json.object, "list")
    assert.deepStrictEqual(page.json.data.map((r: any) => r.id), newestFirst)
    assert.strictEqual(page.json.has_more, true)
    for (const item of page.json.data) {
      assert.ok(Array.isArray(item.input_keys))
      assert.ok(!JSON.stringify(item).includes(secret))
    }
    const after = await A.get(`/action_invocations?limit=2&starting_after=${newestFirst[1]}`)
    assert.deepStrictEqual(after.json.data.map((r: any) => r.id), newestFirst.slice(2, 4))
    const walked = await pagesOf(A, "/action_invocations", 3)
    assert.deepStrictEqual(walked.filter((id) => ids.includes(id)), newestFirst)
    assert.strictEqual(new Set(walked).size, walked.length)
    const def = await A.get("/action_invocations")
    assert.ok(def.json.data.length <= 20)
    if (walked.length > 20) assert.strictEqual(def.json.data.length, 20, "default limit 20")
    for (const limit of ["0", "101", "x"]) {
      assertError(await A.get(`/action_invocations?limit=${limit}`), 400, "INVALID_REQUEST", `limit=${limit}`)
    }
    assertError(await A.get("/action_invocations/act_inv_000000000000000000000000"), 404, "NOT_FOUND")
  })
})

describe("1/4-8. another workspace's ids are answered like ids that do not exist", () => {
  it("every endpoint answers 404 NOT_FOUND to bravo for alpha's session, run and invocation; lists show only one's own", async () => {
    const sessionId = await newSession(A, { title: "alpha only" })
    const run = await runWait(A, sessionId, "alpha's question")
    const queued = (await A.post(`/sessions/${sessionId}/runs`, { input: input("alpha's second") })).json
    const invocation = (await A.post("/action_invocations", { action: "slack.channels.list", session_id: sessionId })).json
    const runs = `/sessions/${sessionId}/runs`
    const attempts: Array<[string, () => Promise<Answer>]> = [
      ["GET /sessions/{id}", () => B.get(`/sessions/${sessionId}`)],
      ["GET /sessions/{id}/runs", () => B.get(runs)],
      ["POST /sessions/{id}/runs", () => B.post(runs, { input: input("steal") })],
      ["POST /sessions/{id}/runs wait", () => B.post(runs, { input: input("steal"), wait: true })],
      ["POST /sessions/{id}/runs stream", () => B.post(runs, { input: input("steal"), stream: true })],
      ["GET /runs/{id}", () => B.get(`/runs/${run.id}`)],
      ["POST /runs/{id}/cancel (completed)", () => B.post(`/runs/${run.id}/cancel`)],
      ["POST /runs/{id}/cancel (queued or done)", () => B.post(`/runs/${queued.id}/cancel`)],
      ["GET /runs/{id}/events JSON", () => B.get(`/runs/${run.id}/events`)],
      ["GET /runs/{id}/events SSE", () => B.get(`/runs/${run.id}/events`, { headers: SSE })],
      ["GET /runs/{id}/events?stream=true", () => B.get(`/runs/${run.id}/events?stream=true`)],
      ["GET /action_invocations/{id}", () => B.get(`/action_invocations/${invocation.id}`)],
      ["POST /action_invocations with session_id", () => B.post("/action_invocations", { action: "slack.channels.list", session_id: sessionId })]
    ]
    for (const [name, attempt] of attempts) assertError(await attempt(), 404, "NOT_FOUND", name)
    // the same answer as an id that does not exist at all
    const missing = await B.get("/runs/run_000000000000000000000000")
    const foreign = await B.get(`/runs/${run.id}`)
    assert.strictEqual(foreign.status, missing.status)
    assert.strictEqual(foreign.json.code, missing.json.code)
    // pagination cursors of the other workspace are not a way in either
    const cursor = await B.get(`/sessions?starting_after=${sessionId}`)
    assert.ok(cursor.status === 400 || cursor.status === 404 || (cursor.status === 200 && cursor.json.data.every((s: any) => s.title !== "alpha only")))
    // lists show only the workspace's own objects
    const bSessions = await pagesOf(B, "/sessions", 100)
    const aSessions = await pagesOf(A, "/sessions", 100)
    assert.ok(aSessions.includes(sessionId))
    assert.ok(!bSessions.includes(sessionId))
    assert.strictEqual(bSessions.filter((id) => aSessions.includes(id)).length, 0)
    const bInvocations = await pagesOf(B, "/action_invocations", 100)
    assert.ok(!bInvocations.includes(invocation.id))
    const aInvocations = await pagesOf(A, "/action_invocations", 100)
    assert.strictEqual(bInvocations.filter((id) => aInvocations.includes(id)).length, 0)
    // and nothing of alpha's changed
    assert.strictEqual((await A.get(`/runs/${run.id}`)).json.status, "completed")
    assert.notStrictEqual((await A.get(`/runs/${queued.id}`)).json.status, "cancelled")
    assert.strictEqual((await A.get(`${runs}?limit=100`)).json.data.length, 2)
    assert.strictEqual((await A.get(`/sessions/${sessionId}`)).json.messages.filter((m: any) => m.content === "steal").length, 0)
    // bravo's own objects work, and alpha cannot see them
    const bSession = await newSession(B, { title: "bravo" })
    const bRun = await runWait(B, bSession, "bravo's question")
    assertError(await A.get(`/sessions/${bSession}`), 404, "NOT_FOUND")
    assertError(await A.get(`/runs/${bRun.id}`), 404, "NOT_FOUND")
    assertError(await A.get(`/runs/${bRun.id}/events`), 404, "NOT_FOUND")
  })
})

describe("every answer", () => {
  it("carried an x-request-id", () => {
    assert.ok(answered.length > 100, `${answered.length} answers checked`)
    const without = answered.filter((a) => a.requestId === null || a.requestId === "")
    assert.deepStrictEqual(without.map((a) => a.what), [])
  })
})
