import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { RunService, TestHttpClient } from "../src/index.js"
import { completedRun, testLayer } from "./helpers.js"

describe("smoke", () => {
  it.effect("stream with a cut", () =>
    Effect.gen(function*() {
      const events = completedRun("a b c d")
      const runs = yield* RunService.RunService
      const got = yield* Stream.runCollect(runs.stream("sess_1", "hi"))
      const requests = yield* (yield* TestHttpClient.TestHttpClient).requests
      console.log(requests.map((r) => `${r.method} ${r.url}`))
      assert.deepStrictEqual(Array.from(got).map((e) => e.sequence_number), events.map((e) => e.sequence_number))
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.sse(completedRun("a b c d").slice(0, 3), { end: "error", headers: { "content-location": "/v1/runs/run_1" } }),
      TestHttpClient.sse(completedRun("a b c d").slice(1), {})
    ])))))
})
