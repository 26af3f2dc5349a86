import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Cause, Effect, Exit, Layer, Logger, Option, Redacted, Tracer } from "effect"
import { readFileSync } from "node:fs"
import { AgentPlatform, type ApiError, type ClientPolicy, TestHttpClient } from "../src/index.js"
import { API_KEY, BASE_URL, testLayer } from "./helpers.js"

/** Every request the scripted client received so far. */
export const requests = Effect.flatMap(TestHttpClient.TestHttpClient, (t) => t.requests)

/** A layer whose retries are off, so a retryable status reaches the caller after one request. */
export const noRetryLayer = (handler: TestHttpClient.Handler) => testLayer(handler, { retry: { times: 0 } })

/** A policy with deterministic backoff (no jitter), for timing assertions under TestClock. */
export const fixedBackoff = (overrides: Partial<ClientPolicy.RetryPolicy> = {}): ClientPolicy.PolicyOverrides => ({
  retry: { jitter: false, ...overrides }
})

/** Reads a file of test/fixtures/docs. */
export const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/docs/${name}`, import.meta.url), "utf8")

export const fixtureJson = (name: string): unknown => JSON.parse(fixture(name))

/** The version field of package.json. */
export const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version

/** The typed failure of an exit, or a thrown assertion naming what it was instead. */
export const failureOf = <A>(exit: Exit.Exit<A, ApiError.ApiError>): ApiError.ApiError => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got success ${JSON.stringify(exit.value)}`)
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** The message of the defect an exit died with. */
export const defectMessageOf = <A, E>(exit: Exit.Exit<A, E>): string => {
  if (Exit.isSuccess(exit)) throw new Error("expected a defect, got success")
  const defect = Cause.dieOption(exit.cause)
  if (Option.isNone(defect)) throw new Error(`expected a defect, got ${Cause.pretty(exit.cause)}`)
  const value = defect.value
  return value instanceof Error ? value.message : String(value)
}

/**
 * A logger that keeps every formatted line (logfmt and JSON forms, with the cause pretty-printed), to check
 * what a program would write to its logs.
 */
export const captureLogs = () => {
  const lines: Array<string> = []
  const collector = Logger.make<unknown, void>((options) => {
    lines.push(Logger.logfmtLogger.log(options))
    lines.push(Logger.jsonLogger.log(options))
    lines.push(Logger.stringLogger.log(options))
    if (!Cause.isEmpty(options.cause)) lines.push(Cause.pretty(options.cause, { renderErrorCause: true }))
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, collector) }
}

/** A recorded request, as the client built it, with the content type of its body. */
export interface RawRequest {
  readonly method: string
  readonly url: string
  readonly bodyContentType: string | undefined
}

/**
 * The whole client over a minimal HttpClient that records the body content type of each request (which
 * `TestHttpClient` does not record) and answers with `reply`.
 */
export const rawRecordingLayer = (reply: () => Response) => {
  const raw: Array<RawRequest> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      raw.push({
        method: request.method,
        url: url.toString(),
        bodyContentType: request.body._tag === "Empty" ? undefined : request.body.contentType
      })
      return HttpClientResponse.fromWeb(request, reply())
    })
  )
  const layer = AgentPlatform.layer({ apiKey: Redacted.make(API_KEY), baseUrl: BASE_URL }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
    Layer.orDie
  )
  return { raw, layer }
}

/** A tracer that keeps every span: its name, attributes, events and exit, to check what a trace would carry. */
export const recordingTracer = () => {
  const spans: Array<Tracer.Span & { readonly events: Array<unknown> }> = []
  const tracer = Tracer.make({
    span(name, parent, context, links, startTime, kind, options) {
      const attributes = new Map<string, unknown>(Object.entries(options?.attributes ?? {}))
      const events: Array<unknown> = []
      const span = {
        _tag: "Span" as const,
        name,
        spanId: `span_${spans.length + 1}`,
        traceId: parent._tag === "Some" ? parent.value.traceId : `trace_${spans.length + 1}`,
        parent,
        context,
        status: { _tag: "Started", startTime } as Tracer.SpanStatus,
        attributes,
        links: Array.from(links),
        sampled: true,
        kind,
        events,
        end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
          span.status = { _tag: "Ended", startTime, endTime, exit }
        },
        attribute(key: string, value: unknown) {
          attributes.set(key, value)
        },
        event(name: string, _startTime: bigint, eventAttributes?: Record<string, unknown>) {
          events.push([name, eventAttributes])
        },
        addLinks(more: ReadonlyArray<Tracer.SpanLink>) {
          span.links.push(...more)
        }
      }
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  /** Everything the spans hold, as text. */
  const dump = () =>
    spans.map((span) => {
      const exit = span.status._tag === "Ended" && Exit.isFailure(span.status.exit)
        ? Cause.pretty(span.status.exit.cause)
        : ""
      return [
        span.name,
        ...Array.from(span.attributes, ([key, value]) => `${key}=${typeof value === "string" ? value : safeJson(value)}`),
        safeJson(span.events),
        exit
      ].join("\n")
    }).join("\n---\n")
  return { spans, tracer, dump }
}

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? String(v) : v)) ?? String(value)
  } catch {
    return String(value)
  }
}
