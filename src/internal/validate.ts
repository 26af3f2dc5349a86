/**
 * Checks of the caller's arguments, made before any request is sent, and the stand-ins of test layers.
 *
 * @internal
 */
import { Effect, Either, ParseResult, Schema, Stream } from "effect"
import * as ApiError from "../ApiError.js"

/** @internal What is wrong with an id, if anything: it must be a non-empty string (it is sent as one path segment). */
export const invalidId = (id: unknown, name: string): ApiError.InvalidRequest | undefined =>
  typeof id === "string" && id.trim() !== ""
    ? undefined
    : new ApiError.InvalidRequest({ message: `${name} must be a non-empty string, got ${JSON.stringify(id) ?? String(id)}` })

/** @internal Runs `f` if the id is valid; fails with the problem otherwise (without a generator: a hot path). */
export const withId = <A, E>(
  id: unknown,
  name: string,
  f: () => Effect.Effect<A, E>
): Effect.Effect<A, E | ApiError.InvalidRequest> => {
  const invalid = invalidId(id, name)
  return invalid === undefined ? f() : Effect.fail(invalid)
}

/** @internal The decoded value of a JSON answer. */
export const valueOf = <A>(response: { readonly value: A }): A => response.value

/** @internal {@link invalidId} as an effect. */
export const validateId = (id: unknown, name: string): Effect.Effect<void, ApiError.InvalidRequest> => {
  const invalid = invalidId(id, name)
  return invalid === undefined ? Effect.void : Effect.fail(invalid)
}

/** @internal Validates a request body against its schema; the first problem becomes the message. */
export const validateSchema = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  subject: string
): Effect.Effect<A, ApiError.InvalidRequest> => {
  const result = Schema.validateEither(schema, { errors: "first" })(value)
  if (Either.isRight(result)) return Effect.succeed(result.right)
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(result.left)
  const path = issue ? issue.path.map(String).join(".") : ""
  const detail = issue ? issue.message : "does not match"
  return Effect.fail(
    new ApiError.InvalidRequest({ message: `invalid ${subject}${path === "" ? "" : ` (at ${path})`}: ${detail}` })
  )
}

const notImplemented = (name: string) => new Error(`${name} is not implemented in this test layer`)

/** @internal The stand-in for a method a test layer lacks: it dies naming the method. */
export const missing = Object.assign(
  (name: string) => (..._args: ReadonlyArray<unknown>): Effect.Effect<never> => Effect.die(notImplemented(name)),
  {
    stream: (name: string) => (..._args: ReadonlyArray<unknown>): Stream.Stream<never> => Stream.die(notImplemented(name))
  }
)
