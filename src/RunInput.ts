/**
 * What a run is asked: a list of input messages.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * One `input_text` content part. Empty text is refused.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InputText = Schema.Struct({
  type: Schema.Literal("input_text"),
  text: Schema.String.pipe(Schema.minLength(1, { message: () => "input text must not be empty" }))
})

/**
 * One input message. `content` is a list of parts, or a plain string (the same as one `input_text` part).
 *
 * @since 0.1.0
 * @category schemas
 */
export const InputMessage = Schema.Struct({
  role: Schema.Literal("user", "system", "developer"),
  content: Schema.Union(
    Schema.String.pipe(Schema.minLength(1, { message: () => "input content must not be empty" })),
    Schema.NonEmptyArray(InputText).annotations({ message: () => "input content must have at least one part" })
  )
})

/**
 * @since 0.1.0
 * @category models
 */
export interface InputMessage extends Schema.Schema.Type<typeof InputMessage> {}

/**
 * A run's input: at least one message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RunInput = Schema.NonEmptyArray(InputMessage).annotations({
  message: () => "input must hold at least one message"
})

/**
 * @since 0.1.0
 * @category models
 */
export type RunInput = Schema.Schema.Type<typeof RunInput>

/**
 * A one-message input from a user's text prompt.
 *
 * @example
 * ```ts
 * import { RunInput } from "effect-agent-platform"
 * const input = RunInput.text("Summarize open Linear issues.")
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const text = (prompt: string, role: InputMessage["role"] = "user"): RunInput => [
  { role, content: [{ type: "input_text", text: prompt }] }
]

/**
 * What the client's methods take as input: a {@link RunInput}, or a plain string for one user message.
 *
 * @since 0.1.0
 * @category models
 */
export type RunInputLike = RunInput | string

/**
 * Turns a {@link RunInputLike} into a {@link RunInput}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromLike = (input: RunInputLike): RunInput => typeof input === "string" ? text(input) : input
