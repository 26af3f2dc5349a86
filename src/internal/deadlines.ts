/**
 * The deadlines of one client: a request's per-try deadline, a stream connection's request deadline and then
 * its idle window. One sleeping fiber (the ticker) serves all of them, so arming a deadline costs a list
 * insertion rather than a fiber and a timer per call; the ticker sleeps on the `Clock` of the fiber that started
 * it (a `TestClock` in tests), until the earliest deadline, and ends when none is left.
 *
 * @internal
 */
import { Duration, Effect, Fiber, FiberId, Runtime } from "effect"
import type { Clock } from "effect"

/** @internal */
export interface Deadline {
  /** When it falls due, in the clock's milliseconds. */
  due: number
  /**
   * Called by the ticker once `due` has passed: a later time to be called again (e.g. an idle window that was
   * reset since), or the effect that ends what the deadline guards (run in a fiber of its own).
   */
  readonly onDue: (now: number) => number | Effect.Effect<void>
  /** @internal list links */
  prev: Deadline | undefined
  next: Deadline | undefined
  armed: boolean
}

/** @internal */
export const deadline = (due: number, onDue: (now: number) => number | Effect.Effect<void>): Deadline => ({
  due,
  onDue,
  prev: undefined,
  next: undefined,
  armed: false
})

/** @internal */
export interface Deadlines {
  /** Arms a deadline (starting the ticker if it is not running, or restarting it for an earlier deadline). */
  readonly arm: (deadline: Deadline) => Effect.Effect<void>
  /**
   * Arms a deadline now; answers the effect that starts (or restarts) the ticker for it, or `undefined` when the
   * running ticker already serves it (nearly always): then a call has nothing more to run.
   */
  readonly unsafeArm: (deadline: Deadline) => Effect.Effect<void> | undefined
  /** Disarms a deadline; it is not called. Disarming a disarmed deadline does nothing. */
  readonly disarm: (deadline: Deadline) => void
  /** Stops the ticker; deadlines still armed are not called. */
  readonly shutdown: Effect.Effect<void>
  /** How many deadlines are armed (for tests). */
  readonly size: () => number
}

/** @internal */
export const make = (): Deadlines => {
  // a doubly linked list kept sorted by `due`; deadlines of a fixed duration arrive in order, so an insertion
  // almost always lands at the tail
  let head: Deadline | undefined
  let tail: Deadline | undefined
  let count = 0
  let ticker: Fiber.RuntimeFiber<void> | undefined
  let tickerTarget = Infinity
  let stopped = false
  // which ticker is the current one
  let current = 0

  const insert = (d: Deadline) => {
    let after = tail
    while (after !== undefined && after.due > d.due) after = after.prev
    d.prev = after
    d.next = after === undefined ? head : after.next
    if (d.next === undefined) tail = d
    else d.next.prev = d
    if (after === undefined) head = d
    else after.next = d
    d.armed = true
    count++
  }

  const disarm = (d: Deadline) => {
    if (!d.armed) return
    if (d.prev === undefined) head = d.next
    else d.prev.next = d.next
    if (d.next === undefined) tail = d.prev
    else d.next.prev = d.prev
    d.prev = undefined
    d.next = undefined
    d.armed = false
    count--
  }

  // Calls what has fallen due, then sleeps until the next deadline; ends when there is none.
  const tick = (clock: Clock.Clock, generation: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (generation !== current) return Effect.void
      const now = clock.unsafeCurrentTimeMillis()
      const fired: Array<Effect.Effect<void>> = []
      while (head !== undefined && head.due <= now) {
        const d = head
        disarm(d)
        const next = d.onDue(now)
        if (typeof next === "number") {
          d.due = next
          insert(d)
        } else {
          fired.push(next)
        }
      }
      const forks = fired.length === 0 ? Effect.void : Effect.forEach(fired, Effect.forkDaemon, { discard: true })
      if (head === undefined) {
        ticker = undefined
        current++
        tickerTarget = Infinity
        return forks
      }
      const target = head.due
      tickerTarget = target
      return Effect.zipRight(forks, Effect.zipRight(Effect.sleep(Duration.millis(target - now)), tick(clock, generation)))
    })

  // The ticker is started synchronously (with the caller's clock and context), so that two callers cannot both
  // start one; a ticker replaced by another one for an earlier deadline is interrupted and, should it run once
  // more, sees that it is no longer the current one.
  const unsafeArm = (d: Deadline): Effect.Effect<void> | undefined => {
    if (stopped) return undefined
    insert(d)
    if (ticker !== undefined && tickerTarget <= d.due) return undefined
    return Effect.withFiberRuntime<void>((fiber) => {
      if (stopped || !d.armed || (ticker !== undefined && tickerTarget <= d.due)) return Effect.void
      const previous = ticker
      if (previous !== undefined) previous.unsafeInterruptAsFork(FiberId.none)
      const generation = ++current
      tickerTarget = d.due
      const runtime = Runtime.make({
        context: fiber.currentContext,
        runtimeFlags: Runtime.defaultRuntimeFlags,
        fiberRefs: fiber.getFiberRefs()
      })
      ticker = Runtime.runFork(runtime)(Effect.clockWith((clock) => tick(clock, generation)))
      return Effect.void
    })
  }

  const shutdown = Effect.suspend(() => {
    stopped = true
    current++
    const fiber = ticker
    ticker = undefined
    head = undefined
    tail = undefined
    count = 0
    return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
  })

  const arm = (d: Deadline): Effect.Effect<void> => Effect.suspend(() => unsafeArm(d) ?? Effect.void)

  return { arm, unsafeArm, disarm, shutdown, size: () => count }
}
