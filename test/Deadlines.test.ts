import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Deadlines from "../src/internal/deadlines.js"

describe("the deadline ticker of a client", () => {
  const recorder = () => {
    const fired: Array<string> = []
    const at = (name: string, due: number) =>
      Deadlines.deadline(due, () =>
        Effect.sync(() => {
          fired.push(name)
        }))
    return { fired, at }
  }

  it.effect("calls each deadline once, when it falls due and not a millisecond before, in order of due time", () =>
    Effect.gen(function*() {
      const deadlines = Deadlines.make()
      const { at, fired } = recorder()
      yield* deadlines.arm(at("b", 2000))
      yield* deadlines.arm(at("a", 1000))
      yield* deadlines.arm(at("c", 3000))
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(fired, [])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(fired, ["a"])
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(fired, ["a", "b", "c"])
      assert.strictEqual(deadlines.size(), 0)
    }))

  it.effect("a disarmed deadline is never called; disarming twice is harmless", () =>
    Effect.gen(function*() {
      const deadlines = Deadlines.make()
      const { at, fired } = recorder()
      const a = at("a", 1000)
      yield* deadlines.arm(a)
      yield* deadlines.arm(at("b", 1500))
      deadlines.disarm(a)
      deadlines.disarm(a)
      assert.strictEqual(deadlines.size(), 1)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(fired, ["b"])
    }))

  it.effect("a deadline earlier than the one the ticker sleeps for wakes it in time", () =>
    Effect.gen(function*() {
      const deadlines = Deadlines.make()
      const { at, fired } = recorder()
      yield* deadlines.arm(at("late", 60_000))
      yield* TestClock.adjust("1 second")
      yield* deadlines.arm(at("early", 2000))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(fired, ["early"])
      yield* TestClock.adjust("58 seconds")
      assert.deepStrictEqual(fired, ["early", "late"])
    }))

  it.effect("a deadline that asks for a later time is called again then (an idle window reset meanwhile)", () =>
    Effect.gen(function*() {
      const deadlines = Deadlines.make()
      const calls: Array<number> = []
      let last = 0
      const idle = Deadlines.deadline(1000, (now) => {
        calls.push(now)
        return last + 1000 > now ? last + 1000 : Effect.void
      })
      yield* deadlines.arm(idle)
      yield* TestClock.adjust("600 millis")
      last = 600
      yield* TestClock.adjust("400 millis")
      assert.deepStrictEqual(calls, [1000])
      assert.strictEqual(deadlines.size(), 1)
      yield* TestClock.adjust("600 millis")
      assert.deepStrictEqual(calls, [1000, 1600])
      assert.strictEqual(deadlines.size(), 0)
    }))

  it.effect("the ticker starts again after it ran out of deadlines", () =>
    Effect.gen(function*() {
      const deadlines = Deadlines.make()
      const { at, fired } = recorder()
      yield* deadlines.arm(at("a", 1000))
      yield* TestClock.adjust("5 seconds")
      yield* deadlines.arm(at("b", 6000))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(fired, ["a", "b"])
    }))

  it.effect("after shutdown nothing is called, and arming does nothing", () =>
    Effect.gen(function*() {
      const deadlines = Deadlines.make()
      const { at, fired } = recorder()
      yield* deadlines.arm(at("a", 1000))
      yield* deadlines.shutdown
      yield* deadlines.arm(at("b", 1000))
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(fired, [])
      assert.strictEqual(deadlines.size(), 0)
    }))
})
