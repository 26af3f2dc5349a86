import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import { ActionService, Run, RunEvent, RunService, SessionService } from "../../src/index.js"
import { LocalPlatform } from "../../src/local/index.js"
import { keys, policy } from "./helpers.js"

const InProcess = LocalPlatform.layerClientInProcess({ keys, policy, faults: { cutStreamAfter: 5, cutMode: "mixed" } }).pipe(Layer.orDie)

describe("the socket-free layer: requests go straight to the server's handler", () => {
  it.scopedLive("sessions, runs in three modes with cut streams, actions", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const actions = yield* ActionService.ActionService
      const session = yield* sessions.create({ title: "in process" })
      const queued = yield* runs.create(session.id, "first")
      assert.strictEqual(queued.status, "queued")
      const waited = yield* runs.createAndWait(session.id, "second")
      assert.include(Run.outputText(waited), "second")
      const events = Chunk.toArray(yield* Stream.runCollect(runs.stream(session.id, "third with slack.channels.list")))
      assert.deepStrictEqual(events.map((e) => e.sequence_number), events.map((_, i) => i + 1))
      const summary = RunEvent.summarize(events)
      assert.strictEqual(summary.toolCalls[0]!.status, "completed")
      assert.strictEqual(summary.text, Run.outputText(yield* runs.get(summary.runId!)))
      const invocation = yield* actions.invoke("google.calendar.events.list", { limit: 1 })
      assert.strictEqual((invocation.result as any).events.length, 1)
      const local = yield* LocalPlatform.LocalPlatform
      assert.isAbove(yield* local.faults.cuts, 3)
    }).pipe(Effect.provide(InProcess)))
})
