/**
 * The local platform for the benchmarks, in a process of its own so that it does not share the client's
 * event loop: model delay 0, a model whose runs have a set number of events, no rate limit to speak of.
 * Prints one JSON line `{ "baseUrl": …, "apiKey": … }` once it listens.
 */
import { Effect, Layer, Redacted, Stream } from "effect"
import { LocalPlatform, Model } from "../src/local/index.js"

const deltas = Number(process.env.BENCH_DELTAS ?? 96)

const model = Model.layer(() =>
  Stream.fromIterable(Array.from({ length: deltas }, (_, i): Model.Step => ({ _tag: "Text", delta: `w${i} ` })))
)

const platform = LocalPlatform.layer({
  keys: { sk_bench: "ws_bench" },
  model,
  deltaDelay: 0,
  rateLimit: { limit: 1_000_000_000, window: "1 minute" }
})

Effect.runFork(Layer.launch(Layer.effectDiscard(Effect.gen(function*() {
  const local = yield* LocalPlatform.LocalPlatform
  console.log(JSON.stringify({ baseUrl: local.baseUrl, apiKey: Redacted.value(local.apiKey) }))
})).pipe(Layer.provide(platform))))
