/**
 * A minimal loopback server that serves canned bytes, so that what the benchmarks measure is the client, not
 * the server. Event streams are generated on the fly (a 1 000 000-event stream is never held in memory).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

const T = "2026-03-14T20:00:00Z"

export const runJson = JSON.stringify({
  id: "run_1",
  object: "run",
  session_id: "sess_1",
  status: "completed",
  source: "api",
  created_at: T,
  updated_at: T,
  completed_at: T,
  output: [{
    type: "message",
    role: "assistant",
    content: [{ type: "output_text", text: "There are 4 open Linear issues: two bugs, one chore and a feature request." }]
  }],
  tool_calls: [
    {
      id: "tc_1",
      name: "linear.issues.list",
      status: "completed",
      arguments: { state: "open", limit: 10 },
      result_preview: { count: 4, titles: ["Crash on login", "Slow search", "Update deps", "Dark mode"] },
      created_at: T,
      updated_at: T
    },
    { id: "tc_2", name: "slack.messages.search", status: "failed", arguments: { query: "outage" }, error: "timeout", created_at: T, updated_at: T }
  ],
  metadata: { ticket: "42" }
})

/** The SSE frame of event `n` of a run of `total` events: created, started, deltas, completed. */
export const frame = (n: number, total: number): string => {
  const type = n === 1 ? "run.created" : n === 2 ? "run.started" : n === total ? "run.completed" : "message.output.delta"
  const data = n === 1
    ? { status: "queued" }
    : n === 2
    ? { status: "running" }
    : n === total
    ? { status: "completed" }
    : { delta: `word${n % 97} ` }
  const event = { id: `evt_${n}`, type, run_id: "run_1", session_id: "sess_1", sequence_number: n, created_at: T, data }
  return `id: ${n}\nevent: ${type}\ndata: ${JSON.stringify(event)}\n\n`
}

/** The whole body of a stream of `total` events, in chunks of about 64 KiB. */
const writeEvents = (res: import("node:http").ServerResponse, after: number, total: number) => {
  let n = after + 1
  const pump = () => {
    while (n <= total) {
      let chunk = ""
      while (n <= total && chunk.length < 65536) chunk += frame(n++, total)
      if (!res.write(chunk)) {
        res.once("drain", pump)
        return
      }
    }
    res.end()
  }
  pump()
}

export interface Canned {
  readonly baseUrl: string
  readonly close: () => Promise<void>
}

export const start = (): Promise<Canned> =>
  new Promise((resolve) => {
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost")
      if (req.method === "GET" && url.pathname === "/v1/runs/run_1") {
        res.writeHead(200, { "content-type": "application/json", "x-request-id": "req_1" })
        res.end(runJson)
        return
      }
      const events = /^\/v1\/runs\/run_(\d+)\/events$/.exec(url.pathname)
      if (req.method === "GET" && events) {
        // the run id names the stream's length: run_200000 has 200 000 events
        const total = Number(events[1])
        const after = Number(url.searchParams.get("starting_after") ?? "0")
        res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_2" })
        writeEvents(res, after, total)
        return
      }
      if (req.method === "POST" && url.pathname === "/v1/sessions/sess_1/runs") {
        req.resume()
        req.on("end", () => {
          res.writeHead(200, {
            "content-type": "text/event-stream",
            "x-request-id": "req_3",
            "content-location": "/v1/runs/run_1"
          })
          writeEvents(res, 0, 5)
        })
        return
      }
      res.writeHead(404, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: "not found", code: "NOT_FOUND" }))
    })
    server.keepAliveTimeout = 60_000
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        close: () => new Promise((done) => {
          server.closeAllConnections()
          server.close(() => done())
        })
      })
    })
  })
