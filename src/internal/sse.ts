/**
 * The one place that parses Server-Sent Events, with `@effect/experimental`'s parser, and decodes their data
 * as run events. Comments (keep-alives) and `retry:` fields produce no events. Events parsed before a failure
 * (an oversized event, a malformed one) are emitted before the failure, so nothing is dropped silently.
 *
 * It is one channel from the body's bytes to run events (text decoding, parsing, decoding, and the caller's
 * per-event decision), so that opening a stream builds one stage rather than a pipeline of them.
 *
 * @internal
 */
import * as Sse from "@effect/experimental/Sse"
import { Channel, Chunk, Either, Stream } from "effect"
import { DecodeError } from "../ApiError.js"
import * as RunEvent from "../RunEvent.js"

/** @internal What to do with a decoded event: drop it, emit it, or emit it and end the stream. */
export type Decision = "skip" | "emit" | "last"

/** @internal */
export interface Options {
  readonly maxEventSize: number
  readonly requestId?: string | undefined
  /** Called for every chunk of bytes received (keep-alives included). */
  readonly touch?: (() => void) | undefined
  /** Decides for each decoded event; default: emit. */
  readonly decide?: ((event: RunEvent.RunEvent) => Decision) | undefined
}

/** @internal Bytes of an event stream in, run events out. */
export const runEvents = <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  options: Options
): Stream.Stream<RunEvent.RunEvent, E | DecodeError, R> =>
  Stream.pipeThroughChannelOrFail(bytes, Channel.suspend(() => channel<E>(options)))

const channel = <E>(
  options: Options
): Channel.Channel<Chunk.Chunk<RunEvent.RunEvent>, Chunk.Chunk<Uint8Array>, E | DecodeError, E, unknown, unknown> => {
  let frames: Array<Sse.Event> = []
  const parser = Sse.makeParser((event) => {
    if (event._tag === "Event") frames.push(event)
  }, { maxEventSize: options.maxEventSize })
  const decoder = new TextDecoder()
  const { requestId, touch, decide } = options

  const tooLarge = () =>
    new DecodeError({
      subject: "run event",
      path: "",
      message: `an event exceeded the maximum size of ${options.maxEventSize} characters`,
      ...(requestId === undefined ? {} : { requestId })
    })

  // The parser rescans its buffer from the start for every line it finds, so a large piece costs the square of
  // its length: it is fed one line at a time, which keeps parsing linear.
  const feed = (text: string): boolean => {
    let start = 0
    while (start < text.length) {
      const newline = text.indexOf("\n", start)
      const end = newline < 0 ? text.length : newline + 1
      // the parser checks only what is still pending; a whole event inside one piece is checked below
      if (parser.feed(start === 0 && end === text.length ? text : text.slice(start, end)) !== undefined) return false
      start = end
    }
    return true
  }

  // The first event of a connection is passed on as soon as it is decoded, before the rest of its piece (a
  // live UI's first token); after that, events go in chunks of a piece each.
  let first = true

  /**
   * The events of what was fed, then a failure if any, and whether the stream is to end; `more` when frames are
   * left to decode (after the first event).
   */
  const drain = (
    failure: DecodeError | undefined
  ): [Array<RunEvent.RunEvent>, DecodeError | undefined, boolean, boolean] => {
    const out: Array<RunEvent.RunEvent> = []
    const parsed = frames
    frames = []
    for (let i = 0; i < parsed.length; i++) {
      const frame = parsed[i]!
      if (frame.data.length > options.maxEventSize) return [out, tooLarge(), false, false]
      const decoded = RunEvent.decodeJson(frame.data, requestId)
      if (Either.isLeft(decoded)) return [out, decoded.left, false, false]
      const decision = decide === undefined ? "emit" : decide(decoded.right)
      if (decision === "skip") continue
      out.push(decoded.right)
      if (decision === "last") return [out, undefined, true, false]
      if (first) {
        first = false
        if (i + 1 < parsed.length) {
          frames = parsed.slice(i + 1)
          return [out, failure, false, true]
        }
      }
    }
    return [out, failure, false, false]
  }

  const write = (
    [out, failure, last, more]: [Array<RunEvent.RunEvent>, DecodeError | undefined, boolean, boolean],
    next: Channel.Channel<Chunk.Chunk<RunEvent.RunEvent>, Chunk.Chunk<Uint8Array>, E | DecodeError, E, unknown, unknown>
  ): Channel.Channel<Chunk.Chunk<RunEvent.RunEvent>, Chunk.Chunk<Uint8Array>, E | DecodeError, E, unknown, unknown> => {
    const after = more
      ? Channel.suspend(() => write(drain(failure), next))
      : failure !== undefined
      ? Channel.fail(failure)
      : last
      ? Channel.void
      : next
    return out.length === 0 ? after : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), after)
  }

  const loop: Channel.Channel<
    Chunk.Chunk<RunEvent.RunEvent>,
    Chunk.Chunk<Uint8Array>,
    E | DecodeError,
    E,
    unknown,
    unknown
  > = Channel.readWithCause({
    onInput: (chunks: Chunk.Chunk<Uint8Array>) => {
      touch?.()
      let failure: DecodeError | undefined
      for (const bytes of chunks) {
        if (!feed(decoder.decode(bytes, { stream: true }))) {
          failure = tooLarge()
          break
        }
      }
      return write(drain(failure), loop)
    },
    onFailure: Channel.failCause,
    onDone: () => {
      const rest = decoder.decode()
      const failure = rest === "" || feed(rest) ? undefined : tooLarge()
      return write(drain(failure), Channel.void)
    }
  })
  return loop
}
