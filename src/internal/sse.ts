/**
 * The one place that parses Server-Sent Events, with `@effect/experimental`'s parser, and decodes their data
 * as run events. Comments (keep-alives) and `retry:` fields produce no events. Events parsed before a failure
 * (an oversized event, a malformed one) are emitted before the failure, so nothing is dropped silently.
 *
 * @internal
 */
import * as Sse from "@effect/experimental/Sse"
import { Channel, Chunk, Either, Stream } from "effect"
import { DecodeError } from "../ApiError.js"
import * as RunEvent from "../RunEvent.js"

/** @internal */
export interface Options {
  readonly maxEventSize: number
  readonly requestId?: string | undefined
}

/** @internal Text of an event stream in, run events out. */
export const runEvents = <E, R>(
  text: Stream.Stream<string, E, R>,
  options: Options
): Stream.Stream<RunEvent.RunEvent, E | DecodeError, R> =>
  Stream.suspend(() => {
    let frames: Array<Sse.Event> = []
    const parser = Sse.makeParser((event) => {
      if (event._tag === "Event") frames.push(event)
    }, { maxEventSize: options.maxEventSize })
    const requestId = options.requestId

    const tooLarge = () =>
      new DecodeError({
        subject: "run event",
        path: "",
        message: `an event exceeded the maximum size of ${options.maxEventSize} characters`,
        ...(requestId === undefined ? {} : { requestId })
      })

    const emit = (pieces: Chunk.Chunk<string>): [Array<RunEvent.RunEvent>, DecodeError | undefined] => {
      let failure: DecodeError | undefined
      // The parser rescans its buffer from the start for every line it finds, so a large piece costs the
      // square of its length: it is fed one line at a time, which keeps parsing linear.
      feed: for (const piece of pieces) {
        let start = 0
        while (start < piece.length) {
          const newline = piece.indexOf("\n", start)
          const end = newline < 0 ? piece.length : newline + 1
          // the parser checks only what is still pending; a whole event inside one piece is checked below
          if (parser.feed(start === 0 && end === piece.length ? piece : piece.slice(start, end)) !== undefined) {
            failure = tooLarge()
            break feed
          }
          start = end
        }
      }
      const out: Array<RunEvent.RunEvent> = []
      const parsed = frames
      frames = []
      for (const frame of parsed) {
        if (frame.data.length > options.maxEventSize) return [out, tooLarge()]
        const decoded = RunEvent.decodeJson(frame.data, requestId)
        if (Either.isLeft(decoded)) return [out, decoded.left]
        out.push(decoded.right)
      }
      return [out, failure]
    }

    const loop: Channel.Channel<
      Chunk.Chunk<RunEvent.RunEvent>,
      Chunk.Chunk<string>,
      E | DecodeError,
      E,
      unknown,
      unknown
    > = Channel.readWithCause({
      onInput: (pieces: Chunk.Chunk<string>) => {
        const [out, failure] = emit(pieces)
        const write = out.length === 0 ? Channel.void : Channel.write(Chunk.unsafeFromArray(out))
        return failure === undefined ? Channel.zipRight(write, loop) : Channel.zipRight(write, Channel.fail(failure))
      },
      onFailure: Channel.failCause,
      onDone: () => Channel.void
    })

    return Stream.pipeThroughChannelOrFail(text, loop)
  })
