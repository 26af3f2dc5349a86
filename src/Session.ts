/**
 * Sessions: one conversation's history and workspace context, across many runs.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A string-to-string map, as the contract's `metadata` fields are.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Metadata = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * A session. `status` is `"active"` today; any other string is accepted. Unknown fields are ignored.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Session = Schema.Struct({
  id: Schema.String,
  object: Schema.optional(Schema.String),
  status: Schema.String,
  title: Schema.optional(Schema.NullOr(Schema.String)),
  metadata: Schema.optional(Metadata),
  created_at: Schema.String,
  updated_at: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Session extends Schema.Schema.Type<typeof Session> {}

/**
 * One message of a session's transcript.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Message = Schema.Struct({
  id: Schema.String,
  role: Schema.String,
  content: Schema.String,
  run_id: Schema.optional(Schema.NullOr(Schema.String)),
  created_at: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Message extends Schema.Schema.Type<typeof Message> {}

/**
 * A session with its transcript, as `GET /sessions/{id}` answers it.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionWithTranscript {
  readonly session: Session
  readonly messages: ReadonlyArray<Message>
}

const Wrapped = Schema.Struct({
  session: Session,
  messages: Schema.optionalWith(Schema.Array(Message), { default: () => [] })
})

const Inline = Schema.Struct({
  ...Session.fields,
  messages: Schema.optionalWith(Schema.Array(Message), { default: () => [] })
})

/**
 * Decodes both shapes the contract allows: `{ "session": {…}, "messages": […] }` and a session object with a
 * `messages` array inside it. Both become {@link SessionWithTranscript}.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SessionWithTranscript: Schema.Schema<SessionWithTranscript, unknown> = Schema.Union(
  Wrapped,
  Schema.transform(Inline, Schema.typeSchema(Wrapped), {
    strict: true,
    decode: ({ messages, ...session }) => ({ session, messages }),
    encode: ({ messages, session }) => ({ ...session, messages })
  })
) as any

const countCharacters = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

/**
 * The body of `POST /sessions`. `title` is at most 256 characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateSessionParams = Schema.Struct({
  // 256 characters, counted as the platform counts them: code points, not UTF-16 units
  title: Schema.optional(Schema.String.pipe(Schema.filter((title) => countCharacters(title) <= 256, {
    message: () => "title must be at most 256 characters"
  }))),
  metadata: Schema.optional(Metadata)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateSessionParams extends Schema.Schema.Type<typeof CreateSessionParams> {}
