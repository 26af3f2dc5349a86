import { Layer, Redacted } from "effect"
import { AgentPlatform, type ClientPolicy, TestHttpClient } from "../src/index.js"

export const API_KEY = "sk_live_TOPSECRET_1234567890"
export const BASE_URL = "https://ap.test/v1"

/** The whole client over a scripted HttpClient, with the record of requests. */
export const testLayer = (handler: TestHttpClient.Handler, policy?: ClientPolicy.PolicyOverrides) =>
  AgentPlatform.layer({ apiKey: Redacted.make(API_KEY), baseUrl: BASE_URL, policy }).pipe(
    Layer.provideMerge(TestHttpClient.layer(handler)),
    Layer.orDie
  )

export const T0 = "2026-03-14T20:00:00Z"

export const session = (id = "sess_1") => ({
  id,
  object: "session",
  status: "active",
  title: "t",
  metadata: {},
  created_at: T0,
  updated_at: T0
})

export const run = (status: string, extra: Record<string, unknown> = {}, id = "run_1") => ({
  id,
  object: "run",
  session_id: "sess_1",
  status,
  source: "api",
  created_at: T0,
  updated_at: T0,
  output: [],
  tool_calls: [],
  metadata: {},
  ...extra
})

export const event = (seq: number, type: string, data: Record<string, unknown> = {}, runId = "run_1") => ({
  id: `evt_${seq}`,
  type,
  run_id: runId,
  session_id: "sess_1",
  sequence_number: seq,
  created_at: T0,
  data
})

/** A complete run's events: created, started, deltas, completed message, completed. */
export const completedRun = (text = "Hello there, world", runId = "run_1") => {
  const words = text.split(/(?<= )/)
  const events: Array<ReturnType<typeof event>> = [
    event(1, "run.created", { status: "queued" }, runId),
    event(2, "run.started", { status: "running" }, runId)
  ]
  for (const word of words) events.push(event(events.length + 1, "message.output.delta", { delta: word }, runId))
  events.push(event(events.length + 1, "message.output.completed", { text }, runId))
  events.push(event(events.length + 1, "run.completed", { status: "completed" }, runId))
  return events
}

export const startingAfterOf = (request: TestHttpClient.RecordedRequest) =>
  Number(request.url.searchParams.get("starting_after"))
