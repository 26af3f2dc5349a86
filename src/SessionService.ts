/**
 * Sessions: create or reuse one per conversation, read its transcript, list them, and hold one as a scoped
 * resource whose open runs are cancelled when the scope closes.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Stream } from "effect"
import type * as Scope from "effect/Scope"
import { AgentPlatformClient } from "./AgentPlatformClient.js"
import type * as ApiError from "./ApiError.js"
import * as ClientPolicy from "./ClientPolicy.js"
import { cancelBounded } from "./internal/resume.js"
import { missing, validateSchema, valueOf, withId } from "./internal/validate.js"
import * as Page from "./Page.js"
import * as Run from "./Run.js"
import * as RunEvent from "./RunEvent.js"
import type * as RunInput from "./RunInput.js"
import { RunService } from "./RunService.js"
import type * as RunServiceNs from "./RunService.js"
import * as Session from "./Session.js"

/**
 * Options of every call.
 *
 * @since 0.1.0
 * @category models
 */
export type CallOptions = RunServiceNs.CallOptions

/**
 * Options of {@link Service.create}.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions extends CallOptions {
  readonly idempotencyKey?: string | undefined
}

/**
 * What {@link Service.scoped} acquires: a new session (`title`, `metadata`) or an existing one (`id`).
 *
 * @since 0.1.0
 * @category models
 */
export type ScopedParams = Session.CreateSessionParams | { readonly id: string }

/**
 * A session held by a scope. Runs started through it are cancelled, if not yet terminal, when the scope
 * closes, whether by success, failure or interruption.
 *
 * @since 0.1.0
 * @category models
 */
export interface ScopedSession {
  readonly id: string
  readonly session: Session.Session
  readonly create: (
    input: RunInput.RunInputLike,
    options?: RunServiceNs.CreateOptions
  ) => Effect.Effect<Run.Run, ApiError.ApiError>
  readonly createAndWait: (
    input: RunInput.RunInputLike,
    options?: RunServiceNs.CreateOptions & RunServiceNs.FollowOptions
  ) => Effect.Effect<Run.Run, ApiError.ApiError>
  readonly stream: (
    input: RunInput.RunInputLike,
    options?: RunServiceNs.CreateOptions & RunServiceNs.FollowOptions
  ) => Stream.Stream<RunEvent.RunEvent, ApiError.ApiError>
  /** The session and its transcript so far. */
  readonly transcript: Effect.Effect<Session.SessionWithTranscript, ApiError.ApiError>
  /** Ids of the runs started through this session that have not been seen to end. */
  readonly openRuns: Effect.Effect<ReadonlyArray<string>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly create: (
    params?: Session.CreateSessionParams,
    options?: CreateOptions
  ) => Effect.Effect<Session.Session, ApiError.ApiError>
  /** The session and its transcript. */
  readonly get: (sessionId: string, options?: CallOptions) => Effect.Effect<Session.SessionWithTranscript, ApiError.ApiError>
  /** One page of the workspace's sessions, newest first. */
  readonly list: (params?: Page.PageParams & CallOptions) => Effect.Effect<Page.Page<Session.Session>, ApiError.ApiError>
  /** Every session of the workspace, page after page. */
  readonly listAll: (
    params?: { readonly pageSize?: number | undefined } & CallOptions
  ) => Stream.Stream<Session.Session, ApiError.ApiError>
  /** Creates (or adopts, given `id`) a session for the life of the scope. */
  readonly scoped: (params?: ScopedParams) => Effect.Effect<ScopedSession, ApiError.ApiError, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SessionService extends Context.Tag("effect-agent-platform/SessionService")<SessionService, Service>() {}

const SessionPage = Page.schema(Session.Session, "sessions")

/**
 * Builds the service over an {@link AgentPlatformClient} and a {@link RunService}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, AgentPlatformClient | RunService> = Effect.gen(function*() {
  const client = yield* AgentPlatformClient
  const runs = yield* RunService

  const create = (params?: Session.CreateSessionParams, options?: CreateOptions) =>
    Effect.gen(function*() {
      const body = yield* validateSchema(Session.CreateSessionParams, params ?? {}, "session")
      const response = yield* client.json({
        span: "SessionService.create",
        method: "POST",
        path: "/sessions",
        body,
        idempotencyKey: options?.idempotencyKey,
        policy: options?.policy
      }, Session.Session, "session")
      return response.value
    })

  const get = (sessionId: string, options?: CallOptions) =>
    withId(sessionId, "sessionId", () => Effect.map(client.json({
      span: "SessionService.get",
      method: "GET",
      path: `/sessions/${encodeURIComponent(sessionId)}`,
      policy: options?.policy
    }, Session.SessionWithTranscript, "session"), valueOf))

  const list = (params?: Page.PageParams & CallOptions) =>
    Effect.gen(function*() {
      const response = yield* client.json({
        span: "SessionService.list",
        method: "GET",
        path: "/sessions",
        query: { limit: params?.limit, starting_after: params?.startingAfter },
        policy: params?.policy
      }, SessionPage, "session list")
      return response.value
    })

  const listAll = (params?: { readonly pageSize?: number | undefined } & CallOptions) =>
    Page.stream((startingAfter) => list({ limit: params?.pageSize, startingAfter, policy: params?.policy }))

  const scoped = (params?: ScopedParams): Effect.Effect<ScopedSession, ApiError.ApiError, Scope.Scope> =>
    Effect.gen(function*() {
        const session = params !== undefined && "id" in params
          ? (yield* get(params.id)).session
          : yield* create(params)
        const { stream: { cancelTimeout } } = yield* client.policy()
        const open = new Set<string>()
        const settle = (run: Run.Run) =>
          Effect.sync(() => {
            if (Run.isTerminalStatus(run.status)) open.delete(run.id)
            else open.add(run.id)
          })

        yield* Effect.addFinalizer(() =>
          Effect.forEach(
            Array.from(open),
            (runId) => cancelBounded(runs.cancel(runId, { policy: ClientPolicy.withoutRetries() }), cancelTimeout),
            { concurrency: "unbounded", discard: true }
          ).pipe(Effect.withSpan("SessionService.scoped.release"))
        )

        return {
          id: session.id,
          session,
          create: (input, options) => Effect.tap(runs.create(session.id, input, options), settle),
          // createAndWait cancels its own run when interrupted; a result is terminal, so nothing to track.
          createAndWait: (input, options) => runs.createAndWait(session.id, input, options),
          stream: (input, options) =>
            Stream.tap(runs.stream(session.id, input, options), (event) =>
              Effect.sync(() => {
                if (RunEvent.isTerminal(event)) open.delete(event.run_id)
                else if (!open.has(event.run_id)) open.add(event.run_id)
              })),
          transcript: get(session.id),
          openRuns: Effect.sync(() => Array.from(open))
        } satisfies ScopedSession
      }).pipe(Effect.withSpan("SessionService.scoped"))

    return SessionService.of({ create, get, list, listAll, scoped })
  })

  /**
   * The layer of the service.
   *
   * @since 0.1.0
   * @category layers
   */
  export const layer: Layer.Layer<SessionService, never, AgentPlatformClient | RunService> = Layer.effect(
    SessionService,
    make
  )

  /**
   * A layer from a partial implementation, for tests. Calling a method it lacks fails loudly (a defect naming
   * the method).
   *
   * @since 0.1.0
   * @category layers
   */
  export const layerTest = (implementation: Partial<Service>): Layer.Layer<SessionService> =>
    Layer.succeed(SessionService, SessionService.of({
      create: implementation.create ?? missing("SessionService.create"),
      get: implementation.get ?? missing("SessionService.get"),
      list: implementation.list ?? missing("SessionService.list"),
      listAll: implementation.listAll ?? missing.stream("SessionService.listAll"),
      scoped: implementation.scoped ?? missing("SessionService.scoped")
    }))
