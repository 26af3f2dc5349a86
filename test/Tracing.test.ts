import { HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Stream, TestClock, Tracer } from "effect"
import { RunService, TestHttpClient } from "../src/index.js"
import { completedRun, run, testLayer } from "./helpers.js"
import { recordingTracer } from "./support.js"

const requests = Effect.flatMap(TestHttpClient.TestHttpClient, (t) => t.requests)

describe("tracing: one span per call, carrying the HTTP attributes and the trace context", () => {
  it.effect("a call is one client span with method, URL, status and request id; the request carries its traceparent", () => {
    const traced = recordingTracer()
    return Effect.gen(function*() {
      const runs = yield* RunService.RunService
      yield* runs.get("run_1").pipe(Effect.withTracer(traced.tracer))
      assert.deepStrictEqual(traced.spans.map((span) => span.name), ["RunService.get"])
      const span = traced.spans[0]!
      assert.strictEqual(span.kind, "client")
      assert.strictEqual(span.attributes.get("http.request.method"), "GET")
      assert.strictEqual(span.attributes.get("url.full"), "https://ap.test/v1/runs/run_1")
      assert.strictEqual(span.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(span.attributes.get("agentplatform.request_id"), "req_test_200")
      assert.isTrue(span.status._tag === "Ended" && Exit.isSuccess(span.status.exit))
      const [sent] = yield* requests
      assert.strictEqual(sent!.headers["traceparent"], `00-${span.traceId}-${span.spanId}-01`)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, run("completed")))))
  })

  it.effect("retries stay in the call's span, which counts the attempts and ends with the last answer", () => {
    const traced = recordingTracer()
    return Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const fiber = yield* Effect.fork(runs.get("run_1").pipe(Effect.withTracer(traced.tracer)))
      yield* TestClock.adjust("1 minute")
      const result = yield* fiber.await
      assert.isTrue(Exit.isSuccess(result))
      assert.deepStrictEqual(traced.spans.map((span) => span.name), ["RunService.get"])
      assert.strictEqual(traced.spans[0]!.attributes.get("agentplatform.attempts"), 2)
      assert.strictEqual(traced.spans[0]!.attributes.get("http.response.status_code"), 200)
      // both tries carry the same trace context
      const sent = yield* requests
      assert.strictEqual(sent.length, 2)
      assert.strictEqual(sent[0]!.headers["traceparent"], sent[1]!.headers["traceparent"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(503, { error: "busy" }),
      TestHttpClient.json(200, run("completed"))
    ]))))
  })

  it.effect("no trace context is sent when propagation is switched off, or the tracer is disabled", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const traced = recordingTracer()
      yield* runs.get("run_1").pipe(Effect.locally(HttpClient.currentTracerPropagation, false), Effect.withTracer(traced.tracer))
      yield* runs.get("run_1").pipe(Effect.withTracerEnabled(false), Effect.withTracer(traced.tracer))
      yield* runs.get("run_1").pipe(Effect.withTracer(traced.tracer))
      const sent = yield* requests
      assert.isUndefined(sent[0]!.headers["traceparent"])
      assert.isUndefined(sent[1]!.headers["traceparent"])
      assert.isString(sent[2]!.headers["traceparent"])
      // the disabled tracer records nothing
      assert.deepStrictEqual(traced.spans.map((span) => span.name), ["RunService.get", "RunService.get"])
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, run("completed"))))))

  it.effect("with no tracer installed the client makes no span; a request carries the caller's trace context, if any", () =>
    Effect.gen(function*() {
      const runs = yield* RunService.RunService
      yield* runs.get("run_1")
      const handler = yield* runs.get("run_1").pipe(Effect.zipRight(Effect.currentSpan), Effect.withSpan("handler"))
      const upstream = Tracer.externalSpan({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" })
      yield* runs.get("run_1").pipe(Effect.withParentSpan(upstream))
      const sent = yield* requests
      assert.isUndefined(sent[0]!.headers["traceparent"])
      assert.strictEqual(sent[1]!.headers["traceparent"], `00-${handler.traceId}-${handler.spanId}-01`)
      assert.strictEqual(sent[2]!.headers["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
      assert.strictEqual(sent[2]!.headers["b3"], "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, run("completed"))))))

  it.effect("a stream has its span; each connection is a client span inside it, ended with the connection", () => {
    const traced = recordingTracer()
    return Effect.gen(function*() {
      const runs = yield* RunService.RunService
      const events = yield* Stream.runCollect(runs.stream("sess_1", "hi")).pipe(Effect.withTracer(traced.tracer))
      assert.strictEqual(events.length, completedRun().length)
      const names = traced.spans.map((span) => span.name)
      assert.deepStrictEqual(names, ["RunService.stream", "RunService.stream.connect", "RunService.events.connect"])
      const [outer, first, second] = traced.spans
      for (const connection of [first!, second!]) {
        assert.strictEqual(connection.kind, "client")
        assert.isTrue(connection.parent._tag === "Some" && connection.parent.value.spanId === outer!.spanId)
        assert.strictEqual(connection.status._tag, "Ended")
      }
      assert.strictEqual(outer!.status._tag, "Ended")
      assert.strictEqual(second!.attributes.get("url.full"), "https://ap.test/v1/runs/run_1/events")
      const sent = yield* requests
      assert.strictEqual(sent[0]!.headers["traceparent"], `00-${first!.traceId}-${first!.spanId}-01`)
      assert.strictEqual(sent[1]!.headers["traceparent"], `00-${second!.traceId}-${second!.spanId}-01`)
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      // cut after two events, resumed by a GET
      TestHttpClient.sse(completedRun().slice(0, 2), { end: "error", headers: { "content-location": "/v1/runs/run_1" } }),
      TestHttpClient.sse(completedRun().slice(2))
    ]))))
  })
})
