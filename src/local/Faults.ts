/**
 * Faults on purpose, the way a real network and a real platform misbehave: SSE streams cut after N events or
 * at random, the next k requests answered 429 (with `Retry-After`), 500 or 503 (optionally after the write
 * was committed, the case that makes retries dangerous without idempotency), latency, stalled streams (no
 * bytes, no keep-alive), and the hosted model switched off.
 *
 * Set them in the layer's options, from the environment for `serve` ({@link config}), or at run time through
 * the {@link Faults} service (tests).
 *
 * @since 0.1.0
 */
import { Config, Context, Duration, Effect, Layer, Option } from "effect"

/**
 * One kind of failing answer, for the next `count` requests that match.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestFault {
  readonly status: 429 | 500 | 503
  /** How many requests get it. Default 1. */
  readonly count?: number | undefined
  /** Answer the failure after the request was handled and its writes committed. Default false. */
  readonly afterCommit?: boolean | undefined
  /** The `Retry-After` seconds (429 always has one; default 1). */
  readonly retryAfterSeconds?: number | undefined
  /** Only requests with this method. */
  readonly method?: string | undefined
  /** Only requests whose path (after `/v1`) matches. */
  readonly path?: RegExp | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** End every SSE connection (cleanly, without a terminal event) after this many events. */
  readonly cutStreamAfter?: number | undefined
  /** End an SSE connection after each event with this probability. */
  readonly cutProbability?: number | undefined
  /**
   * How a cut ends the connection: `close` (the body ends cleanly, without a terminal event), `reset` (the
   * connection breaks mid-body, like a reset socket), or `mixed` (either, at random). Default `close`.
   */
  readonly cutMode?: "close" | "reset" | "mixed" | undefined
  /** Seed of the random cuts. Default 1. */
  readonly seed?: number | undefined
  /** Failing answers, consumed in order. */
  readonly requests?: ReadonlyArray<RequestFault> | undefined
  /** Added before every answer. */
  readonly latency?: Duration.DurationInput | undefined
  /** After `afterEvents` events of an SSE connection, send nothing (not even a keep-alive) for `duration`. */
  readonly stall?: { readonly afterEvents: number; readonly duration: Duration.DurationInput } | undefined
  /** `false`: no workspace has a hosted model (`503 HOSTED_MODEL_UNAVAILABLE`). Default true. */
  readonly hostedModel?: boolean | undefined
  /** Workspaces that have no hosted model, while the others have one. */
  readonly noHostedModel?: ReadonlyArray<string> | undefined
}

/**
 * What one SSE connection is to suffer.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamFaults {
  /** Whether to cut the connection after the event just sent (the count of events sent so far). */
  readonly cutAfter: (sent: number) => boolean
  /** For a cut: whether it breaks the connection rather than ending the body. */
  readonly reset: () => boolean
  readonly stall: { readonly afterEvents: number; readonly duration: Duration.Duration } | undefined
  /** Counts a stall. */
  readonly stalled: () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly current: Effect.Effect<Options>
  /** Replaces every fault. */
  readonly set: (options: Options) => Effect.Effect<void>
  /** Adds failing answers for the next matching requests. */
  readonly failNext: (fault: RequestFault) => Effect.Effect<void>
  /** The fault for a request in its phase, consuming one. */
  readonly take: (method: string, path: string, phase: "before" | "after") => Effect.Effect<Option.Option<RequestFault>>
  readonly latency: Effect.Effect<Duration.Duration>
  readonly stream: Effect.Effect<StreamFaults>
  /** Whether a workspace has a hosted model. */
  readonly hostedModel: (workspace: string) => Effect.Effect<boolean>
  /** How many failing answers were served so far. */
  readonly served: Effect.Effect<number>
  /** How many SSE connections were cut so far. */
  readonly cuts: Effect.Effect<number>
  /** How many of the cuts broke the connection (`cutMode` `reset` or `mixed`). */
  readonly resets: Effect.Effect<number>
  /** How many SSE connections were opened so far. */
  readonly streams: Effect.Effect<number>
  /** How many SSE connections were stalled so far. */
  readonly stalls: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Faults extends Context.Tag("effect-agent-platform/local/Faults")<Faults, Service>() {}

const mulberry32 = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (initial: Options = {}): Effect.Effect<Service> =>
  Effect.sync(() => {
    let options = initial
    let pending: Array<{ fault: RequestFault; left: number }> = []
    let random = mulberry32(initial.seed ?? 1)
    let served = 0
    let cuts = 0
    let resets = 0
    let streams = 0
    let stalls = 0
    const load = (next: Options) => {
      options = next
      pending = (next.requests ?? []).map((fault) => ({ fault, left: fault.count ?? 1 }))
      random = mulberry32(next.seed ?? 1)
    }
    load(initial)

    const take = (method: string, path: string, phase: "before" | "after") =>
      Effect.sync(() => {
        const index = pending.findIndex(({ fault }) =>
          (fault.afterCommit === true ? "after" : "before") === phase &&
          (fault.method === undefined || fault.method.toUpperCase() === method.toUpperCase()) &&
          (fault.path === undefined || fault.path.test(path))
        )
        if (index < 0) return Option.none<RequestFault>()
        const entry = pending[index]!
        entry.left -= 1
        if (entry.left <= 0) pending.splice(index, 1)
        served += 1
        return Option.some(entry.fault)
      })

    const stream = Effect.sync((): StreamFaults => {
      streams += 1
      const after = options.cutStreamAfter
      const probability = options.cutProbability ?? 0
      return {
        cutAfter: (sent) => {
          const cut = (after !== undefined && sent >= after) || (probability > 0 && random() < probability)
          if (cut) cuts += 1
          return cut
        },
        reset: () => {
          const reset = options.cutMode === "reset" || (options.cutMode === "mixed" && random() < 0.5)
          if (reset) resets += 1
          return reset
        },
        stall: options.stall === undefined
          ? undefined
          : { afterEvents: options.stall.afterEvents, duration: Duration.decode(options.stall.duration) },
        stalled: () => {
          stalls += 1
        }
      }
    })

    return Faults.of({
      current: Effect.sync(() => options),
      set: (next) => Effect.sync(() => load(next)),
      failNext: (fault) => Effect.sync(() => void pending.push({ fault, left: fault.count ?? 1 })),
      take,
      latency: Effect.sync(() => Duration.decode(options.latency ?? 0)),
      stream,
      hostedModel: (workspace) =>
        Effect.sync(() => options.hostedModel !== false && options.noHostedModel?.includes(workspace) !== true),
      served: Effect.sync(() => served),
      cuts: Effect.sync(() => cuts),
      resets: Effect.sync(() => resets),
      streams: Effect.sync(() => streams),
      stalls: Effect.sync(() => stalls)
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<Faults> => Layer.effect(Faults, make(options))

const parseRequestFault = (text: string): RequestFault | undefined => {
  // "503", "503:3", "503:3:after", "429:1:before:5" (status:count:phase:retry-after)
  const [status, count, phase, retryAfter] = text.split(":")
  const code = Number(status)
  if (code !== 429 && code !== 500 && code !== 503) return undefined
  return {
    status: code,
    count: count === undefined || count === "" ? 1 : Number(count),
    afterCommit: phase === "after",
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: Number(retryAfter) })
  }
}

/**
 * Faults from the environment, for `serve`:
 * - `AP_LOCAL_FAULT_CUT_AFTER=N`: cut every SSE connection after N events;
 * - `AP_LOCAL_FAULT_CUT_PROBABILITY=p`: cut after each event with probability p (`AP_LOCAL_FAULT_SEED` seeds it);
 * - `AP_LOCAL_FAULT_CUT_MODE=close|reset|mixed`: how a cut ends the connection;
 * - `AP_LOCAL_FAULT_REQUESTS=503:2:after,429:1`: failing answers, `status:count[:after|before[:retry-after]]`;
 * - `AP_LOCAL_FAULT_LATENCY_MS=ms`;
 * - `AP_LOCAL_FAULT_STALL=events:ms`: stall every SSE connection after that many events for ms;
 * - `AP_LOCAL_HOSTED_MODEL=off`: no hosted model;
 * - `AP_LOCAL_NO_HOSTED_MODEL=ws_a,ws_b`: these workspaces have no hosted model.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  cutStreamAfter: Config.option(Config.integer("AP_LOCAL_FAULT_CUT_AFTER")),
  cutProbability: Config.option(Config.number("AP_LOCAL_FAULT_CUT_PROBABILITY")),
  cutMode: Config.option(Config.literal("close", "reset", "mixed")("AP_LOCAL_FAULT_CUT_MODE")),
  seed: Config.option(Config.integer("AP_LOCAL_FAULT_SEED")),
  requests: Config.option(Config.string("AP_LOCAL_FAULT_REQUESTS")),
  latency: Config.option(Config.integer("AP_LOCAL_FAULT_LATENCY_MS")),
  stall: Config.option(Config.string("AP_LOCAL_FAULT_STALL")),
  hostedModel: Config.option(Config.string("AP_LOCAL_HOSTED_MODEL")),
  noHostedModel: Config.option(Config.string("AP_LOCAL_NO_HOSTED_MODEL"))
}).pipe(Config.map((env): Options => {
  const stall = Option.getOrUndefined(env.stall)?.split(":")
  return {
    cutStreamAfter: Option.getOrUndefined(env.cutStreamAfter),
    cutProbability: Option.getOrUndefined(env.cutProbability),
    cutMode: Option.getOrUndefined(env.cutMode),
    seed: Option.getOrUndefined(env.seed),
    requests: Option.getOrElse(env.requests, () => "")
      .split(",")
      .filter((part) => part.trim() !== "")
      .flatMap((part) => parseRequestFault(part.trim()) ?? []),
    latency: Option.match(env.latency, { onNone: () => undefined, onSome: Duration.millis }),
    stall: stall === undefined || stall.length !== 2
      ? undefined
      : { afterEvents: Number(stall[0]), duration: Duration.millis(Number(stall[1])) },
    hostedModel: Option.match(env.hostedModel, { onNone: () => true, onSome: (value) => !/^(off|false|0|no)$/i.test(value) }),
    noHostedModel: Option.getOrElse(env.noHostedModel, () => "").split(",").map((w) => w.trim()).filter((w) => w !== "")
  }
}))
