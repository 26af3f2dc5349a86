import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ActionService, RunService, SessionService } from "../../src/index.js"
import { clientWithKey, count, KEY_B, platform, raw } from "./helpers.js"

describe("workspaces: another workspace's ids are answered like ids that do not exist", () => {
  it.scopedLive("every endpoint answers 404 for the other workspace's session, run and invocation", () =>
    Effect.gen(function*() {
      const sessions = yield* SessionService.SessionService
      const runs = yield* RunService.RunService
      const actions = yield* ActionService.ActionService
      const session = yield* sessions.create({ title: "alpha's" })
      const run = yield* runs.createAndWait(session.id, "alpha's question")
      const invocation = yield* actions.invoke("slack.channels.list", {}, { sessionId: session.id })

      const asBravo = Effect.gen(function*() {
        const sessionsB = yield* SessionService.SessionService
        const runsB = yield* RunService.RunService
        const actionsB = yield* ActionService.ActionService
        const attempts = {
          "GET /sessions/{id}": sessionsB.get(session.id),
          "POST /sessions/{id}/runs": runsB.create(session.id, "steal"),
          "POST /sessions/{id}/runs wait": runsB.createAndWait(session.id, "steal"),
          "POST /sessions/{id}/runs stream": Stream.runDrain(runsB.stream(session.id, "steal")),
          "GET /sessions/{id}/runs": runsB.list(session.id),
          "GET /runs/{id}": runsB.get(run.id),
          "POST /runs/{id}/cancel": runsB.cancel(run.id),
          "GET /runs/{id}/events (JSON)": runsB.eventsPage(run.id),
          "GET /runs/{id}/events (SSE)": Stream.runDrain(runsB.events(run.id)),
          "GET /action_invocations/{id}": actionsB.getInvocation(invocation.id),
          "POST /action_invocations with session_id": actionsB.invoke("slack.channels.list", {}, { sessionId: session.id })
        }
        for (const [name, attempt] of Object.entries(attempts)) {
          const error = yield* Effect.flip(attempt as Effect.Effect<unknown, { readonly _tag: string; readonly code?: string }>)
          assert.strictEqual(error._tag, "NotFound", name)
          assert.strictEqual(error.code, "NOT_FOUND", name)
        }
        // lists show only bravo's own
        assert.strictEqual((yield* sessionsB.list()).data.length, 0)
        assert.strictEqual((yield* actionsB.listInvocations()).data.length, 0)
        // and an id that does not exist at all gets the very same answer
        const missing = yield* raw("/runs/run_000000000000000000000000", { key: KEY_B })
        const foreign = yield* raw(`/runs/${run.id}`, { key: KEY_B })
        assert.strictEqual(missing.status, 404)
        assert.strictEqual(foreign.status, 404)
        assert.strictEqual(foreign.json.code, missing.json.code)
      })
      yield* asBravo.pipe(Effect.provide(clientWithKey(KEY_B)))

      // nothing of alpha's changed
      assert.strictEqual((yield* runs.get(run.id)).status, "completed")
      assert.strictEqual(yield* count("runs"), 1)
      assert.strictEqual(yield* count("sessions"), 1)
    }).pipe(Effect.provide(platform())))
})
