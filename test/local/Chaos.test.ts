import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { Run, RunEvent, RunService, SessionService } from "../../src/index.js"
import { LocalPlatform } from "../../src/local/index.js"
import { count, platform } from "./helpers.js"

const SESSIONS = 10
const RUNS_PER_SESSION = 20

const promptOf = (session: number, turn: number) =>
  turn === 13
    ? `turn ${turn} of ${session}: [fail] on purpose`
    : turn % 10 === 3
    ? `turn ${turn} of ${session}: what does linear.issues.list team=ENG say?`
    : turn % 10 === 7
    ? `turn ${turn} of ${session}: search slack.messages.search "refund"`
    : `turn ${turn} of ${session}: tell me something`

describe("chaos: streams cut at random points", () => {
  it.scopedLive(`${SESSIONS * RUNS_PER_SESSION} streamed runs with random cuts deliver every event once, in order, and the folded text is the stored output`, () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const local = yield* LocalPlatform.LocalPlatform
      const started = Date.now()
      let events = 0
      const outcomes = yield* Effect.forEach(
        Array.from({ length: SESSIONS }, (_, i) => i),
        (s) =>
          Effect.gen(function*() {
            const session = yield* sessions.create({ title: `chaos ${s}` })
            const statuses: Array<string> = []
            for (let turn = 0; turn < RUNS_PER_SESSION; turn++) {
              const received = Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, promptOf(s, turn))))
              events += received.length
              // exactly once and in order: 1, 2, 3, … with one terminal event, the last
              assert.deepStrictEqual(received.map((e) => e.sequence_number), received.map((_, i) => i + 1))
              assert.strictEqual(received.filter(RunEvent.isTerminal).length, 1)
              assert.isTrue(RunEvent.isTerminal(received[received.length - 1]!))
              const summary = RunEvent.summarize(received)
              const stored = yield* runs.get(summary.runId!)
              assert.strictEqual(summary.text, Run.outputText(stored))
              assert.strictEqual(summary.status, stored.status)
              // what the stream delivered is what the store holds
              const page = yield* runs.eventsPage(stored.id, { limit: 1000 })
              assert.strictEqual(page.data.length, received.length)
              statuses.push(stored.status)
            }
            return statuses
          }),
        { concurrency: SESSIONS }
      )
      const cuts = yield* local.faults.cuts
      const resets = yield* local.faults.resets
      const all = outcomes.flat()
      console.log(
        `chaos: ${all.length} streams, ${events} events, ${cuts} cuts (${resets} of them connection resets), ${Date.now() - started} ms; ` +
          `${all.filter((s) => s === "completed").length} completed, ${all.filter((s) => s === "failed").length} failed`
      )
      assert.strictEqual(all.length, SESSIONS * RUNS_PER_SESSION)
      assert.strictEqual(all.filter((s) => s === "failed").length, SESSIONS)
      assert.isAbove(cuts, all.length)
      assert.isAbove(resets, 0)
      assert.isBelow(resets, cuts)
      assert.strictEqual(yield* count("runs"), SESSIONS * RUNS_PER_SESSION)
    }).pipe(Effect.provide(platform({ faults: { cutProbability: 0.05, cutMode: "mixed", seed: 7 } }))), { timeout: 60_000 })
})
