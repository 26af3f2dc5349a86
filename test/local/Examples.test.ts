import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as action from "../../examples/action.js"
import * as migration from "../../examples/migration.js"
import * as quickstart from "../../examples/quickstart.js"
import * as stream from "../../examples/stream.js"
import * as wait from "../../examples/wait.js"
import { count, platform } from "./helpers.js"

describe("every example runs against the local platform", () => {
  for (const [name, example] of Object.entries({ action, migration, quickstart, stream, wait })) {
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        yield* example.program
        // each example did something the platform recorded
        const recorded = (yield* count("sessions")) + (yield* count("invocations"))
        assert.isAbove(recorded, 0)
      }).pipe(Effect.provide(platform())))
  }
})
