/**
 * Sessions and transcripts in the store.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Context, Effect, Layer } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export type SessionRow = {
  readonly n: number
  readonly id: string
  readonly workspace: string
  readonly status: string
  readonly title: string | null
  readonly metadata: string
  readonly created_at: string
  readonly updated_at: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type MessageRow = {
  readonly id: string
  readonly session_id: string
  readonly run_id: string | null
  readonly role: string
  readonly content: string
  readonly created_at: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly insert: (row: Omit<SessionRow, "n">) => Effect.Effect<void, SqlError>
  readonly find: (workspace: string, id: string) => Effect.Effect<SessionRow | undefined, SqlError>
  /** Newest first, strictly older than the session `startingAfter` (whose `n` is given). */
  readonly list: (workspace: string, before: number, limit: number) => Effect.Effect<ReadonlyArray<SessionRow>, SqlError>
  readonly messages: (sessionId: string) => Effect.Effect<ReadonlyArray<MessageRow>, SqlError>
  readonly insertMessage: (row: MessageRow) => Effect.Effect<void, SqlError>
  readonly touch: (sessionId: string, at: string) => Effect.Effect<void, SqlError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SessionsRepo extends Context.Tag("effect-agent-platform/local/SessionsRepo")<SessionsRepo, Service>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return SessionsRepo.of({
    insert: (row) => Effect.asVoid(sql`INSERT INTO sessions ${sql.insert(row)}`),
    find: (workspace, id) =>
      Effect.map(sql<SessionRow>`SELECT * FROM sessions WHERE id = ${id} AND workspace = ${workspace}`, (rows) => rows[0]),
    list: (workspace, before, limit) =>
      sql<SessionRow>`SELECT * FROM sessions WHERE workspace = ${workspace} AND n < ${before} ORDER BY n DESC LIMIT ${limit}`,
    messages: (sessionId) =>
      sql<MessageRow>`SELECT id, session_id, run_id, role, content, created_at FROM messages WHERE session_id = ${sessionId} ORDER BY n`,
    insertMessage: (row) => Effect.asVoid(sql`INSERT INTO messages ${sql.insert(row)}`),
    touch: (sessionId, at) => Effect.asVoid(sql`UPDATE sessions SET updated_at = ${at} WHERE id = ${sessionId}`)
  })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SessionsRepo, never, SqlClient.SqlClient> = Layer.effect(SessionsRepo, make)
