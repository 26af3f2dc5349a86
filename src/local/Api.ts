/**
 * What every endpoint does alike: reading and checking a JSON body (1 MiB at most, no unknown fields),
 * pagination parameters, POSTs under an `Idempotency-Key`, and answers.
 *
 * @since 0.1.0
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { IncomingMessage } from "node:http"
import type { Socket } from "node:net"
import { Cause, Chunk, Effect, Option, ParseResult, Schema, Stream } from "effect"
import { ApiFailure, CurrentWorkspace, invalidRequest } from "./Domain.js"
import { Idempotency } from "./Idempotency.js"
import type { Outcome } from "./Idempotency.js"
import { Runs, StreamReset } from "./Runs.js"

/**
 * The largest request body: 1 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxBodyBytes = 1024 * 1024

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * The deepest nesting of arrays and objects a body may have.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxDepth = 64

/** The deepest nesting of arrays and objects in a JSON text (strings skipped). */
const depthOf = (text: string): number => {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // a backslash escapes the next character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) max = Math.max(max, ++depth)
    else if (c === 93 || c === 125) depth--
  }
  return max
}

const tooLarge = () =>
  new ApiFailure({ status: 413, code: "PAYLOAD_TOO_LARGE", message: `the request body is over ${maxBodyBytes} bytes` })

/**
 * The request body as text, refused over 1 MiB; an empty body reads as `{}`.
 *
 * @since 0.1.0
 * @category requests
 */
export const rawBody = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const length = Number(request.headers["content-length"] ?? "0")
  if (Number.isFinite(length) && length > maxBodyBytes) return yield* tooLarge()
  const buffer = yield* Effect.mapError(request.arrayBuffer, () => invalidRequest("the request body could not be read"))
  if (buffer.byteLength > maxBodyBytes) return yield* tooLarge()
  let text: string
  try {
    text = utf8.decode(buffer)
  } catch {
    return yield* invalidRequest("the request body is not valid UTF-8")
  }
  return text.trim() === "" ? "{}" : text
})

const describe = (issue: ParseResult.ParseIssue): string =>
  ParseResult.ArrayFormatter.formatIssueSync(issue)
    .slice(0, 3)
    .map((entry) => entry.path.length === 0 ? entry.message : `${entry.path.join(".")}: ${entry.message}`)
    .join("; ")

/**
 * Parses and checks a JSON body against a schema; unknown fields are refused.
 *
 * @since 0.1.0
 * @category requests
 */
export const decodeBody = <A, I>(schema: Schema.Schema<A, I>, text: string): Effect.Effect<A, ApiFailure> =>
  Effect.suspend(() => {
    if (depthOf(text) > maxDepth) {
      return Effect.fail(invalidRequest(`the body nests arrays and objects more than ${maxDepth} levels deep`))
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (cause) {
      return Effect.fail(invalidRequest(`malformed JSON: ${cause instanceof Error ? cause.message : String(cause)}`))
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return Effect.fail(invalidRequest("the body must be a JSON object"))
    }
    const decoded = Schema.decodeUnknownEither(schema)(value, { onExcessProperty: "error", errors: "all" })
    return decoded._tag === "Right"
      ? Effect.succeed(decoded.right)
      : Effect.fail(invalidRequest(`invalid request body: ${describe(decoded.left.issue)}`))
  })

/**
 * The query parameters of the request.
 *
 * @since 0.1.0
 * @category requests
 */
export const query = Effect.map(HttpServerRequest.HttpServerRequest, (request) => new URL(request.url, "http://local").searchParams)

const integer = (name: string, text: string, min: number, max: number) =>
  /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max
    ? Effect.succeed(Number(text))
    : Effect.fail(invalidRequest(`${name} must be a whole number from ${min} to ${max}`))

/**
 * `limit` (1..`max`) and `starting_after` (an id).
 *
 * @since 0.1.0
 * @category requests
 */
export const pageParams = (max = 100, defaultLimit = 20) =>
  Effect.gen(function*() {
    const params = yield* query
    const limitText = params.get("limit")
    const limit = limitText === null ? defaultLimit : yield* integer("limit", limitText, 1, max)
    const startingAfter = params.get("starting_after")
    return { limit, startingAfter: startingAfter === null || startingAfter === "" ? undefined : startingAfter }
  })

/**
 * A sequence number parameter (`starting_after` of events, `Last-Event-ID`).
 *
 * @since 0.1.0
 * @category requests
 */
export const sequenceNumber = (name: string, text: string) => integer(name, text.trim(), 0, Number.MAX_SAFE_INTEGER)

/**
 * A JSON answer.
 *
 * @since 0.1.0
 * @category responses
 */
export const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

/**
 * A list page.
 *
 * @since 0.1.0
 * @category responses
 */
export const list = (page: { readonly data: ReadonlyArray<unknown>; readonly has_more: boolean }) =>
  json({ object: "list", data: page.data, has_more: page.has_more })

const encoder = new TextEncoder()

/**
 * The SSE answer of a run's events after `startingAfter`.
 *
 * @since 0.1.0
 * @category responses
 */
export const eventStream = (runId: string, startingAfter: number) =>
  Effect.gen(function*() {
    const runs = yield* Runs
    const request = yield* HttpServerRequest.HttpServerRequest
    // a node request has a socket to break; without one (the socket-free handler) a reset is a clean close
    const socket = (request.source as { readonly socket?: Socket } | undefined)?.socket
    // the events already written reach the client, as they would before a real reset
    const breakSocket = (socket: Socket) =>
      Effect.async<void>((resume) => {
        const destroy = () => {
          socket.destroy()
          resume(Effect.void)
        }
        // an empty write's callback runs once everything written before it has been flushed
        if (socket.destroyed) resume(Effect.void)
        else socket.write("", () => setImmediate(destroy))
      })
    const reset = (cause: Cause.Cause<never>) =>
      Option.match(Cause.dieOption(cause), {
        onNone: () => false,
        onSome: (defect) => defect instanceof StreamReset
      })
    // send the headers (Content-Location above all) at once, even when no event is ready yet
    const nodeResponse = request.source instanceof IncomingMessage ? NodeHttpServerRequest.toServerResponse(request) : undefined
    const flushHeaders = Stream.drain(Stream.fromEffect(Effect.sync(() => {
      // after writeHead, headersSent is true but the bytes wait for the first write; this sends them
      if (nodeResponse !== undefined && !nodeResponse.writableEnded) nodeResponse.flushHeaders()
    })))
    return HttpServerResponse.stream(
      Stream.concat(flushHeaders, runs.follow(runId, startingAfter)).pipe(
        Stream.mapChunks((chunk) => Chunk.of(encoder.encode(Chunk.join(chunk, "")))),
        Stream.catchAllCause((cause) =>
          !reset(cause)
            ? Stream.failCause(cause)
            : socket === undefined
            ? Stream.empty
            : Stream.drain(Stream.fromEffect(breakSocket(socket)))
        )
      ),
      {
        contentType: "text/event-stream",
        headers: {
          "cache-control": "no-cache",
          "content-location": `/v1/runs/${runId}`,
          "x-accel-buffering": "no"
        }
      }
    )
  })

/**
 * A POST: reads the body, runs `handle` once per `Idempotency-Key` (replaying its first outcome after that,
 * with `Idempotent-Replayed: true`) and answers the outcome.
 *
 * @since 0.1.0
 * @category requests
 */
export const post = <E, R>(handle: (body: string) => Effect.Effect<Outcome, E, R>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const workspace = yield* CurrentWorkspace
    const body = yield* rawBody
    const key = request.headers["idempotency-key"]
    const { outcome, replayed } = key === undefined
      ? { outcome: yield* handle(body), replayed: false }
      : yield* (yield* Idempotency).run({
        workspace,
        key,
        method: request.method,
        path: new URL(request.url, "http://local").pathname,
        body
      }, handle(body))
    const response = outcome._tag === "Json"
      ? json(outcome.body, outcome.status)
      : yield* eventStream(outcome.runId, 0)
    return replayed ? HttpServerResponse.setHeader(response, "idempotent-replayed", "true") : response
  })
