/**
 * Runs: create one per prompt (queued, `wait: true`, or `stream: true`), follow its durable events, read,
 * list and cancel runs.
 *
 * @since 0.1.0
 */
import { Context, Effect, Either, Layer, Schema, Stream } from "effect"
import type { Tracer } from "effect"
import { AgentPlatformClient } from "./AgentPlatformClient.js"
import type * as AgentPlatformClientNs from "./AgentPlatformClient.js"
import * as ApiError from "./ApiError.js"
import * as ClientPolicy from "./ClientPolicy.js"
import * as resume from "./internal/resume.js"
import * as sse from "./internal/sse.js"
import { missing, validateId, validateSchema, valueOf, withId } from "./internal/validate.js"
import * as Page from "./Page.js"
import * as Run from "./Run.js"
import * as RunEvent from "./RunEvent.js"
import * as RunInput from "./RunInput.js"
import { Metadata } from "./Session.js"

/**
 * Options of every call.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** Retry, timeout and stream policy for this call only. */
  readonly policy?: ClientPolicy.PolicyOverrides | undefined
}

/**
 * Options of the calls that create a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions extends CallOptions {
  readonly metadata?: Record<string, string> | undefined
  /** The `Idempotency-Key`; one is generated for the call when absent. */
  readonly idempotencyKey?: string | undefined
}

/**
 * Options of the calls that follow a run until it ends.
 *
 * @since 0.1.0
 * @category models
 */
export interface FollowOptions {
  /**
   * Cancel the run when the caller stops before it ends (interrupted, or no longer pulling the stream).
   * Default: `true` for `stream` and `createAndWait`, `false` for `events`.
   */
  readonly cancelOnInterrupt?: boolean | undefined
}

/**
 * Options of {@link Service.events}.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventsOptions extends CallOptions, FollowOptions {
  /** Only events with a greater `sequence_number`. Default 0: from the first event. */
  readonly startingAfter?: number | undefined
}

/**
 * Options of {@link Service.eventsPage}.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventsPageOptions extends CallOptions {
  readonly startingAfter?: number | undefined
  /** 1..1000, default 100. */
  readonly limit?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Creates a run and returns it `queued` (`202`). */
  readonly create: (
    sessionId: string,
    input: RunInput.RunInputLike,
    options?: CreateOptions
  ) => Effect.Effect<Run.Run, ApiError.ApiError>
  /**
   * Creates a run with `wait: true` and returns it completed. A run that ends `failed` or `cancelled` is a
   * `RunFailed` or `RunCancelled` error. When the platform answers `202` (its wait limit passed), the run's
   * events are followed to the end first.
   */
  readonly createAndWait: (
    sessionId: string,
    input: RunInput.RunInputLike,
    options?: CreateOptions & FollowOptions
  ) => Effect.Effect<Run.Run, ApiError.ApiError>
  /** Creates a run with `stream: true` and streams its events, resuming cuts, to the terminal event. */
  readonly stream: (
    sessionId: string,
    input: RunInput.RunInputLike,
    options?: CreateOptions & FollowOptions
  ) => Stream.Stream<RunEvent.RunEvent, ApiError.ApiError>
  /** Streams the events of an existing run after `startingAfter`, resuming cuts, to the terminal event. */
  readonly events: (runId: string, options?: EventsOptions) => Stream.Stream<RunEvent.RunEvent, ApiError.ApiError>
  /** One JSON page of a run's events. */
  readonly eventsPage: (
    runId: string,
    options?: EventsPageOptions
  ) => Effect.Effect<Page.Page<RunEvent.RunEvent>, ApiError.ApiError>
  readonly get: (runId: string, options?: CallOptions) => Effect.Effect<Run.Run, ApiError.ApiError>
  /** One page of a session's runs, newest first. */
  readonly list: (
    sessionId: string,
    params?: Page.PageParams & CallOptions
  ) => Effect.Effect<Page.Page<Run.Run>, ApiError.ApiError>
  /** All of a session's runs, page after page. */
  readonly listAll: (
    sessionId: string,
    params?: { readonly pageSize?: number | undefined } & CallOptions
  ) => Stream.Stream<Run.Run, ApiError.ApiError>
  /**
   * Cancels a queued or running run. Cancelling a cancelled run returns it; a completed or failed one is a
   * `Conflict` (`RUN_ALREADY_TERMINAL`).
   */
  readonly cancel: (runId: string, options?: CallOptions) => Effect.Effect<Run.Run, ApiError.ApiError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RunService extends Context.Tag("effect-agent-platform/RunService")<RunService, Service>() {}

const CreateBody = Schema.Struct({
  input: RunInput.RunInput,
  metadata: Schema.optional(Metadata)
})

const EventPage = Page.schema(Schema.Unknown, "events")
const RunPage = Page.schema(Run.Run, "runs")

const runPath = (runId: string) => `/runs/${encodeURIComponent(runId)}`
const sessionRunsPath = (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/runs`

/** @internal The run id in a `Content-Location: /v1/runs/{id}` header. */
export const runIdFromLocation = (location: string | undefined): string | undefined => {
  if (location === undefined) return undefined
  const match = /\/runs\/([^/?#]+)/.exec(location)
  return match ? decodeURIComponent(match[1]!) : undefined
}

const validateStartingAfter = (value: number | undefined) =>
  value === undefined || (Number.isInteger(value) && value >= 0)
    ? Effect.void
    : Effect.fail(new ApiError.InvalidRequest({ message: `startingAfter must be a whole number ≥ 0, got ${value}` }))

const terminalRun = (run: Run.Run): Effect.Effect<Run.Run, ApiError.ApiError> => {
  switch (run.status) {
    case "failed":
      return Effect.fail(
        new ApiError.RunFailed({
          runId: run.id,
          sessionId: run.session_id,
          message: run.error?.message ?? "the run failed",
          ...(run.error?.code === undefined ? {} : { code: run.error.code })
        })
      )
    case "cancelled":
      return Effect.fail(new ApiError.RunCancelled({ runId: run.id, sessionId: run.session_id, message: "the run was cancelled" }))
    default:
      return Effect.succeed(run)
  }
}

/**
 * Builds the service over an {@link AgentPlatformClient}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, AgentPlatformClient> = Effect.gen(function*() {
  const client = yield* AgentPlatformClient

  const createBody = (input: RunInput.RunInputLike, options: CreateOptions | undefined) =>
    validateSchema(CreateBody, {
      input: RunInput.fromLike(input),
      ...(options?.metadata === undefined ? {} : { metadata: options.metadata })
    }, "run")

  const get = (runId: string, options?: CallOptions) =>
    withId(runId, "runId", () =>
      Effect.map(
        client.json({ span: "RunService.get", method: "GET", path: runPath(runId), policy: options?.policy }, Run.Run, "run"),
        valueOf
      ))

  const cancel = (runId: string, options?: CallOptions) =>
    withId(runId, "runId", () =>
      Effect.map(
        client.json({
          span: "RunService.cancel",
          method: "POST",
          path: `${runPath(runId)}/cancel`,
          body: {},
          policy: options?.policy
        }, Run.Run, "run"),
        valueOf
      ))

  // The run has ended and has no event after `after`: then a stream asked for what follows is complete.
  const hasEnded = (runId: string, after: number) =>
    Effect.zipWith(
      get(runId, { policy: ClientPolicy.withoutRetries() }),
      eventsPage(runId, { startingAfter: after, limit: 1, policy: ClientPolicy.withoutRetries() }),
      (run, page) => Run.isTerminalStatus(run.status) && page.data.length === 0
    )

  const cancelOnce = (runId: string) => cancel(runId, { policy: ClientPolicy.withoutRetries() })

  const eventConnection = (
    response: AgentPlatformClientNs.OpenResponse,
    maxEventSize: number,
    decide: (event: RunEvent.RunEvent) => sse.Decision
  ): Effect.Effect<resume.Connection, ApiError.ApiError> =>
    response.isEventStream
      ? Effect.succeed({
        runId: undefined,
        events: sse.runEvents(response.body, { maxEventSize, requestId: response.requestId, touch: response.touch, decide })
      })
      : Effect.fail(
        new ApiError.DecodeError({
          subject: "run event stream",
          path: "",
          status: response.status,
          message: "expected a text/event-stream answer",
          ...(response.requestId === undefined ? {} : { requestId: response.requestId })
        })
      )

  const connectEvents = (
    runId: string,
    after: number,
    policy: ClientPolicy.PolicyOverrides | undefined,
    maxEventSize: number,
    decide: (event: RunEvent.RunEvent) => sse.Decision,
    span: Tracer.Span | undefined
  ) =>
    Effect.flatMap(
      client.open({
        span: "RunService.events.connect",
        parentSpan: span,
        method: "GET",
        path: `${runPath(runId)}/events`,
        query: { starting_after: after },
        accept: "text/event-stream",
        // the resume loop is the retry policy of a stream
        policy: ClientPolicy.withoutRetries(policy)
      }),
      (response) => eventConnection(response, maxEventSize, decide)
    )

  const events = (runId: string, options?: EventsOptions): Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> =>
    resume.resumable(
      "RunService.events",
      Effect.gen(function*() {
        yield* validateId(runId, "runId")
        yield* validateStartingAfter(options?.startingAfter)
        const policy = yield* client.policy(options?.policy)
        return {
          runId,
          startingAfter: options?.startingAfter ?? 0,
          policy,
          connect: (state, decide, span) =>
            connectEvents(runId, state.lastSequenceNumber, options?.policy, policy.stream.maxEventSize, decide, span),
          hasEnded,
          onAbandon: options?.cancelOnInterrupt === true ? cancelOnce : undefined
        }
      })
    )

  const stream = (
    sessionId: string,
    input: RunInput.RunInputLike,
    options?: CreateOptions & FollowOptions
  ): Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> =>
    resume.resumable(
      "RunService.stream",
      withId(sessionId, "sessionId", () =>
        Effect.zipWith(createBody(input, options), client.policy(options?.policy), (body, policy): resume.Options => {
          const idempotencyKey = options?.idempotencyKey ?? globalThis.crypto.randomUUID()
          const maxEventSize = policy.stream.maxEventSize
          return {
            runId: undefined,
            startingAfter: 0,
            policy,
            connect: (state, decide, span) => {
              if (state.runId !== undefined) {
                return connectEvents(state.runId, state.lastSequenceNumber, options?.policy, maxEventSize, decide, span)
              }
              // No run id yet: the same Idempotency-Key makes the platform stream the same run from its start.
              return Effect.flatMap(
                client.open({
                  span: "RunService.stream.connect",
                  parentSpan: span,
                  method: "POST",
                  path: sessionRunsPath(sessionId),
                  body: { ...body, stream: true },
                  idempotencyKey,
                  accept: "text/event-stream",
                  policy: state.connections === 1 ? options?.policy : ClientPolicy.withoutRetries(options?.policy)
                }),
                (response) =>
                  Effect.map(eventConnection(response, maxEventSize, decide), (connection) => ({
                    ...connection,
                    runId: runIdFromLocation(response.headers["content-location"])
                  }))
              )
            },
            hasEnded,
            onAbandon: options?.cancelOnInterrupt === false ? undefined : cancelOnce
          }
        }))
    )

  // `POST /sessions/{id}/runs`, answered at once, or (`wait`) when the run has ended, within the wait deadline.
  const post = (sessionId: string, input: RunInput.RunInputLike, options: CreateOptions | undefined, wait: boolean) =>
    withId(sessionId, "sessionId", () =>
      Effect.flatMap(createBody(input, options), (body) =>
        Effect.map(
          client.json({
            span: "RunService.create",
            method: "POST",
            path: sessionRunsPath(sessionId),
            body: wait ? { ...body, wait: true } : body,
            idempotencyKey: options?.idempotencyKey,
            deadline: wait ? "wait" : "request",
            policy: options?.policy
          }, Run.Run, "run"),
          valueOf
        )))

  const create = (sessionId: string, input: RunInput.RunInputLike, options?: CreateOptions) =>
    post(sessionId, input, options, false)

  const createAndWait = Effect.fn("RunService.createAndWait")(function*(
    sessionId: string,
    input: RunInput.RunInputLike,
    options?: CreateOptions & FollowOptions
  ) {
    let run = yield* post(sessionId, input, options, true)
    if (!Run.isTerminalStatus(run.status)) {
      yield* Stream.runDrain(events(run.id, {
        cancelOnInterrupt: options?.cancelOnInterrupt ?? true,
        policy: options?.policy
      }))
      run = yield* get(run.id, options)
    }
    return yield* terminalRun(run)
  })

  const eventsPage = (runId: string, options?: EventsPageOptions) =>
    Effect.gen(function*() {
      yield* validateId(runId, "runId")
      yield* validateStartingAfter(options?.startingAfter)
      const response = yield* client.json({
        span: "RunService.eventsPage",
        method: "GET",
        path: `${runPath(runId)}/events`,
        query: { starting_after: options?.startingAfter, limit: options?.limit },
        policy: options?.policy
      }, EventPage, "run event page")
      const data: Array<RunEvent.RunEvent> = []
      for (const item of response.value.data) {
        const decoded = RunEvent.decode(item, response.requestId)
        if (Either.isLeft(decoded)) return yield* Effect.fail(decoded.left)
        data.push(decoded.right)
      }
      return { data, hasMore: response.value.hasMore }
    })

  const list = (sessionId: string, params?: Page.PageParams & CallOptions) =>
    Effect.gen(function*() {
      yield* validateId(sessionId, "sessionId")
      const response = yield* client.json({
        span: "RunService.list",
        method: "GET",
        path: sessionRunsPath(sessionId),
        query: { limit: params?.limit, starting_after: params?.startingAfter },
        policy: params?.policy
      }, RunPage, "run list")
      return response.value
    })

  const listAll = (sessionId: string, params?: { readonly pageSize?: number | undefined } & CallOptions) =>
    Page.stream((startingAfter) => list(sessionId, { limit: params?.pageSize, startingAfter, policy: params?.policy }))

  return RunService.of({ create, createAndWait, stream, events, eventsPage, get, list, listAll, cancel })
})

/**
 * The layer of the service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RunService, never, AgentPlatformClient> = Layer.effect(RunService, make)

/**
 * A layer from a partial implementation, for tests. Calling a method it lacks fails loudly (a defect naming
 * the method).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (implementation: Partial<Service>): Layer.Layer<RunService> =>
  Layer.succeed(RunService, RunService.of({
    create: implementation.create ?? missing("RunService.create"),
    createAndWait: implementation.createAndWait ?? missing("RunService.createAndWait"),
    stream: implementation.stream ?? missing.stream("RunService.stream"),
    events: implementation.events ?? missing.stream("RunService.events"),
    eventsPage: implementation.eventsPage ?? missing("RunService.eventsPage"),
    get: implementation.get ?? missing("RunService.get"),
    list: implementation.list ?? missing("RunService.list"),
    listAll: implementation.listAll ?? missing.stream("RunService.listAll"),
    cancel: implementation.cancel ?? missing("RunService.cancel")
  }))

/**
 * Folds a run's event stream into its summary: text (deltas, replaced by `message.output.completed`),
 * reasoning, tool calls and final status.
 *
 * @since 0.1.0
 * @category folding
 */
export const summarize = <E, R>(events: Stream.Stream<RunEvent.RunEvent, E, R>): Effect.Effect<RunEvent.Summary, E, R> =>
  Stream.runFold(events, RunEvent.emptySummary, RunEvent.fold)

/**
 * Folds a run's event stream into its answer text.
 *
 * @since 0.1.0
 * @category folding
 */
export const text = <E, R>(events: Stream.Stream<RunEvent.RunEvent, E, R>): Effect.Effect<string, E, R> =>
  Effect.map(summarize(events), (summary) => summary.text)

/**
 * Folds a run's event stream into its tool calls.
 *
 * @since 0.1.0
 * @category folding
 */
export const toolCalls = <E, R>(
  events: Stream.Stream<RunEvent.RunEvent, E, R>
): Effect.Effect<ReadonlyArray<RunEvent.ToolCallSummary>, E, R> =>
  Effect.map(summarize(events), (summary) => summary.toolCalls)

/**
 * Folds a run's event stream into its final status (`undefined` if it ended without a terminal event).
 *
 * @since 0.1.0
 * @category folding
 */
export const finalStatus = <E, R>(
  events: Stream.Stream<RunEvent.RunEvent, E, R>
): Effect.Effect<RunEvent.Summary["status"], E, R> => Effect.map(summarize(events), (summary) => summary.status)
