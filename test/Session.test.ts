import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Session } from "../src/index.js"

const validate = Schema.validateEither(Session.CreateSessionParams)

describe("Session.CreateSessionParams", () => {
  it("counts a title's 256 characters as characters, not UTF-16 units (as the platform does)", () => {
    assert.isTrue(Either.isRight(validate({ title: "😀".repeat(256) })))
    assert.isTrue(Either.isLeft(validate({ title: "😀".repeat(257) })))
    assert.isTrue(Either.isRight(validate({ title: "a".repeat(256) })))
    assert.isTrue(Either.isLeft(validate({ title: "a".repeat(257) })))
  })
})
