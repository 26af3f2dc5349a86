/**
 * Streams that lose nothing: remember the last `sequence_number` delivered, and on a cut (a retryable error,
 * idle past the window, or an end without a terminal event) reconnect after it, dropping what was already
 * delivered, until the terminal event. Consecutive reconnects that deliver nothing new are bounded.
 *
 * @internal
 */
import { Cause, Duration, Effect, Exit, Option, Stream } from "effect"
import type * as Scope from "effect/Scope"
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
  /** Opens a connection after `state.lastSequenceNumber`; its events must go through `decide`. */
  readonly connect: (
    state: State,
    decide: (event: RunEvent.RunEvent) => sse.Decision
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

/** @internal */
export const resumable = (options: Options): Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> =>
  Stream.suspend(() => {
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

    const connectOnce: Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> = Stream.unwrapScoped(
      Effect.map(
        Effect.suspend(() => {
          state.connections += 1
          deliveredOnThisConnection = false
          return options.connect(state, decide)
        }),
        (connection) => {
          if (connection.runId !== undefined) state.runId = connection.runId
          return connection.events
        }
      )
    )

    const attempt = (): Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> =>
      connectOnce.pipe(
        Stream.catchAll((error) => {
          if (!error.retryable) return Stream.fail(error)
          lastError = `${error._tag}: ${error.message}`
          return reconnect(ApiError.retryAfterSeconds(error))
        }),
        Stream.concat(Stream.suspend(() => {
          if (state.terminal) return Stream.empty
          lastError = "the stream ended without a terminal event"
          // A clean end that brought nothing new may mean the run ended at or before `starting_after`
          // (an observer that asked for what comes after the terminal event): ask the run before resuming.
          const runId = state.runId
          if (deliveredOnThisConnection || runId === undefined || options.hasEnded === undefined) {
            return reconnect(undefined)
          }
          return Stream.unwrap(Effect.match(options.hasEnded(runId, state.lastSequenceNumber), {
            onFailure: () => reconnect(undefined),
            onSuccess: (ended) => ended ? Stream.empty : reconnect(undefined)
          }))
        }))
      )

    // After a cut: the first reconnect goes at once, further consecutive ones back off.
    const reconnect = (retryAfter: number | undefined): Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> =>
      Stream.unwrap(Effect.suspend(() => {
        failures += 1
        if (failures > streamPolicy.maxReconnects) {
          return Effect.fail(
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
        return Effect.as(Duration.isZero(delay) ? Effect.void : Effect.sleep(delay), attempt())
      }))

    const stream = attempt()
    const onAbandon = options.onAbandon
    if (onAbandon === undefined) return stream
    return Stream.ensuringWith(stream, (exit) => {
      const runId = state.runId
      if (state.terminal || runId === undefined) return Effect.void
      const abandoned = Exit.isSuccess(exit) ||
        (Exit.isFailure(exit) && Option.isNone(Cause.failureOption(exit.cause)) && Cause.isInterrupted(exit.cause))
      return abandoned ? cancelBounded(onAbandon(runId), options.policy.stream.cancelTimeout) : Effect.void
    })
  })
