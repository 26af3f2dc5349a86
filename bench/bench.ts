/**
 * `npm run bench`: the client against the fastest thing a user could write by hand, measured side by side in
 * one run (client and baseline alternate, the median of each is kept), so that ratios survive a noisy machine.
 * Writes bench/results.json and prints a table. Run one benchmark with `npm run bench -- sse_decode`.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { performance } from "node:perf_hooks"
import { AgentPlatform, ApiError, RunService } from "../src/index.js"
import * as canned from "./canned.js"
import * as extra from "./extra.js"

const KEY = "sk_bench"
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const only = new Set(process.argv.slice(2))
const selected = (name: string) => only.size === 0 || only.has(name)

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits))

/** A full collection, when the runtime allows it (`npm run bench` does): each run starts from a clean heap. */
const collect = () => (globalThis as { gc?: () => void }).gc?.()

/**
 * Runs `client` and `baseline` alternately, `rounds` times after one warm-up each; returns their medians. Each
 * run starts after a full collection, so that neither pays for the garbage the other left.
 */
export const alternate = async (
  client: () => Promise<number>,
  baseline: () => Promise<number>,
  rounds = ROUNDS
): Promise<{ client: number; baseline: number }> => {
  await client()
  await baseline()
  const c: Array<number> = []
  const b: Array<number> = []
  for (let i = 0; i < rounds; i++) {
    collect()
    c.push(await client())
    collect()
    b.push(await baseline())
  }
  return { client: median(c), baseline: median(b) }
}

/** A hand-written SSE reader: fetch, split frames on blank lines, JSON.parse each data line. */
export const baselineEvents = async (url: string, init: RequestInit = {}): Promise<number> => {
  const response = await fetch(url, {
    ...init,
    headers: { accept: "text/event-stream", authorization: `Bearer ${KEY}`, ...init.headers }
  })
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  let count = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    let start = 0
    for (;;) {
      const end = buffer.indexOf("\n\n", start)
      if (end < 0) break
      for (const line of buffer.slice(start, end).split("\n")) {
        if (line.startsWith("data: ")) {
          JSON.parse(line.slice(6))
          count++
        }
      }
      start = end + 2
    }
    buffer = buffer.slice(start)
  }
  return count
}

const main = async () => {
  const server = await canned.start()
  const runtime = ManagedRuntime.make(
    AgentPlatform.layer({ apiKey: Redacted.make(KEY), baseUrl: server.baseUrl }).pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.orDie
    )
  )
  const runs = await runtime.runPromise(RunService.RunService)
  const results: Record<string, Record<string, number | string | boolean>> = {}
  const table: Array<[string, string, string, string, string]> = []

  if (selected("json_call")) {
    const calls = 20_000
    const concurrency = 16
    // Both sides run `concurrency` workers taking calls from one counter. (Effect.forEach with a concurrency
    // would fork a fiber per call: about 20 µs each, a cost of the harness that the baseline's loops do not pay.)
    const client = async () => {
      const started = performance.now()
      let next = 0
      const worker: Effect.Effect<void, ApiError.ApiError> = Effect.suspend(() =>
        next++ < calls ? Effect.flatMap(runs.get("run_1"), () => worker) : Effect.void
      )
      await runtime.runPromise(Effect.all(Array.from({ length: concurrency }, () => worker), {
        concurrency: "unbounded",
        discard: true
      }))
      return calls / ((performance.now() - started) / 1000)
    }
    const baseline = async () => {
      const started = performance.now()
      let next = 0
      const worker = async () => {
        while (next++ < calls) {
          const response = await fetch(`${server.baseUrl}/runs/run_1`, {
            headers: { accept: "application/json", authorization: `Bearer ${KEY}` }
          })
          JSON.parse(await response.text())
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
      return calls / ((performance.now() - started) / 1000)
    }
    // the shortest runs of all (about 5 s each): more of them for a steady median
    const m = await alternate(client, baseline, Math.max(ROUNDS, 5))
    results.json_call = { ratio: round(m.client / m.baseline), client_calls_per_s: round(m.client, 0), baseline_calls_per_s: round(m.baseline, 0) }
    table.push(["json_call", `${round(m.client, 0)} calls/s`, `${round(m.baseline, 0)} calls/s`, `${round(m.client / m.baseline)}`, "≥ 0.85"])
  }

  if (selected("sse_decode")) {
    const total = Number(process.env.BENCH_SSE_EVENTS ?? 200_000)
    const url = `${server.baseUrl}/runs/run_${total}/events?starting_after=0`
    const client = async () => {
      const started = performance.now()
      const count = await runtime.runPromise(Stream.runCount(runs.events(`run_${total}`)))
      if (count !== total) throw new Error(`client got ${count} events, expected ${total}`)
      return total / ((performance.now() - started) / 1000)
    }
    const baseline = async () => {
      const started = performance.now()
      const count = await baselineEvents(url)
      if (count !== total) throw new Error(`baseline got ${count} events, expected ${total}`)
      return total / ((performance.now() - started) / 1000)
    }
    const m = await alternate(client, baseline)
    results.sse_decode = { ratio: round(m.client / m.baseline), client_events_per_s: round(m.client, 0), baseline_events_per_s: round(m.baseline, 0) }
    table.push(["sse_decode", `${round(m.client, 0)} events/s`, `${round(m.baseline, 0)} events/s`, `${round(m.client / m.baseline)}`, "≥ 0.5"])

    const openai = await extra.openaiDecoder()
    if (openai === undefined) {
      results.sse_decode.openai_ratio = "not drivable: the openai package is not installed"
    } else {
      const openaiRun = async () => {
        const started = performance.now()
        const count = await openai(url, KEY)
        if (count !== total) throw new Error(`openai got ${count} events, expected ${total}`)
        return total / ((performance.now() - started) / 1000)
      }
      const o = await alternate(client, openaiRun)
      results.sse_decode.openai_ratio = round(o.client / o.baseline)
      results.sse_decode.openai_events_per_s = round(o.baseline, 0)
      table.push(["sse_decode (openai)", `${round(o.client, 0)} events/s`, `${round(o.baseline, 0)} events/s`, `${round(o.client / o.baseline)}`, "≥ 1.0"])
    }
  }

  if (selected("first_event")) {
    const iterations = 300
    const input = { input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }], stream: true }
    // The client's first event as a consumer pulls it (Stream.toPull, the counterpart of the baseline's
    // reader.read()), and as a take(1) / tap / runDrain pipeline (three more stream stages on the consumer's side).
    const firstOf = async (stream: Stream.Stream<unknown, unknown>) => {
      const started = performance.now()
      let first = 0
      await runtime.runPromise(Effect.scoped(Effect.flatMap(
        Stream.toPull(stream),
        (pull) => Effect.map(pull, () => (first = performance.now()))
      )))
      return first - started
    }
    const pulled = () => firstOf(runs.stream("sess_1", "hi", { cancelOnInterrupt: false }))
    const drained = async () => {
      const started = performance.now()
      let first = 0
      await runtime.runPromise(Stream.runDrain(Stream.take(
        Stream.tap(runs.stream("sess_1", "hi", { cancelOnInterrupt: false }), () => Effect.sync(() => (first ||= performance.now()))),
        1
      )))
      return first - started
    }
    // What a consumer's stream machinery costs alone: the first element of a stream that has it already.
    const floor = () => firstOf(Stream.make(1, 2))
    const baseline = async () => {
      const started = performance.now()
      const response = await fetch(`${server.baseUrl}/sessions/sess_1/runs`, {
        method: "POST",
        headers: { accept: "text/event-stream", authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify(input)
      })
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ""
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        const end = buffer.indexOf("\n\n")
        if (end >= 0) {
          JSON.parse(buffer.slice(0, end).split("\n").find((line) => line.startsWith("data: "))!.slice(6))
          break
        }
      }
      const elapsed = performance.now() - started
      await reader.cancel()
      return elapsed
    }
    /** `client` and `baseline` alternately, after a warm-up: the times of each. */
    const paired = async (client: () => Promise<number>) => {
      for (let i = 0; i < 20; i++) {
        await client()
        await baseline()
      }
      const c: Array<number> = []
      const b: Array<number> = []
      for (let i = 0; i < iterations; i++) {
        c.push(await client())
        b.push(await baseline())
      }
      return { c, b }
    }
    const main = await paired(pulled)
    const pipeline = await paired(drained)
    const floors = await paired(floor)
    /** The medians of a pair and their ratio, as a row of the table. */
    const row = (label: string, times: { c: Array<number>; b: Array<number> }, target: string) => {
      const c = median(times.c)
      const b = median(times.b)
      table.push([label, `${round(c)} ms`, `${round(b)} ms`, `${round(c / b)}`, target])
      return { c, b }
    }
    const first = row("first_event p50", main, "≤ 1.2")
    const take = row("  take/tap/runDrain", pipeline, "report")
    const bare = row("  stream floor", floors, "report")
    results.first_event = {
      p50_ms: round(first.c),
      p99_ms: round(percentile(main.c, 99)),
      ratio_p50: round(first.c / first.b),
      baseline_p50_ms: round(first.b),
      baseline_p99_ms: round(percentile(main.b, 99)),
      take_drain_p50_ms: round(take.c),
      take_drain_ratio_p50: round(take.c / take.b),
      stream_floor_p50_ms: round(bare.c),
      stream_floor_ratio_p50: round(bare.c / bare.b)
    }
  }

  if (selected("memory_1m")) {
    const gc = (globalThis as { gc?: () => void }).gc
    if (gc === undefined) throw new Error("run with node --expose-gc (npm run bench does)")
    const total = 1_000_000
    const settle = () => {
      for (let i = 0; i < 3; i++) gc()
      return process.memoryUsage().heapUsed
    }
    // a short stream first, so that lazily built schemas and modules are not counted as growth
    await runtime.runPromise(Stream.runCount(runs.events("run_1000")))
    const before = settle()
    let peak = before
    const started = performance.now()
    const count = await runtime.runPromise(Stream.runCount(Stream.tap(runs.events(`run_${total}`), (event) =>
      event.sequence_number % 100_000 === 0
        ? Effect.sync(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)))
        : Effect.void)))
    const seconds = (performance.now() - started) / 1000
    if (count !== total) throw new Error(`got ${count} events, expected ${total}`)
    const after = settle()
    const growth = (after - before) / (1024 * 1024)
    results.memory_1m = {
      heap_growth_mib: round(growth, 2),
      heap_before_mib: round(before / (1024 * 1024), 1),
      heap_peak_mib: round(peak / (1024 * 1024), 1),
      events_per_s: round(total / seconds, 0)
    }
    table.push(["memory_1m", `${round(growth, 2)} MiB growth`, "—", "—", "< 32 MiB"])
  }

  await extra.platformBenchmarks(results, table, { selected, alternate, baselineEvents, round, median })

  await runtime.dispose()
  await server.close()

  results.machine = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
    memory_gib: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    rounds: ROUNDS,
    date: new Date().toISOString()
  }
  const path = new URL("./results.json", import.meta.url)
  if (only.size === 0) writeFileSync(path, JSON.stringify(results, null, 2) + "\n")
  else writeFileSync(new URL(`./results.${[...only].join("+")}.json`, import.meta.url), JSON.stringify(results, null, 2) + "\n")

  const widths = [22, 22, 22, 8, 10]
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")
  console.log(line(["benchmark", "client", "baseline", "ratio", "target"]))
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"))
  for (const row of table) console.log(line(row))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
