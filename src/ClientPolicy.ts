/**
 * Retry, timeout and stream-resume policies. The defaults below are set on the layer, may be overridden
 * there, for one region of a program ({@link withPolicy}), or for one call (each method's `policy` option).
 * The innermost setting wins, field by field.
 *
 * @since 0.1.0
 */
import { Duration, Effect, FiberRef, Schedule, Stream } from "effect"
import { dual } from "effect/Function"
import { type ApiError, retryAfterSeconds } from "./ApiError.js"

/**
 * How requests are retried.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /** Retries after the first try. Default 3. */
  readonly times: number
  /** First backoff delay; doubled each retry. Default 500 ms. */
  readonly base: Duration.DurationInput
  /** Largest backoff delay. Default 8 s. */
  readonly cap: Duration.DurationInput
  /** Randomise each delay between 80% and 120% of its value. Default true. */
  readonly jitter: boolean
  /**
   * The longest `Retry-After` the client waits for. A `429` or `503` asking for longer is not retried: its
   * error (with `retryAfterSeconds`) reaches the caller. Default 60 s.
   */
  readonly retryAfterCap: Duration.DurationInput
  /** Which errors are retried. Default: those whose `retryable` is true. */
  readonly while: (error: ApiError) => boolean
  /**
   * A schedule that replaces `times`, `base`, `cap` and `jitter`. `Retry-After` and `while` still apply.
   */
  readonly schedule?: Schedule.Schedule<unknown, ApiError> | undefined
}

/**
 * Deadlines.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timeouts {
  /** One request, from sending to the end of its body (or to the headers, for a stream). Default 60 s. */
  readonly request: Duration.DurationInput
  /** A `wait: true` call, for the platform's answer. Default 10 minutes. */
  readonly wait: Duration.DurationInput
  /**
   * How long a stream may send nothing, not even a keep-alive, before it counts as cut and is resumed.
   * Default 45 s (three keep-alive periods).
   */
  readonly streamIdle: Duration.DurationInput
}

/**
 * How cut event streams are resumed.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamPolicy {
  /** Consecutive reconnects that deliver no new event before the stream fails. Default 5. */
  readonly maxReconnects: number
  /** Backoff before the second consecutive reconnect; doubled after each. Default 250 ms. */
  readonly reconnectBase: Duration.DurationInput
  /** Largest reconnect backoff. Default 8 s. */
  readonly reconnectCap: Duration.DurationInput
  /** The largest event, in characters. Default 10 MiB. */
  readonly maxEventSize: number
  /** How long cancelling an abandoned run may take before it is given up. Default 5 s. */
  readonly cancelTimeout: Duration.DurationInput
}

/**
 * The whole policy.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  readonly retry: RetryPolicy
  readonly timeouts: Timeouts
  readonly stream: StreamPolicy
}

/**
 * Any part of a {@link Policy}.
 *
 * @since 0.1.0
 * @category models
 */
export interface PolicyOverrides {
  readonly retry?: Partial<RetryPolicy> | undefined
  readonly timeouts?: Partial<Timeouts> | undefined
  readonly stream?: Partial<StreamPolicy> | undefined
}

/**
 * The defaults.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: Policy = {
  retry: {
    times: 3,
    base: Duration.millis(500),
    cap: Duration.seconds(8),
    jitter: true,
    retryAfterCap: Duration.seconds(60),
    while: (error) => error.retryable
  },
  timeouts: {
    request: Duration.seconds(60),
    wait: Duration.minutes(10),
    streamIdle: Duration.seconds(45)
  },
  stream: {
    maxReconnects: 5,
    reconnectBase: Duration.millis(250),
    reconnectCap: Duration.seconds(8),
    maxEventSize: 10 * 1024 * 1024,
    cancelTimeout: Duration.seconds(5)
  }
}

const defined = <A extends object>(a: A | undefined): Partial<A> => {
  const out: Partial<A> = {}
  if (a === undefined) return out
  for (const key in a) {
    if (a[key] !== undefined) out[key] = a[key]
  }
  return out
}

/**
 * Applies overrides to a policy, field by field.
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge = (policy: Policy, overrides: PolicyOverrides | undefined): Policy =>
  overrides === undefined || isEmpty(overrides) ? policy : {
    retry: { ...policy.retry, ...defined(overrides.retry) },
    timeouts: { ...policy.timeouts, ...defined(overrides.timeouts) },
    stream: { ...policy.stream, ...defined(overrides.stream) }
  }

/**
 * The same overrides with retries switched off, for calls whose caller already retries (a stream's resume
 * loop, a best-effort cancel).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withoutRetries = (overrides?: PolicyOverrides | undefined): PolicyOverrides => ({
  ...overrides,
  retry: { ...overrides?.retry, times: 0 }
})

const isEmpty = (overrides: PolicyOverrides | undefined): boolean => {
  if (overrides === undefined) return true
  for (const part of [overrides.retry, overrides.timeouts, overrides.stream]) {
    if (part === undefined) continue
    for (const key in part) {
      if ((part as Record<string, unknown>)[key] !== undefined) return false
    }
  }
  return true
}

const mergeOverrides = (outer: PolicyOverrides, inner: PolicyOverrides): PolicyOverrides => ({
  retry: { ...defined(outer.retry), ...defined(inner.retry) },
  timeouts: { ...defined(outer.timeouts), ...defined(inner.timeouts) },
  stream: { ...defined(outer.stream), ...defined(inner.stream) }
})

/**
 * The overrides in force in the current fiber, set by {@link withPolicy}.
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentOverrides: FiberRef.FiberRef<PolicyOverrides> = FiberRef.unsafeMake<PolicyOverrides>({})

/**
 * Runs an effect with a policy overridden for every client call made inside it.
 *
 * @example
 * ```ts
 * import { ClientPolicy } from "effect-agent-platform"
 * program.pipe(ClientPolicy.withPolicy({ retry: { times: 0 }, timeouts: { request: "5 seconds" } }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPolicy: {
  (overrides: PolicyOverrides): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: PolicyOverrides): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: PolicyOverrides): Effect.Effect<A, E, R> =>
    Effect.locallyWith(self, currentOverrides, (outer) => mergeOverrides(outer, overrides))
)

/**
 * {@link withPolicy} for a stream: the overrides apply to the requests the stream makes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPolicyStream: {
  (overrides: PolicyOverrides): <A, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R>
  <A, E, R>(self: Stream.Stream<A, E, R>, overrides: PolicyOverrides): Stream.Stream<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Stream.Stream<A, E, R>, overrides: PolicyOverrides): Stream.Stream<A, E, R> =>
    Stream.unwrapScoped(
      Effect.as(
        Effect.locallyScopedWith(currentOverrides, (outer: PolicyOverrides) => mergeOverrides(outer, overrides)),
        self
      )
    )
)

/**
 * The schedule a retry policy describes: its backoff (or its own `schedule`), stopped by `while`, with each
 * delay raised to the error's `Retry-After`. An error asking to wait longer than `retryAfterCap` stops it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const retrySchedule = (policy: RetryPolicy): Schedule.Schedule<unknown, ApiError> => {
  const cached = schedules.get(policy)
  if (cached !== undefined) return cached
  const schedule = makeRetrySchedule(policy)
  schedules.set(policy, schedule)
  return schedule
}

// A policy object is immutable, so its schedule is built once.
const schedules = new WeakMap<RetryPolicy, Schedule.Schedule<unknown, ApiError>>()

const makeRetrySchedule = (policy: RetryPolicy): Schedule.Schedule<unknown, ApiError> => {
  const cap = Duration.decode(policy.cap)
  const backoff = policy.schedule ??
    Schedule.exponential(policy.base).pipe(
      (s) => (policy.jitter ? Schedule.jittered(s) : s),
      Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)),
      Schedule.intersect(Schedule.recurs(policy.times))
    )
  const retryAfterCapMillis = Duration.toMillis(policy.retryAfterCap)
  return Schedule.intersect(Schedule.identity<ApiError>(), backoff).pipe(
    Schedule.whileInput((error: ApiError) => {
      if (!policy.while(error)) return false
      const retryAfter = retryAfterSeconds(error)
      return retryAfter === undefined || retryAfter * 1000 <= retryAfterCapMillis
    }),
    Schedule.modifyDelay(([error], delay) => {
      const retryAfter = retryAfterSeconds(error)
      return retryAfter === undefined ? delay : Duration.max(delay, Duration.seconds(retryAfter))
    })
  )
}
