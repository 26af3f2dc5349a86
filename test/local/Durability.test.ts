import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Run, RunEvent, RunService, SessionService } from "../../src/index.js"
import { blockingModel, platform } from "./helpers.js"

describe("durability: a file database across a restart", () => {
  it.scopedLive("stop, start: sessions, runs and events are there, a resume works, a running run ends INTERRUPTED", () =>
    Effect.gen(function*() {
      const folder = mkdtempSync(join(tmpdir(), "agent-platform-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(folder, { recursive: true, force: true })))
      const database = join(folder, "local.db")

      const before = yield* Effect.gen(function*() {
        const sessions = yield* SessionService.SessionService
        const runs = yield* RunService.RunService
        const session = yield* sessions.create({ title: "durable" })
        const done = yield* runs.createAndWait(session.id, "remember linear.issues.list")
        const events = yield* runs.eventsPage(done.id, { limit: 1000 })
        const running = yield* runs.create(session.id, "[block] still running at the stop")
        // it is running: its first events are there
        const seen = Chunk.toArray(yield* Stream.runCollect(Stream.take(runs.events(running.id), 3)))
        assert.strictEqual(seen[1]!.type, "run.started")
        const queued = yield* runs.create(session.id, "queued at the stop")
        return { session, done, events: events.data, running, queued }
      }).pipe(Effect.provide(platform({ database, model: blockingModel })))

      yield* Effect.gen(function*() {
        const sessions = yield* SessionService.SessionService
        const runs = yield* RunService.RunService
        const transcript = yield* sessions.get(before.session.id)
        assert.strictEqual(transcript.session.title, "durable")
        assert.strictEqual(transcript.messages[0]!.content, "remember linear.issues.list")
        const done = yield* runs.get(before.done.id)
        assert.deepStrictEqual(done, before.done)
        const events = yield* runs.eventsPage(before.done.id, { limit: 1000 })
        assert.deepStrictEqual(events.data, before.events)
        // a resume after the restart
        const rest = Chunk.toArray(yield* Stream.runCollect(runs.events(before.done.id, { startingAfter: 4 })))
        assert.deepStrictEqual(rest, before.events.slice(4))
        assert.strictEqual(RunEvent.summarize([...before.events.slice(0, 4), ...rest]).text, Run.outputText(done))

        // the run that was running is ended, never left half-done
        const interrupted = yield* runs.get(before.running.id)
        assert.strictEqual(interrupted.status, "failed")
        assert.strictEqual(interrupted.error?.code, "INTERRUPTED")
        const tail = Chunk.toArray(yield* Stream.runCollect(runs.events(before.running.id, { startingAfter: 2 })))
        const last = tail[tail.length - 1]!
        assert.strictEqual(last._tag, "RunFailed")
        if (last._tag === "RunFailed") assert.strictEqual(last.data.code, "INTERRUPTED")
        // the queued one goes on after the restart
        const followed = Chunk.toArray(yield* Stream.runCollect(runs.events(before.queued.id)))
        assert.strictEqual(RunEvent.summarize(followed).status, "completed")
      }).pipe(Effect.provide(platform({ database })))
    }))
})
