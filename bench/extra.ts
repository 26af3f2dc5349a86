/**
 * The benchmarks that need more than the canned server: the `openai` package's SSE decoder on the same bytes,
 * and the local platform (concurrency, runs and events per second).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Either, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { AgentPlatform, RunService, SessionService } from "../src/index.js"

/** Drives openai's `Stream.fromSSEResponse` over a fetch response, if the package is installed. */
export const openaiDecoder = async (): Promise<((url: string, key: string) => Promise<number>) | undefined> => {
  let module: { Stream: { fromSSEResponse: (response: Response, controller: AbortController) => AsyncIterable<unknown> } }
  try {
    module = await import("openai/streaming" as string) as typeof module
  } catch {
    return undefined
  }
  return async (url, key) => {
    const controller = new AbortController()
    const response = await fetch(url, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${key}` },
      signal: controller.signal
    })
    let count = 0
    for await (const _ of module.Stream.fromSSEResponse(response, controller)) count++
    return count
  }
}

export interface Tools {
  readonly selected: (name: string) => boolean
  readonly alternate: (client: () => Promise<number>, baseline: () => Promise<number>) => Promise<{ client: number; baseline: number }>
  readonly baselineEvents: (url: string, init?: RequestInit) => Promise<number>
  readonly round: (n: number, digits?: number) => number
  readonly median: (values: ReadonlyArray<number>) => number
}

/** Starts bench/platform.ts in a child process and waits for its address. */
const startPlatform = async () => {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./platform.ts", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve)
    child.once("exit", (code) => reject(new Error(`the benchmark platform exited with ${code}`)))
  })
  const { baseUrl, apiKey } = JSON.parse(first) as { baseUrl: string; apiKey: string }
  return {
    baseUrl,
    apiKey,
    stop: () => new Promise<void>((resolve) => {
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  }
}

export const platformBenchmarks = async (
  results: Record<string, Record<string, number | string | boolean>>,
  table: Array<[string, string, string, string, string]>,
  tools: Tools
): Promise<void> => {
  if (!tools.selected("concurrency") && !tools.selected("local_platform")) return
  const platform = await startPlatform()
  const runtime = ManagedRuntime.make(
    AgentPlatform.layer({ apiKey: Redacted.make(platform.apiKey), baseUrl: platform.baseUrl }).pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.orDie
    )
  )
  try {
    const { runs, sessions } = await runtime.runPromise(Effect.all({
      runs: RunService.RunService,
      sessions: SessionService.SessionService
    }))

    // local_platform: wait: true runs per second, 20 sessions at a time, 10 runs each in order (runs of one
    // session execute one at a time)
    const sessionCount = 20
    const perSession = 10
    const started = performance.now()
    const created = await runtime.runPromise(Effect.forEach(Array.from({ length: sessionCount }), () =>
      Effect.flatMap(sessions.create({ title: "bench" }), (session) =>
        Effect.forEach(Array.from({ length: perSession }), () => runs.createAndWait(session.id, "benchmark"))), {
      concurrency: sessionCount
    }))
    const seconds = (performance.now() - started) / 1000
    const runIds = created.flat().map((run) => run.id)
    const eventsPerRun = (await runtime.runPromise(runs.eventsPage(runIds[0]!, { limit: 1000 }))).data.length
    if (tools.selected("local_platform")) {
      const runsPerS = runIds.length / seconds
      results.local_platform = {
        runs_per_s: tools.round(runsPerS, 1),
        events_per_s: tools.round(runsPerS * eventsPerRun, 0),
        runs: runIds.length,
        events_per_run: eventsPerRun
      }
      table.push(["local_platform", `${tools.round(runsPerS, 1)} runs/s`, `${tools.round(runsPerS * eventsPerRun, 0)} events/s`, "—", "report"])
    }

    if (tools.selected("concurrency")) {
      // 1 000 runs to stream: more of the same, 50 sessions at a time
      const more = await runtime.runPromise(Effect.forEach(Array.from({ length: 50 }), () =>
        Effect.flatMap(sessions.create({ title: "bench" }), (session) =>
          Effect.forEach(Array.from({ length: 20 }), () => runs.create(session.id, "benchmark"))), {
        concurrency: 50
      }))
      const streamIds = more.flat().map((run) => run.id)
      // wait until every one of them has ended
      await runtime.runPromise(Effect.forEach(streamIds, (id) => Stream.runDrain(runs.events(id)), { concurrency: 50, discard: true }))
      const total = streamIds.length * eventsPerRun
      let clientErrors = 0
      let baselineErrors = 0
      const client = async () => {
        const t = performance.now()
        const counts = await runtime.runPromise(Effect.forEach(streamIds, (id) => Effect.either(Stream.runCount(runs.events(id))), {
          concurrency: "unbounded"
        }))
        let events = 0
        for (const count of counts) {
          if (Either.isLeft(count) || count.right !== eventsPerRun) clientErrors++
          else events += count.right
        }
        return events / ((performance.now() - t) / 1000)
      }
      const baseline = async () => {
        const t = performance.now()
        const counts = await Promise.allSettled(streamIds.map((id) =>
          tools.baselineEvents(`${platform.baseUrl}/runs/${id}/events?starting_after=0`, {
            headers: { authorization: `Bearer ${platform.apiKey}` }
          })))
        let events = 0
        for (const count of counts) {
          if (count.status === "rejected" || count.value !== eventsPerRun) baselineErrors++
          else events += count.value
        }
        return events / ((performance.now() - t) / 1000)
      }
      const m = await tools.alternate(client, baseline)
      results.concurrency = {
        errors: clientErrors,
        ratio: tools.round(m.client / m.baseline),
        streams: streamIds.length,
        events_per_stream: eventsPerRun,
        events_per_round: total,
        client_events_per_s: tools.round(m.client, 0),
        baseline_events_per_s: tools.round(m.baseline, 0),
        baseline_errors: baselineErrors
      }
      table.push(["concurrency (1000×" + eventsPerRun + ")", `${tools.round(m.client, 0)} events/s`, `${tools.round(m.baseline, 0)} events/s`, `${tools.round(m.client / m.baseline)}`, "≥ 0.5, 0 errors"])
    }
  } finally {
    await runtime.dispose()
    await platform.stop()
  }
}
