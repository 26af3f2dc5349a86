/**
 * A scripted `HttpClient` for tests: canned JSON and SSE answers, streams cut at chosen points, transport
 * failures, and a record of every request sent. Put it under the client's layers instead of a real
 * `HttpClient`.
 *
 * @example
 * ```ts
 * import { AgentPlatform, TestHttpClient } from "effect-agent-platform"
 * import { Layer, Redacted } from "effect"
 *
 * const Scripted = TestHttpClient.layer(TestHttpClient.sequence([
 *   TestHttpClient.json(201, { id: "sess_1", status: "active", created_at: "…", updated_at: "…" })
 * ]))
 * const TestLayer = AgentPlatform.layer({ apiKey: Redacted.make("test") }).pipe(Layer.provideMerge(Scripted))
 * ```
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientError, HttpClientResponse } from "@effect/platform"
import type { HttpClientRequest } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import type * as RunEvent from "./RunEvent.js"

/**
 * A request as the scripted client received it. `body` is the parsed JSON (or text) of the body.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly url: URL
  /** The path relative to the origin, e.g. `/v1/sessions`. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  /** 1 for the first request, and so on. */
  readonly index: number
}

/**
 * A failure before any response: refused or reset connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransportFailure {
  readonly _tag: "TransportFailure"
  readonly message: string
}

/**
 * What the scripted client answers: a web `Response`, a transport failure, or an effect of either (to wait
 * on a `Deferred`, or to never answer).
 *
 * @since 0.1.0
 * @category models
 */
export type Reply = Response | TransportFailure | Effect.Effect<Response | TransportFailure>

/**
 * @since 0.1.0
 * @category models
 */
export type Handler = (request: RecordedRequest) => Reply

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Every request sent so far, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
}

/**
 * The record of a scripted client, available beside the `HttpClient` it provides.
 *
 * @since 0.1.0
 * @category tags
 */
export class TestHttpClient extends Context.Tag("effect-agent-platform/TestHttpClient")<TestHttpClient, Service>() {}

const decoder = new TextDecoder()

const bodyOf = (request: HttpClientRequest.HttpClientRequest): unknown => {
  const body = request.body
  let text: string | undefined
  if (body._tag === "Uint8Array") text = decoder.decode(body.body)
  else if (body._tag === "Raw" && typeof body.body === "string") text = body.body
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A response whose body errors when the request is aborted, as a real connection's does. */
const abortable = (response: Response, signal: AbortSignal): Response => {
  const body = response.body
  if (body === null) return response
  const reader = body.getReader()
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const onAbort = () => {
        try {
          controller.error(new Error("the request was aborted"))
        } catch {
          // already closed
        }
        reader.cancel().catch(() => {})
      }
      if (signal.aborted) onAbort()
      else signal.addEventListener("abort", onAbort, { once: true })
    },
    pull(controller) {
      return reader.read().then(
        (result) => {
          if (result.done) controller.close()
          else controller.enqueue(result.value)
        },
        (error) => controller.error(error)
      )
    },
    cancel(reason) {
      return reader.cancel(reason)
    }
  })
  return new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/**
 * Builds a scripted client and its record.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (handler: Handler): Effect.Effect<{ readonly client: HttpClient.HttpClient; readonly service: Service }> =>
  Effect.sync(() => {
    const requests: Array<RecordedRequest> = []
    const client = HttpClient.make((request, url, signal) =>
      Effect.suspend(() => {
        const recorded: RecordedRequest = {
          method: request.method,
          url,
          path: url.pathname,
          headers: { ...request.headers },
          body: bodyOf(request),
          index: requests.length + 1
        }
        requests.push(recorded)
        const reply = handler(recorded)
        const aborted = new HttpClientError.RequestError({ request, reason: "Transport", description: "aborted" })
        // like a real connection, an aborted request ends: a pending answer fails, a body being read errors
        const answered = Effect.isEffect(reply)
          ? Effect.raceFirst(
            reply,
            Effect.async<never, HttpClientError.RequestError>((resume) => {
              const onAbort = () => resume(Effect.fail(aborted))
              if (signal.aborted) onAbort()
              else signal.addEventListener("abort", onAbort, { once: true })
              return Effect.sync(() => signal.removeEventListener("abort", onAbort))
            })
          )
          : Effect.succeed(reply)
        return Effect.flatMap(answered, (answer) =>
          answer instanceof Response
            ? Effect.succeed(HttpClientResponse.fromWeb(request, abortable(answer, signal)))
            : Effect.fail(
              new HttpClientError.RequestError({ request, reason: "Transport", description: answer.message })
            ))
      })
    )
    return { client, service: { requests: Effect.sync(() => requests.slice()) } }
  })

/**
 * A layer providing the scripted `HttpClient` and its {@link TestHttpClient} record.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (handler: Handler): Layer.Layer<HttpClient.HttpClient | TestHttpClient> =>
  Layer.unwrapEffect(
    Effect.map(make(handler), ({ client, service }) =>
      Layer.merge(Layer.succeed(HttpClient.HttpClient, client), Layer.succeed(TestHttpClient, service)))
  )

/**
 * A handler that answers requests in order with the given replies (each may depend on the request), and
 * answers `599` with a message naming the request once they run out, so an unexpected request is loud.
 *
 * @since 0.1.0
 * @category handlers
 */
export const sequence = (replies: ReadonlyArray<Reply | Handler>): Handler => {
  let next = 0
  return (request) => {
    const reply = replies[next++]
    if (reply === undefined) {
      return json(599, { error: `unexpected request ${request.index}: ${request.method} ${request.path}`, code: "UNSCRIPTED" })
    }
    return typeof reply === "function" ? reply(request) : reply
  }
}

/**
 * A JSON answer. `x-request-id` is set unless given.
 *
 * @since 0.1.0
 * @category replies
 */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": `req_test_${status}`, ...headers }
  })

/**
 * A plain text answer (an HTML error page from a proxy, say).
 *
 * @since 0.1.0
 * @category replies
 */
export const text = (status: number, body: string, headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { "content-type": "text/plain", ...headers } })

/**
 * A transport failure: no response at all.
 *
 * @since 0.1.0
 * @category replies
 */
export const transportFailure = (message = "connection reset"): TransportFailure => ({
  _tag: "TransportFailure",
  message
})

/**
 * One SSE frame for an event, with an `id:` line unless `withId` is false.
 *
 * @since 0.1.0
 * @category replies
 */
export const frame = (event: RunEvent.Encoded | Record<string, unknown>, withId = true): string => {
  const { type, sequence_number } = event as { type: string; sequence_number?: number }
  return `${withId && sequence_number !== undefined ? `id: ${sequence_number}\n` : ""}event: ${type}\ndata: ${JSON.stringify(event)}\n\n`
}

/**
 * How a scripted event stream ends.
 * - `"close"`: the body ends normally (a clean close; without a terminal event, a cut);
 * - `"error"`: the connection breaks (a transport error while reading);
 * - `"hang"`: the body never ends and sends nothing more (idle).
 *
 * @since 0.1.0
 * @category models
 */
export type StreamEnd = "close" | "error" | "hang"

/**
 * Options of {@link sse}.
 *
 * @since 0.1.0
 * @category models
 */
export interface SseOptions {
  /** How the body ends after the frames. Default `"close"`. */
  readonly end?: StreamEnd | undefined
  /** Write `id:` lines. Default true. */
  readonly withIds?: boolean | undefined
  /** Split the body into pieces of this many characters, to cross frame boundaries. */
  readonly pieceSize?: number | undefined
  readonly status?: number | undefined
  readonly headers?: Record<string, string> | undefined
}

/**
 * An event stream answer: each item is an event (written as a frame) or raw text (a comment, a partial frame).
 *
 * @since 0.1.0
 * @category replies
 */
export const sse = (
  items: ReadonlyArray<RunEvent.Encoded | Record<string, unknown> | string>,
  options: SseOptions = {}
): Response => {
  const body = items.map((item) => typeof item === "string" ? item : frame(item, options.withIds ?? true)).join("")
  const pieces: Array<string> = []
  const size = options.pieceSize ?? body.length
  for (let i = 0; i < body.length; i += Math.max(1, size)) pieces.push(body.slice(i, i + Math.max(1, size)))
  const encoder = new TextEncoder()
  const end = options.end ?? "close"
  let index = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < pieces.length) {
        controller.enqueue(encoder.encode(pieces[index++]))
        return
      }
      if (end === "close") controller.close()
      else if (end === "error") controller.error(new Error("connection reset by peer"))
      else return new Promise<void>(() => {})
    }
  })
  return new Response(stream, {
    status: options.status ?? 200,
    headers: { "content-type": "text/event-stream", "x-request-id": "req_test_sse", ...options.headers }
  })
}
