/**
 * Idempotency keys, per workspace, kept 24 hours: the same key with the same method, path and body answers the
 * first response again; with another request it is `409 IDEMPOTENCY_KEY_REUSED`; a request still in flight
 * with the same key is waited for.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { ApiFailure, invalidRequest } from "./Domain.js"

/**
 * What a POST answered: a JSON body, or the event stream of a run.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome =
  | { readonly _tag: "Json"; readonly status: number; readonly body: unknown }
  | { readonly _tag: "Stream"; readonly runId: string }

/**
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly workspace: string
  readonly key: string
  readonly method: string
  readonly path: string
  readonly body: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Runs `handle` once per (workspace, key) and request; `replayed` tells whether the outcome is a replay.
   */
  readonly run: <E, R>(
    request: Request,
    handle: Effect.Effect<Outcome, E, R>
  ) => Effect.Effect<{ readonly outcome: Outcome; readonly replayed: boolean }, E | ApiFailure, R>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Idempotency extends Context.Tag("effect-agent-platform/local/Idempotency")<Idempotency, Service>() {}

const DAY = 24 * 60 * 60 * 1000

/**
 * Whether a key is 1 to 255 printable ASCII characters.
 *
 * @since 0.1.0
 * @category validation
 */
export const isValidKey = (key: string) => /^[\x20-\x7E]{1,255}$/.test(key)

type RecordRow = {
  readonly method: string
  readonly path: string
  readonly body_hash: string
  readonly status: number
  readonly body: string
  readonly stream_run_id: string | null
  readonly created_at_ms: number
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const locks = new Map<string, { readonly semaphore: Effect.Semaphore; users: number }>()

  const withLock = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        let lock = locks.get(name)
        if (lock === undefined) locks.set(name, lock = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 })
        lock.users += 1
        return lock
      }),
      (lock) => lock.semaphore.withPermits(1)(effect),
      (lock) =>
        Effect.sync(() => {
          lock.users -= 1
          if (lock.users === 0) locks.delete(name)
        })
    )

  const run = <E, R>(request: Request, handle: Effect.Effect<Outcome, E, R>) =>
    Effect.gen(function*() {
      if (!isValidKey(request.key)) {
        return yield* invalidRequest("Idempotency-Key must be 1 to 255 printable ASCII characters")
      }
      const bodyHash = createHash("sha256").update(request.body, "utf8").digest("hex")
      return yield* withLock(`${request.workspace}\u0000${request.key}`, Effect.gen(function*() {
        const [found] = yield* Effect.orDie(
          sql<RecordRow>`SELECT method, path, body_hash, status, body, stream_run_id, created_at_ms FROM idempotency_keys WHERE workspace = ${request.workspace} AND key = ${request.key}`
        )
        const fresh = found !== undefined && Date.now() - found.created_at_ms < DAY
        if (fresh) {
          if (found.method !== request.method || found.path !== request.path || found.body_hash !== bodyHash) {
            return yield* new ApiFailure({
              status: 409,
              code: "IDEMPOTENCY_KEY_REUSED",
              message: "this Idempotency-Key was used before with a different request"
            })
          }
          const outcome: Outcome = found.stream_run_id !== null
            ? { _tag: "Stream", runId: found.stream_run_id }
            : { _tag: "Json", status: found.status, body: JSON.parse(found.body) }
          return { outcome, replayed: true }
        }
        const outcome = yield* handle
        const row = {
          workspace: request.workspace,
          key: request.key,
          method: request.method,
          path: request.path,
          body_hash: bodyHash,
          status: outcome._tag === "Json" ? outcome.status : 200,
          body: outcome._tag === "Json" ? JSON.stringify(outcome.body) : "null",
          stream_run_id: outcome._tag === "Stream" ? outcome.runId : null,
          created_at_ms: Date.now()
        }
        yield* Effect.orDie(sql`INSERT OR REPLACE INTO idempotency_keys ${sql.insert(row)}`)
        return { outcome, replayed: false }
      }))
    })

  return Idempotency.of({ run })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Idempotency, never, SqlClient.SqlClient> = Layer.effect(Idempotency, make)
