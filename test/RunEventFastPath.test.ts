import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { RunEvent } from "../src/index.js"

// The fast path of RunEvent.decode must build exactly what the schema decodes, and leave to the schema
// everything the schema would refuse.

const envelope = { id: "evt_1", run_id: "run_1", session_id: "sess_1", sequence_number: 7, created_at: "2026-03-14T20:00:00Z" }

const valid: Record<RunEvent.KnownType, ReadonlyArray<Record<string, unknown>>> = {
  "run.created": [{}, { status: "queued" }, { status: "queued", extra: 1 }],
  "run.started": [{}, { status: "running" }],
  "reasoning.summary.delta": [{ delta: "" }, { delta: "thinking" }],
  "tool_call.started": [{ tool_call_id: "tc_1" }, { tool_call_id: "tc_1", name: "linear.issues.list" }],
  "tool_call.arguments.delta": [{ tool_call_id: "tc_1", delta: "{\"a\":" }],
  "tool_call.completed": [
    { tool_call_id: "tc_1", name: "x" },
    { tool_call_id: "tc_1", name: "x", result_preview: null },
    { tool_call_id: "tc_1", name: "x", result_preview: { rows: [1, 2] } }
  ],
  "tool_call.failed": [{ tool_call_id: "tc_1", error: "boom" }, { tool_call_id: "tc_1", name: "x", error: "boom" }],
  "message.output.delta": [{ delta: "Hello" }],
  "message.output.completed": [{ text: "Hello world" }],
  "run.completed": [{}, { status: "completed" }],
  "run.failed": [{ error: "boom" }, { error: "boom", code: "MODEL_ERROR" }, { error: "boom", code: null }],
  "run.cancelled": [{ status: "cancelled" }]
}

const invalid: Record<RunEvent.KnownType, ReadonlyArray<unknown>> = {
  "run.created": [{ status: 1 }, null, "data", []],
  "run.started": [{ status: null }],
  "reasoning.summary.delta": [{}, { delta: 1 }, { delta: null }],
  "tool_call.started": [{}, { tool_call_id: 1 }, { tool_call_id: "tc_1", name: 2 }],
  "tool_call.arguments.delta": [{ tool_call_id: "tc_1" }, { delta: "x" }],
  "tool_call.completed": [{ tool_call_id: "tc_1" }, { name: "x" }],
  "tool_call.failed": [{ tool_call_id: "tc_1" }, { tool_call_id: "tc_1", error: {} }],
  "message.output.delta": [{ delta: 42 }, {}],
  "message.output.completed": [{ text: ["a"] }],
  "run.completed": [{ status: false }],
  "run.failed": [{}, { error: "x", code: 5 }],
  "run.cancelled": [{ status: 0 }]
}

const badEnvelopes: ReadonlyArray<Record<string, unknown>> = [
  { id: 1 },
  { run_id: null },
  { session_id: 3 },
  { sequence_number: 0 },
  { sequence_number: -1 },
  { sequence_number: 1.5 },
  { sequence_number: "7" },
  { created_at: undefined }
]

const schemaDecode = Schema.decodeUnknownEither(RunEvent.RunEvent)

describe("RunEvent.decode's fast path agrees with the schema", () => {
  for (const [type, samples] of Object.entries(valid)) {
    it(`${type}: every valid sample is built by the fast path exactly as the schema decodes it`, () => {
      for (const data of samples) {
        const wire = { type, ...envelope, data, unknown_field: "ignored" }
        const fast = RunEvent.decodeFast(wire, type)
        assert.isDefined(fast, `the fast path declined ${JSON.stringify(data)}`)
        const slow = schemaDecode(wire)
        assert.isTrue(Either.isRight(slow))
        if (Either.isRight(slow)) assert.deepStrictEqual(fast, slow.right)
        assert.deepStrictEqual(RunEvent.decode(wire), Either.right(fast!))
      }
    })

    it(`${type}: what the schema refuses, the fast path leaves to it`, () => {
      for (const data of invalid[type as RunEvent.KnownType]) {
        const wire = { type, ...envelope, data }
        assert.isUndefined(RunEvent.decodeFast(wire, type), JSON.stringify(data))
        assert.isTrue(Either.isLeft(schemaDecode(wire)))
        assert.isTrue(Either.isLeft(RunEvent.decode(wire)))
      }
      for (const bad of badEnvelopes) {
        const wire = { type, ...envelope, ...bad, data: valid[type as RunEvent.KnownType][0] }
        if (bad.created_at === undefined && "created_at" in bad) delete (wire as Record<string, unknown>).created_at
        assert.isUndefined(RunEvent.decodeFast(wire, type), JSON.stringify(bad))
        assert.isTrue(Either.isLeft(schemaDecode(wire)), JSON.stringify(bad))
      }
    })
  }

  it("an unknown type is built by the fast path as the schema's Unknown member", () => {
    for (const data of [undefined, { any: "thing" }, [1, 2], "text"]) {
      const wire = { type: "run.something_new", ...envelope, ...(data === undefined ? {} : { data }) }
      const fast = RunEvent.decodeFast(wire, wire.type)
      const slow = schemaDecode(wire)
      assert.isTrue(Either.isRight(slow))
      if (Either.isRight(slow)) assert.deepStrictEqual(fast, slow.right)
      assert.strictEqual(fast?._tag, "Unknown")
    }
  })

  it("an unknown type with a bad envelope is refused by both", () => {
    const wire = { type: "run.something_new", ...envelope, sequence_number: "x" }
    assert.isUndefined(RunEvent.decodeFast(wire, wire.type))
    assert.isTrue(Either.isLeft(RunEvent.decode(wire)))
  })
})
