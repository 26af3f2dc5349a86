/**
 * Sessions: create, read with the transcript, list.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { CreateSessionParams } from "../Session.js"
import { ApiFailure, hostedModelUnavailable, invalidRequest, makeId, notFound, now, traced } from "./Domain.js"
import { Faults } from "./Faults.js"
import { SessionsRepo } from "./Sessions/Repo.js"
import type { SessionRow } from "./Sessions/Repo.js"

/**
 * A session as the API writes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionJson {
  readonly id: string
  readonly object: "session"
  readonly status: string
  readonly title: string | null
  readonly metadata: Record<string, string>
  readonly created_at: string
  readonly updated_at: string
}

/**
 * @since 0.1.0
 * @category conversions
 */
export const toJson = (row: SessionRow): SessionJson => ({
  id: row.id,
  object: "session",
  status: row.status,
  title: row.title,
  metadata: JSON.parse(row.metadata),
  created_at: row.created_at,
  updated_at: row.updated_at
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly create: (workspace: string, params: CreateSessionParams) => Effect.Effect<SessionJson, ApiFailure>
  readonly find: (workspace: string, id: string) => Effect.Effect<SessionRow, ApiFailure>
  readonly get: (workspace: string, id: string) => Effect.Effect<{
    readonly session: SessionJson
    readonly messages: ReadonlyArray<Record<string, unknown>>
  }, ApiFailure>
  readonly list: (
    workspace: string,
    page: { readonly limit: number; readonly startingAfter: string | undefined }
  ) => Effect.Effect<{ readonly data: ReadonlyArray<SessionJson>; readonly has_more: boolean }, ApiFailure>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Sessions extends Context.Tag("effect-agent-platform/local/Sessions")<Sessions, Service>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.gen(function*() {
  const repo = yield* SessionsRepo
  const faults = yield* Faults

  const find = (workspace: string, id: string) =>
    Effect.flatMap(repo.find(workspace, id), (row) => row === undefined ? Effect.fail(notFound("session", id)) : Effect.succeed(row))

  const create = (workspace: string, params: CreateSessionParams) =>
    Effect.gen(function*() {
      if (!(yield* faults.hostedModel(workspace))) return yield* hostedModelUnavailable()
      const at = now()
      const row = {
        id: makeId("sess"),
        workspace,
        status: "active",
        title: params.title ?? "",
        metadata: JSON.stringify(params.metadata ?? {}),
        created_at: at,
        updated_at: at
      }
      yield* repo.insert(row)
      return toJson({ ...row, n: 0 })
    })

  const get = (workspace: string, id: string) =>
    Effect.gen(function*() {
      const row = yield* find(workspace, id)
      const messages = yield* repo.messages(row.id)
      return {
        session: toJson(row),
        messages: messages.map((message) => ({
          id: message.id,
          object: "message",
          role: message.role,
          content: message.content,
          run_id: message.run_id,
          created_at: message.created_at
        }))
      }
    })

  const list = (workspace: string, page: { readonly limit: number; readonly startingAfter: string | undefined }) =>
    Effect.gen(function*() {
      let before = Number.MAX_SAFE_INTEGER
      if (page.startingAfter !== undefined) {
        const anchor = yield* repo.find(workspace, page.startingAfter)
        if (anchor === undefined) return yield* invalidRequest(`starting_after: no session ${JSON.stringify(page.startingAfter)}`)
        before = anchor.n
      }
      const rows = yield* repo.list(workspace, before, page.limit + 1)
      return { data: rows.slice(0, page.limit).map(toJson), has_more: rows.length > page.limit }
    })

  const orDie = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.catchIf(effect, (error): error is Exclude<E, ApiFailure> => !(error instanceof ApiFailure), Effect.die) as Effect.Effect<A, Extract<E, ApiFailure>>

  return Sessions.of({
    create: traced("LocalPlatform.Sessions.create", (workspace, params) => orDie(create(workspace, params))),
    find: (workspace, id) => orDie(find(workspace, id)),
    get: traced("LocalPlatform.Sessions.get", (workspace, id) => orDie(get(workspace, id))),
    list: traced("LocalPlatform.Sessions.list", (workspace, page) => orDie(list(workspace, page)))
  })
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Sessions, never, SessionsRepo | Faults> = Layer.effect(Sessions, make)
