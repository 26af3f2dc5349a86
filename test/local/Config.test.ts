import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit } from "effect"
import { Faults, Workspaces } from "../../src/local/index.js"

describe("settings of the local platform", () => {
  it("AP_LOCAL_KEYS: key=workspace pairs, and a malformed pair is refused", () => {
    assert.deepStrictEqual(Workspaces.parseKeys("k1=ws1, k2=ws2,"), { k1: "ws1", k2: "ws2" })
    assert.throws(() => Workspaces.parseKeys("k1"))
    assert.throws(() => Workspaces.parseKeys("=ws1"))
  })

  it.effect("keys: the workspace of a known key, 401 for a missing, malformed or unknown one", () =>
    Effect.gen(function*() {
      const workspaces = Workspaces.make({ k1: "ws1", k2: "ws2" })
      assert.deepStrictEqual(yield* workspaces.authenticate("Bearer k2"), { key: "k2", workspace: "ws2" })
      assert.deepStrictEqual(yield* workspaces.authenticate("bearer k1"), { key: "k1", workspace: "ws1" })
      for (const header of [undefined, "", "k1", "Basic k1", "Bearer k3", "Bearer k1 k2"]) {
        const exit = yield* Effect.exit(workspaces.authenticate(header))
        assert.isTrue(Exit.isFailure(exit), String(header))
        if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
          assert.strictEqual(exit.cause.error.status, 401)
          assert.strictEqual(exit.cause.error.code, "UNAUTHENTICATED")
          assert.notInclude(exit.cause.error.message, "k3")
        }
      }
      const dev = Workspaces.devKeys()
      assert.deepStrictEqual(Object.values(dev), ["ws_dev"])
      assert.notDeepEqual(Object.keys(Workspaces.devKeys()), Object.keys(dev))
    }))

  it.effect("faults from the environment", () =>
    Effect.gen(function*() {
      const options = yield* Faults.config.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([
        ["AP_LOCAL_FAULT_CUT_AFTER", "5"],
        ["AP_LOCAL_FAULT_CUT_PROBABILITY", "0.25"],
        ["AP_LOCAL_FAULT_CUT_MODE", "reset"],
        ["AP_LOCAL_FAULT_SEED", "9"],
        ["AP_LOCAL_FAULT_REQUESTS", "503:2:after,429:1:before:5,418"],
        ["AP_LOCAL_FAULT_LATENCY_MS", "30"],
        ["AP_LOCAL_FAULT_STALL", "3:1000"],
        ["AP_LOCAL_HOSTED_MODEL", "off"],
        ["AP_LOCAL_NO_HOSTED_MODEL", "ws_a, ws_b"]
      ]))))
      assert.strictEqual(options.cutStreamAfter, 5)
      assert.strictEqual(options.cutProbability, 0.25)
      assert.strictEqual(options.cutMode, "reset")
      assert.strictEqual(options.seed, 9)
      assert.deepStrictEqual(options.requests, [
        { status: 503, count: 2, afterCommit: true },
        { status: 429, count: 1, afterCommit: false, retryAfterSeconds: 5 }
      ])
      assert.isTrue(Duration.equals(Duration.decode(options.latency!), Duration.millis(30)))
      assert.strictEqual(options.stall!.afterEvents, 3)
      assert.isFalse(options.hostedModel)
      assert.deepStrictEqual(options.noHostedModel, ["ws_a", "ws_b"])
      const none = yield* Faults.config.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      assert.isTrue(none.hostedModel)
      assert.deepStrictEqual(none.requests, [])
    }))

  it.effect("failing answers are consumed in order and only by matching requests", () =>
    Effect.gen(function*() {
      const faults = yield* Faults.make({ requests: [{ status: 503, method: "POST", path: /^\/sessions$/ }] })
      yield* faults.failNext({ status: 429, count: 2 })
      assert.strictEqual((yield* faults.take("GET", "/sessions", "before"))._tag, "Some")
      assert.strictEqual((yield* faults.take("POST", "/sessions", "after"))._tag, "None")
      const post = yield* faults.take("POST", "/sessions", "before")
      assert.strictEqual(post._tag === "Some" && post.value.status, 503)
      const next = yield* faults.take("POST", "/sessions", "before")
      assert.strictEqual(next._tag === "Some" && next.value.status, 429)
      assert.strictEqual((yield* faults.take("POST", "/sessions", "before"))._tag, "None")
      assert.strictEqual(yield* faults.served, 3)
    }))
})
