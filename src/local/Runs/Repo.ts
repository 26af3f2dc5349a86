/**
 * Runs, their tool calls and their events in the store.
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
export type RunRow = {
  readonly n: number
  readonly id: string
  readonly workspace: string
  readonly session_id: string
  readonly status: string
  readonly input: string
  readonly output_text: string | null
  readonly error_code: string | null
  readonly error_message: string | null
  readonly metadata: string
  readonly created_at: string
  readonly updated_at: string
  readonly completed_at: string | null
}

/**
 * @since 0.1.0
 * @category models
 */
export type ToolCallRow = {
  readonly id: string
  readonly run_id: string
  readonly name: string
  readonly status: string
  readonly arguments: string
  readonly result_preview: string | null
  readonly error: string | null
  readonly created_at: string
  readonly updated_at: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type EventRow = {
  readonly run_id: string
  readonly sequence_number: number
  readonly id: string
  readonly type: string
  readonly json: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly sql: SqlClient.SqlClient
  readonly insert: (row: Omit<RunRow, "n">) => Effect.Effect<void, SqlError>
  readonly find: (workspace: string, id: string) => Effect.Effect<RunRow | undefined, SqlError>
  readonly findById: (id: string) => Effect.Effect<RunRow | undefined, SqlError>
  readonly list: (sessionId: string, before: number, limit: number) => Effect.Effect<ReadonlyArray<RunRow>, SqlError>
  readonly update: (id: string, fields: Partial<Omit<RunRow, "n" | "id">>) => Effect.Effect<void, SqlError>
  readonly nextQueued: (sessionId: string) => Effect.Effect<RunRow | undefined, SqlError>
  readonly withStatus: (status: string) => Effect.Effect<ReadonlyArray<RunRow>, SqlError>
  readonly toolCalls: (runId: string) => Effect.Effect<ReadonlyArray<ToolCallRow>, SqlError>
  readonly insertToolCall: (row: ToolCallRow) => Effect.Effect<void, SqlError>
  readonly updateToolCall: (id: string, fields: Partial<Omit<ToolCallRow, "id">>) => Effect.Effect<void, SqlError>
  readonly events: (runId: string, after: number, limit: number) => Effect.Effect<ReadonlyArray<EventRow>, SqlError>
  readonly lastSequenceNumber: (runId: string) => Effect.Effect<number, SqlError>
  readonly insertEvent: (row: EventRow) => Effect.Effect<void, SqlError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RunsRepo extends Context.Tag("effect-agent-platform/local/RunsRepo")<RunsRepo, Service>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return RunsRepo.of({
    sql,
    insert: (row) => Effect.asVoid(sql`INSERT INTO runs ${sql.insert(row)}`),
    find: (workspace, id) =>
      Effect.map(sql<RunRow>`SELECT * FROM runs WHERE id = ${id} AND workspace = ${workspace}`, (rows) => rows[0]),
    findById: (id) => Effect.map(sql<RunRow>`SELECT * FROM runs WHERE id = ${id}`, (rows) => rows[0]),
    list: (sessionId, before, limit) =>
      sql<RunRow>`SELECT * FROM runs WHERE session_id = ${sessionId} AND n < ${before} ORDER BY n DESC LIMIT ${limit}`,
    update: (id, fields) => Effect.asVoid(sql`UPDATE runs SET ${sql.update(fields)} WHERE id = ${id}`),
    nextQueued: (sessionId) =>
      Effect.map(
        sql<RunRow>`SELECT * FROM runs WHERE session_id = ${sessionId} AND status = 'queued' ORDER BY n LIMIT 1`,
        (rows) => rows[0]
      ),
    withStatus: (status) => sql<RunRow>`SELECT * FROM runs WHERE status = ${status} ORDER BY n`,
    toolCalls: (runId) => sql<ToolCallRow>`SELECT id, run_id, name, status, arguments, result_preview, error, created_at, updated_at FROM tool_calls WHERE run_id = ${runId} ORDER BY n`,
    insertToolCall: (row) => Effect.asVoid(sql`INSERT INTO tool_calls ${sql.insert(row)}`),
    updateToolCall: (id, fields) => Effect.asVoid(sql`UPDATE tool_calls SET ${sql.update(fields)} WHERE id = ${id}`),
    events: (runId, after, limit) =>
      sql<EventRow>`SELECT * FROM events WHERE run_id = ${runId} AND sequence_number > ${after} ORDER BY sequence_number LIMIT ${limit}`,
    lastSequenceNumber: (runId) =>
      Effect.map(
        sql<{ readonly last: number }>`SELECT COALESCE(MAX(sequence_number), 0) AS last FROM events WHERE run_id = ${runId}`,
        (rows) => rows[0]?.last ?? 0
      ),
    insertEvent: (row) => Effect.asVoid(sql`INSERT INTO events ${sql.insert(row)}`)
  })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RunsRepo, never, SqlClient.SqlClient> = Layer.effect(RunsRepo, make)
