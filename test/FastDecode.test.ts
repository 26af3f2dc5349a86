import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { readFileSync } from "node:fs"
import { Action, Page, Run, Session } from "../src/index.js"
import * as FastDecode from "../src/internal/fastDecode.js"
import { runJson } from "../bench/canned.js"
import { run } from "./helpers.js"

// The fast path of the JSON decoders must build exactly what the schema decodes, and leave to the schema
// everything it does not handle or that does not match.

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../shared/fixtures/docs/${name}`, import.meta.url), "utf8"))

const T = "2026-03-14T20:00:00Z"

const samples: ReadonlyArray<readonly [string, Schema.Schema<any, any>, ReadonlyArray<unknown>]> = [
  ["Run", Run.Run, [
    fixture("run.completed.json"),
    JSON.parse(runJson),
    run("completed"),
    run("running", { output: null, tool_calls: null, metadata: null, completed_at: null }),
    { id: "run_2", session_id: "sess_1", status: "queued", created_at: T }
  ]],
  ["Session", Session.Session, [
    fixture("session.create.response.json"),
    { id: "sess_1", status: "active", created_at: T, updated_at: T, metadata: { team: "support" } }
  ]],
  ["ActionInvocation", Action.ActionInvocation, [
    { id: "inv_1", action: "linear.issues.list", status: "completed", output: { count: 4 }, created_at: T },
    { id: "inv_2", action: "slack.messages.search", status: "failed", error: "timeout", created_at: T }
  ]]
]

/** The value with one change at one place: every place, every change. */
const mutations = function*(value: unknown): Generator<unknown> {
  const replacements: ReadonlyArray<unknown> = [null, 1, "x", true, [], {}, [1], { a: 1 }]
  for (const replacement of replacements) yield replacement
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      for (const changed of mutations(value[i])) yield value.map((item, j) => j === i ? changed : item)
      yield value.filter((_, j) => j !== i)
    }
  } else if (typeof value === "object" && value !== null) {
    for (const key of Object.keys(value)) {
      const { [key]: inner, ...rest } = value as Record<string, unknown>
      yield rest
      for (const changed of mutations(inner)) yield { ...rest, [key]: changed }
    }
  }
}

describe("the fast path of JSON decoding", () => {
  for (const [name, schema, values] of samples) {
    it(`${name}: decodes every documented shape itself, to what the schema decodes`, () => {
      const fast = FastDecode.make(schema)
      const slow = Schema.decodeUnknownEither(schema)
      for (const value of values) {
        const decoded = fast(structuredClone(value))
        assert.notStrictEqual(decoded, FastDecode.Fail, `${name}: ${JSON.stringify(value)}`)
        const expected = slow(structuredClone(value))
        assert.isTrue(Either.isRight(expected))
        if (Either.isRight(expected)) assert.deepStrictEqual(decoded, expected.right)
      }
    })

    it(`${name}: on every mutation, either agrees with the schema or leaves it to the schema`, () => {
      const fast = FastDecode.make(schema)
      const slow = Schema.decodeUnknownEither(schema)
      let decodedFast = 0
      let refused = 0
      for (const value of values) {
        for (const mutated of mutations(value)) {
          const decoded = fast(structuredClone(mutated))
          if (decoded === FastDecode.Fail) {
            refused++
            continue
          }
          decodedFast++
          const expected = slow(structuredClone(mutated))
          assert.isTrue(Either.isRight(expected), `${name}: fast path accepted what the schema refuses: ${JSON.stringify(mutated)}`)
          if (Either.isRight(expected)) assert.deepStrictEqual(decoded, expected.right, JSON.stringify(mutated))
        }
      }
      // both branches are exercised: the mutations include valid and invalid values
      assert.isAbove(decodedFast, 0)
      assert.isAbove(refused, 0)
    })
  }

  it("what it does not handle goes to the schema: a custom transformation (a page, a run's error) is never decoded fast", () => {
    const page = FastDecode.make(Page.schema(Run.Run, "runs"))
    assert.strictEqual(page({ data: [run("completed")], has_more: false }), FastDecode.Fail)
    const fast = FastDecode.make(Run.Run)
    for (const failed of [run("failed", { error: { code: "MODEL_ERROR", message: "boom" } }), run("failed", { error: "boom" })]) {
      assert.strictEqual(fast(failed), FastDecode.Fail)
      assert.isTrue(Either.isRight(Schema.decodeUnknownEither(Run.Run)(failed)))
    }
    // a run whose error is null is decoded fast: null is the only member of the union that takes it
    assert.notStrictEqual(fast(run("completed", { error: null })), FastDecode.Fail)
  })

  it("a decoded value does not share the input's objects, except where the schema keeps them (unknown values)", () => {
    const input = JSON.parse(runJson)
    const decoded = FastDecode.make(Run.Run)(input) as Run.Run
    assert.notStrictEqual(decoded, input)
    assert.notStrictEqual(decoded.tool_calls, input.tool_calls)
    assert.strictEqual(decoded.tool_calls[0]!.arguments, input.tool_calls[0].arguments)
  })
})
