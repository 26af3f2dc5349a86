/**
 * When the client makes spans, and the trace headers it sends.
 *
 * A span is made only when it can be recorded: the tracer is enabled and is not Effect's built-in one, which
 * keeps nothing a caller can read back (it is what runs when no tracer is installed). Without one, a request
 * still carries the caller's trace context, if it has one, so that a trace begun upstream goes on through the
 * platform.
 *
 * @internal
 */
import { HttpClient, HttpTraceContext } from "@effect/platform"
import { Effect, FiberRef } from "effect"
import type { Fiber, Tracer } from "effect"

let builtIn: Tracer.Tracer | undefined

/** @internal Effect's own tracer, as the default services hold it. */
const builtInTracer = (): Tracer.Tracer => builtIn ??= Effect.runSync(Effect.tracer)

/** @internal What a call does about tracing, read from the calling fiber. */
export interface Tracing {
  /** Whether to make spans. */
  readonly record: boolean
  /** Whether requests carry trace headers. */
  readonly propagate: boolean
  /** The caller's span, for a request's headers when no span of the client's is made. */
  readonly current: Tracer.AnySpan | undefined
}

/** @internal */
export const read = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Tracing => {
  const enabled = fiber.getFiberRef(FiberRef.currentTracerEnabled)
  return {
    record: enabled && fiber.currentTracer !== builtInTracer(),
    propagate: enabled && fiber.getFiberRef(HttpClient.currentTracerPropagation),
    current: fiber.currentSpan
  }
}

/** @internal The W3C `traceparent` and the `b3` header of a span, as Effect's own HTTP client sends them. */
export const headers = (span: Tracer.AnySpan): Record<string, string> => {
  if (span._tag === "Span") return HttpTraceContext.toHeaders(span)
  return {
    b3: `${span.traceId}-${span.spanId}-${span.sampled ? "1" : "0"}`,
    traceparent: `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
  }
}
