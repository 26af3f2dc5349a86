/**
 * Streams that lose nothing: remember the last `sequence_number` delivered, and on a cut (a retryable error,
 * idle past the window, or an end without a terminal event) reconnect after it, dropping what was already
 * delivered, until the terminal event. Consecutive reconnects that deliver nothing new are bounded.
 *
 * The whole loop is one pull function over the current connection (one stream stage, whatever the number of
 * reconnects), with the stream's span and its cancel-on-abandon finaliser in the stream's scope.
 *
 * @internal
 */
import { Cause, Chunk, Duration, Effect, Exit, ExecutionStrategy, Option, Scope, Stream } from "effect"
import type { Tracer } from "effect"
import * as ApiError from "../ApiError.js"
import type * as ClientPolicy from "../ClientPolicy.js"
import * as RunEvent from "../RunEvent.js"
import type * as sse from "./sse.js"

/** @internal */
export interface State {
  runId: string | undefined
  lastSequenceNumber: number
  terminal: boolean
  /** Connections opened so far, the first included. */
  connections: number
}

/** @internal */
export interface Connection {
  readonly runId: string | undefined
  readonly events: Stream.Stream<RunEvent.RunEvent, ApiError.ApiError>
}

/** @internal */
export interface Options {
  readonly runId: string | undefined
  readonly startingAfter: number
  readonly policy: ClientPolicy.Policy
  /**
   * Opens a connection after `state.lastSequenceNumber`; its events must go through `decide`. Its requests are
   * children of `span`, the stream's span.
   */
  readonly connect: (
    state: State,
    decide: (event: RunEvent.RunEvent) => sse.Decision,
    span: Tracer.Span
  ) => Effect.Effect<Connection, ApiError.ApiError, Scope.Scope>
  /** Whether the run has ended; asked when a connection ends cleanly having brought nothing new. */
  readonly hasEnded?: ((runId: string, after: number) => Effect.Effect<boolean, ApiError.ApiError>) | undefined
  /** Called when the consumer stops before the terminal event (interrupted, or no longer pulling); bounded in time, its failure ignored. */
  readonly onAbandon?: ((runId: string) => Effect.Effect<unknown, unknown>) | undefined
}

/**
 * @internal A best-effort cancel from a finaliser: finalisers are uninterruptible, so the cancel is made
 * interruptible for its timeout to end it, and its failure is ignored.
 */
export const cancelBounded = (cancel: Effect.Effect<unknown, unknown>, timeout: Duration.DurationInput): Effect.Effect<void> =>
  cancel.pipe(Effect.interruptible, Effect.timeout(timeout), Effect.ignore)

type Pull = Effect.Effect<Chunk.Chunk<RunEvent.RunEvent>, Option.Option<ApiError.ApiError>>

/**
 * @internal The resumable stream whose options `prepare` computes (validating the caller's arguments first), in
 * a span named `spanName`.
 */
export const resumable = (
  spanName: string,
  prepare: Effect.Effect<Options, ApiError.ApiError>
): Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const options = yield* prepare
    const outer = yield* Effect.scope
    const span = yield* Effect.makeSpanScoped(spanName, { captureStackTrace: false })
    const state: State = {
      runId: options.runId,
      lastSequenceNumber: options.startingAfter,
      terminal: false,
      connections: 0
    }
    const streamPolicy = options.policy.stream
    let failures = 0
    let lastError = "the stream ended without a terminal event"
    let deliveredOnThisConnection = false
    // set when this stream fails with a typed error of its own: that is not an abandon
    let failed = false
    let connection: { readonly scope: Scope.CloseableScope; readonly pull: Pull } | undefined

    const onAbandon = options.onAbandon
    if (onAbandon !== undefined) {
      yield* Effect.addFinalizer((exit) => {
        const runId = state.runId
        if (state.terminal || failed || runId === undefined) return Effect.void
        const abandoned = Exit.isSuccess(exit) ||
          (Option.isNone(Cause.failureOption(exit.cause)) && Cause.isInterrupted(exit.cause))
        return abandoned
          ? cancelBounded(Effect.withParentSpan(onAbandon(runId), span), streamPolicy.cancelTimeout)
          : Effect.void
      })
    }

    // Each decoded event: drop what was already delivered, remember the last, end at the terminal event.
    const decide = (event: RunEvent.RunEvent): sse.Decision => {
      if (state.terminal || event.sequence_number <= state.lastSequenceNumber) return "skip"
      state.lastSequenceNumber = event.sequence_number
      state.runId ??= event.run_id
      failures = 0
      deliveredOnThisConnection = true
      if (!RunEvent.isTerminal(event)) return "emit"
      state.terminal = true
      return "last"
    }

    const fail = (error: ApiError.ApiError): Pull => {
      failed = true
      return Effect.fail(Option.some(error))
    }

    const closeConnection = Effect.suspend(() => {
      const current = connection
      connection = undefined
      return current === undefined ? Effect.void : Scope.close(current.scope, Exit.void)
    })

    // A connection lives in a scope of its own, closed when it ends or is cut (and with the stream's scope).
    const connect: Effect.Effect<void, ApiError.ApiError> = Effect.flatMap(
      Scope.fork(outer, ExecutionStrategy.sequential),
      (scope) => {
        state.connections += 1
        deliveredOnThisConnection = false
        return options.connect(state, decide, span).pipe(
          Effect.flatMap((opened) => {
            if (opened.runId !== undefined) state.runId = opened.runId
            return Stream.toPull(opened.events)
          }),
          Scope.extend(scope),
          Effect.map((pull) => {
            connection = { scope, pull }
          }),
          Effect.onError(() => Scope.close(scope, Exit.void))
        )
      }
    )

    // After a cut: the first reconnect goes at once, further consecutive ones back off.
    const reconnect = (retryAfter: number | undefined): Pull => {
      failures += 1
      if (failures > streamPolicy.maxReconnects) {
        return fail(
          new ApiError.StreamResumeExhausted({
            ...(state.runId === undefined ? {} : { runId: state.runId }),
            attempts: failures - 1,
            lastSequenceNumber: state.lastSequenceNumber,
            lastError,
            message: `the event stream could not be resumed after ${failures - 1} consecutive reconnects: ${lastError}`
          })
        )
      }
      const backoff = failures === 1
        ? Duration.zero
        : Duration.min(
          Duration.times(Duration.decode(streamPolicy.reconnectBase), 2 ** (failures - 2)),
          Duration.decode(streamPolicy.reconnectCap)
        )
      const delay = retryAfter === undefined ? backoff : Duration.max(
        backoff,
        Duration.min(Duration.seconds(retryAfter), Duration.decode(options.policy.retry.retryAfterCap))
      )
      return Duration.isZero(delay) ? pull : Effect.zipRight(Effect.sleep(delay), pull)
    }

    const onCut = (error: ApiError.ApiError): Pull => {
      if (!error.retryable) return fail(error)
      lastError = `${error._tag}: ${error.message}`
      return reconnect(ApiError.retryAfterSeconds(error))
    }

    const end: Pull = Effect.fail(Option.none())

    const onEnd: Pull = Effect.suspend(() => {
      if (state.terminal) return end
      lastError = "the stream ended without a terminal event"
      // A clean end that brought nothing new may mean the run ended at or before `starting_after`
      // (an observer that asked for what comes after the terminal event): ask the run before resuming.
      const runId = state.runId
      if (deliveredOnThisConnection || runId === undefined || options.hasEnded === undefined) {
        return reconnect(undefined)
      }
      return Effect.matchEffect(Effect.withParentSpan(options.hasEnded(runId, state.lastSequenceNumber), span), {
        onFailure: () => reconnect(undefined),
        onSuccess: (ended) => ended ? end : reconnect(undefined)
      })
    })

    const pull: Pull = Effect.suspend(() => {
      if (state.terminal) return Effect.zipRight(closeConnection, end)
      const current = connection
      if (current === undefined) {
        return Effect.matchEffect(connect, { onFailure: onCut, onSuccess: () => pull })
      }
      return Effect.matchEffect(current.pull, {
        onSuccess: (chunk) => Chunk.isEmpty(chunk) ? pull : Effect.succeed(chunk),
        onFailure: (error) =>
          Effect.zipRight(closeConnection, Option.isNone(error) ? onEnd : onCut(error.value))
      })
    })

    return Stream.repeatEffectChunkOption(pull)
  }))
