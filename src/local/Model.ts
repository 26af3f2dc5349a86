/**
 * The model behind runs. A model is a function from a run's request (the session's earlier turns, this run's
 * input, the action catalog and a way to call an action) to a stream of steps: reasoning summary pieces and
 * answer pieces. The run executor turns the steps and the tool calls into the run's events.
 *
 * {@link layerLocal} is the deterministic local model: it reasons in one sentence, calls every catalog action
 * whose id the prompt names (arguments from `key=value` words of the prompt), answers using their results and
 * the session's earlier turns, and fails on purpose when the prompt contains `[fail]`.
 *
 * @since 0.1.0
 */
import { Context, Data, Duration, Effect, Layer, Stream } from "effect"
import type { RunInput } from "../RunInput.js"

/**
 * One step of a model's answer.
 *
 * @since 0.1.0
 * @category models
 */
export type Step =
  | { readonly _tag: "Reasoning"; readonly delta: string }
  | { readonly _tag: "Text"; readonly delta: string }

/**
 * A model failure: the run ends `run.failed` with this message and code.
 *
 * @since 0.1.0
 * @category errors
 */
export class ModelError extends Data.TaggedError("ModelError")<{
  readonly message: string
  readonly code?: string | undefined
}> {}

/**
 * What a tool call came back with.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolResult {
  readonly status: "succeeded" | "failed"
  readonly result: unknown
  readonly error?: string | undefined
}

/**
 * A message of the session's transcript.
 *
 * @since 0.1.0
 * @category models
 */
export interface TranscriptMessage {
  readonly role: string
  readonly content: string
}

/**
 * What a model is asked.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly workspace: string
  readonly sessionId: string
  readonly runId: string
  /** The session's earlier turns, oldest first. */
  readonly transcript: ReadonlyArray<TranscriptMessage>
  readonly input: RunInput
  /** The user text of `input`. */
  readonly prompt: string
  readonly actions: ReadonlyArray<{ readonly id: string; readonly input_schema: unknown }>
  /** Calls an action through the gateway; the executor writes the tool call's events. */
  readonly callTool: (name: string, args: Record<string, unknown>) => Effect.Effect<ToolResult>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly respond: (request: Request) => Stream.Stream<Step, ModelError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Model extends Context.Tag("effect-agent-platform/local/Model")<Model, Service>() {}

/**
 * A model from a function: how users put their own model under the platform.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (respond: Service["respond"]): Layer.Layer<Model> => Layer.succeed(Model, Model.of({ respond }))

/**
 * Options of the local model.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalOptions {
  /** A pause before each step, so that streaming can be seen. Default 0 (`serve` uses 20 ms). */
  readonly deltaDelay?: Duration.DurationInput | undefined
}

/**
 * The text the local model fails on.
 *
 * @since 0.1.0
 * @category constants
 */
export const failMarker = "[fail]"

const short = (text: string, max = 80) => {
  const line = text.replace(/\s+/g, " ").trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/**
 * Pieces of a text, word by word, that join back to exactly the text.
 *
 * @since 0.1.0
 * @category formatting
 */
export const pieces = (text: string): Array<string> => text.split(/(?<= )/).filter((piece) => piece !== "")

const labelOf = (item: unknown): string => {
  if (typeof item !== "object" || item === null) return JSON.stringify(item)
  const record = item as Record<string, unknown>
  const title = record.title ?? record.name ?? record.summary ?? record.text
  if (typeof title === "string") return typeof record.id === "string" ? `${record.id} ${title}` : title
  return typeof record.id === "string" ? record.id : short(JSON.stringify(item), 60)
}

/**
 * A one-sentence description of an action's result.
 *
 * @since 0.1.0
 * @category formatting
 */
export const describeResult = (result: unknown): string => {
  if (typeof result === "object" && result !== null && !Array.isArray(result)) {
    const entries = Object.entries(result)
    if (entries.length === 1) {
      const [name, value] = entries[0]!
      if (Array.isArray(value)) {
        const shown = value.slice(0, 3).map(labelOf).join("; ")
        return value.length === 0 ? `no ${name}` : `${value.length} ${name}: ${shown}${value.length > 3 ? "; …" : ""}`
      }
      return `${name} ${labelOf(value)}`
    }
  }
  return short(JSON.stringify(result) ?? "null", 120)
}

const propertiesOf = (schema: unknown): ReadonlyArray<string> => {
  if (typeof schema !== "object" || schema === null) return []
  const properties = (schema as { properties?: unknown }).properties
  return typeof properties === "object" && properties !== null ? Object.keys(properties) : []
}

/**
 * The arguments the local model passes to an action: `key=value` words of the prompt whose key is a property
 * of the action's input schema (digits become numbers), an issue key such as `ENG-101` for `id`, and the rest
 * of the prompt for `query`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const argumentsFor = (
  action: { readonly id: string; readonly input_schema: unknown },
  prompt: string
): Record<string, unknown> => {
  const properties = propertiesOf(action.input_schema)
  const args: Record<string, unknown> = {}
  for (const match of prompt.matchAll(/\b([a-z_]+)=("([^"]*)"|[^\s,;]+)/g)) {
    const key = match[1]!
    if (!properties.includes(key)) continue
    const value = match[3] ?? match[2]!
    args[key] = /^\d+$/.test(value) ? Number(value) : value
  }
  if (properties.includes("id") && args.id === undefined) {
    const key = /\b[A-Z][A-Z0-9]*-\d+\b/.exec(prompt)
    if (key) args.id = key[0]
  }
  if (properties.includes("query") && args.query === undefined) {
    const quoted = /"([^"]+)"/.exec(prompt)
    args.query = quoted ? quoted[1] : short(prompt.split(action.id).join(" "), 100)
  }
  return args
}

const sentence = (text: string) => /[.…!?]$/.test(text) ? `${text} ` : `${text}. `

const withDelay = (delay: Duration.Duration) => <A, E>(stream: Stream.Stream<A, E>): Stream.Stream<A, E> =>
  Duration.isZero(delay) ? stream : Stream.tap(stream, () => Effect.sleep(delay))

/**
 * The deterministic local model.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLocal = (options: LocalOptions = {}): Service => {
  const delay = Duration.decode(options.deltaDelay ?? 0)
  const respond = (request: Request): Stream.Stream<Step, ModelError> => {
    const prompt = request.prompt
    const earlier = request.transcript.filter((message) => message.role === "user")
    const previous = earlier[earlier.length - 1]
    const named = request.actions
      .filter((action) => prompt.includes(action.id))
      .sort((a, b) => prompt.indexOf(a.id) - prompt.indexOf(b.id))
    const reasoning = (text: string) =>
      Stream.fromIterable(pieces(text).map((delta): Step => ({ _tag: "Reasoning", delta })))
    const answer = (text: string) => Stream.fromIterable(pieces(text).map((delta): Step => ({ _tag: "Text", delta })))

    if (prompt.includes(failMarker)) {
      return reasoning(`The prompt contains ${failMarker}, so I fail on purpose.`).pipe(
        Stream.concat(Stream.fail(new ModelError({
          message: `the local model failed on purpose (the prompt contains ${failMarker})`,
          code: "MODEL_ERROR"
        }))),
        withDelay(delay)
      )
    }

    const plan = named.length === 0
      ? "No action of the catalog is named, so I answer from the conversation."
      : `It names ${named.map((action) => action.id).join(", ")}, so I call ${
        named.length === 1 ? "it" : "them"
      } through the gateway.`
    const history = earlier.length === 0
      ? ""
      : ` This session has ${earlier.length} earlier turn${earlier.length === 1 ? "" : "s"}.`
    const thinking = reasoning(`The user asks: "${short(prompt)}". ${plan}${history}`)

    const calls = Stream.fromIterable(named).pipe(
      Stream.mapEffect((action) =>
        Effect.map(request.callTool(action.id, argumentsFor(action, prompt)), (result) =>
          result.status === "succeeded"
            ? sentence(`${action.id} returned ${describeResult(result.result)}`)
            : sentence(`${action.id} failed: ${result.error ?? "unknown error"}`))
      ),
      Stream.runCollect,
      Effect.map((sentences) => Array.from(sentences).join(""))
    )

    const text = Stream.unwrap(Effect.map(calls, (toolSentences) => {
      const recall = previous === undefined ? "" : `Earlier in this session you asked: "${short(previous.content)}". `
      const body = toolSentences === ""
        ? "This is the local Agent Platform's model: it answers deterministically, so the same conversation always gets the same answer."
        : toolSentences.trim()
      return answer(`${recall}You asked: "${short(prompt)}". ${body}`)
    }))

    return Stream.concat(withDelay(delay)(thinking), withDelay(delay)(text))
  }
  return Model.of({ respond })
}

/**
 * The deterministic local model as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLocal = (options?: LocalOptions): Layer.Layer<Model> => Layer.succeed(Model, makeLocal(options))
