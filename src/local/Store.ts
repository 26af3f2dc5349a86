/**
 * The local platform's SQLite database, through `@effect/sql`: the client, the tables, and the seed data of the
 * gateway's fixture integrations.
 *
 * Tables: `sessions`, `messages` (transcripts), `runs`, `tool_calls`, `events`, `invocations` (the audit
 * trail), `idempotency_keys`, `seed_records`. Every table with a list endpoint has an integer `n` that orders
 * it; the contract's ids are separate `id` columns.
 *
 * @since 0.1.0
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { seedRecords } from "./Seed.js"

/**
 * Where the database lives: a file path, or `:memory:`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly filename: string
}

/**
 * The default file of `npm run serve`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultFilename = ".agent-platform/local.db"

const tables = [
  `CREATE TABLE IF NOT EXISTS sessions (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS sessions_workspace ON sessions (workspace, n)`,
  `CREATE TABLE IF NOT EXISTS messages (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    run_id TEXT,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS messages_session ON messages (session_id, n)`,
  `CREATE TABLE IF NOT EXISTS runs (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace TEXT NOT NULL,
    session_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output_text TEXT,
    error_code TEXT,
    error_message TEXT,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT
  )`,
  `CREATE INDEX IF NOT EXISTS runs_session ON runs (session_id, n)`,
  `CREATE INDEX IF NOT EXISTS runs_status ON runs (status)`,
  `CREATE TABLE IF NOT EXISTS tool_calls (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    arguments TEXT NOT NULL,
    result_preview TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS tool_calls_run ON tool_calls (run_id, n)`,
  `CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (run_id, sequence_number)
  )`,
  `CREATE TABLE IF NOT EXISTS invocations (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    session_id TEXT,
    run_id TEXT,
    connection_id TEXT,
    input_keys TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS invocations_workspace ON invocations (workspace, n)`,
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
    workspace TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    stream_run_id TEXT,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (workspace, key)
  )`,
  `CREATE TABLE IF NOT EXISTS seed_records (
    integration TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (integration, kind, id)
  )`
]

/**
 * Creates the tables that do not exist yet and seeds the fixture integrations once.
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrate: Effect.Effect<void, unknown, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const statement of tables) yield* sql.unsafe(statement)
  const [count] = yield* sql<{ readonly c: number }>`SELECT COUNT(*) AS c FROM seed_records`
  if ((count?.c ?? 0) === 0) {
    yield* sql.withTransaction(Effect.forEach(seedRecords, (record) =>
      sql`INSERT INTO seed_records (integration, kind, id, json)
          VALUES (${record.integration}, ${record.kind}, ${record.id}, ${JSON.stringify(record.value)})`, {
      discard: true
    }))
  }
})

/**
 * The database, migrated. A file database's folder is created when missing.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<SqlClient.SqlClient> => {
  const client = Layer.suspend(() => {
    if (options.filename !== ":memory:") mkdirSync(dirname(options.filename), { recursive: true })
    return SqliteClient.layer({ filename: options.filename })
  })
  return Layer.effectDiscard(migrate).pipe(Layer.provideMerge(client), Layer.orDie)
}
