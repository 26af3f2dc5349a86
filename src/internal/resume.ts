/**
 * Streams that lose nothing: remember the last `sequence_number` delivered, and on a cut (a retryable error,
 * idle past the window, or an end without a terminal event) reconnect after it, dropping what was already
 * delivered, until the terminal event. Consecutive reconnects that deliver nothing new are bounded.
 *
 * The whole loop is one channel (one stream stage, whatever the number of reconnects), each connection's events
 * running inside it as they are, with the stream's span and its cancel-on-abandon finaliser in its scope.
 *
 * @internal
 */
import { Cause, Channel, Chunk, Duration, Effect, Exit, ExecutionStrategy, Option, Scope, Stream } from "effect"
import type { Tracer } from "effect"
import * as ApiError from "../ApiError.js"
import type * as ClientPolicy from "../ClientPolicy.js"
import * as RunEvent from "../RunEvent.js"
import type * as sse from "./sse.js"
import * as Tracing from "./tracing.js"

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
   * children of `span`, the stream's span, when spans are recorded.
   */
  readonly connect: (
    state: State,
    decide: (event: RunEvent.RunEvent) => sse.Decision,
    span: Tracer.Span | undefined
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

type Events = Channel.Channel<Chunk.Chunk<RunEvent.RunEvent>, unknown, ApiError.ApiError, unknown, unknown, unknown>

/**
 * @internal The resumable stream whose options `prepare` computes (validating the caller's arguments first), in
 * a span named `spanName` (when spans are recorded).
 *
 * It is one channel: each connection's event channel runs inside it as it is (no pull loop, no extra stage), and
 * a cut or an early end continues the same channel with the next connection.
 */
export const resumable = (
  spanName: string,
  prepare: Effect.Effect<Options, ApiError.ApiError>
): Stream.Stream<RunEvent.RunEvent, ApiError.ApiError> =>
  Stream.fromChannel(Channel.unwrap(Effect.uninterruptible(
    // the stream's scope, its span, its state and its channel, made uninterruptibly; the scope closes with the
    // channel's exit
    Effect.flatMap(prepare, (options) =>
      Effect.flatMap(Scope.make(), (outer) =>
        Effect.withFiberRuntime((fiber) =>
          Effect.map(
            Tracing.read(fiber).record
              ? Effect.flatMap(
                Scope.extend(Effect.makeSpanScoped(spanName, { captureStackTrace: false }), outer),
                (span) => start(options, outer, span)
              )
              : start(options, outer, undefined),
            (channel) => Channel.ensuringWith(channel, (exit) => Scope.close(outer, exit))
          )
        )))
  )))

/** The stream's state and its channel; the cancel-on-abandon finaliser, if any, goes into `outer`. */
const start = (
  options: Options,
  outer: Scope.CloseableScope,
  span: Tracer.Span | undefined
): Effect.Effect<Events> => {
  const inSpan = <A, E>(effect: Effect.Effect<A, E>) => span === undefined ? effect : Effect.withParentSpan(effect, span)
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

  const onAbandon = options.onAbandon
  const registered = onAbandon === undefined ? Effect.void : Scope.addFinalizerExit(outer, (exit) => {
    const runId = state.runId
    if (state.terminal || failed || runId === undefined) return Effect.void
    const abandoned = Exit.isSuccess(exit) ||
      (Option.isNone(Cause.failureOption(exit.cause)) && Cause.isInterrupted(exit.cause))
    return abandoned ? cancelBounded(inSpan(onAbandon(runId)), streamPolicy.cancelTimeout) : Effect.void
  })

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

  const fail = (error: ApiError.ApiError): Events => {
    failed = true
    return Channel.fail(error)
  }

  // A connection lives in a scope of its own, closed when its events end, fail or are interrupted (and with
  // the stream's scope).
  const connection: Events = Channel.unwrap(Effect.flatMap(
    Scope.fork(outer, ExecutionStrategy.sequential),
    (scope) => {
      state.connections += 1
      deliveredOnThisConnection = false
      return options.connect(state, decide, span).pipe(
        Scope.extend(scope),
        Effect.map((opened): Events => {
          if (opened.runId !== undefined) state.runId = opened.runId
          return Channel.ensuring(Stream.toChannel(opened.events), Scope.close(scope, Exit.void))
        }),
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
    }
  ))

  // After a cut: the first reconnect goes at once, further consecutive ones back off.
  const reconnect = (retryAfter: number | undefined): Events => {
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
    return Duration.isZero(delay) ? loop : Channel.zipRight(Channel.fromEffect(Effect.sleep(delay)), loop)
  }

  const onCut = (error: ApiError.ApiError): Events => {
    if (!error.retryable) return fail(error)
    lastError = `${error._tag}: ${error.message}`
    return reconnect(ApiError.retryAfterSeconds(error))
  }

  const onEnd = (): Events => {
    if (state.terminal) return Channel.void
    lastError = "the stream ended without a terminal event"
    // A clean end that brought nothing new may mean the run ended at or before `starting_after`
    // (an observer that asked for what comes after the terminal event): ask the run before resuming.
    const runId = state.runId
    if (deliveredOnThisConnection || runId === undefined || options.hasEnded === undefined) {
      return reconnect(undefined)
    }
    return Channel.unwrap(Effect.match(inSpan(options.hasEnded(runId, state.lastSequenceNumber)), {
      onFailure: () => reconnect(undefined),
      onSuccess: (ended) => ended ? Channel.void : reconnect(undefined)
    }))
  }

  // One connection, then what follows it: the end, the next connection, or the failure.
  const loop: Events = Channel.suspend(() =>
    state.terminal
      ? Channel.void
      : Channel.foldChannel(connection, { onFailure: onCut, onSuccess: onEnd })
  )

  return Effect.as(registered, loop)
}
