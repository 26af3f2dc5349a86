/**
 * Testing a backend that uses the client, by swapping layers: no network, no key, no module mocks.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { AgentPlatform, ApiError, RunService, SessionService, TestHttpClient } from "effect-agent-platform"
import { answer } from "./wait.js"

const T = "2026-03-14T20:00:00Z"

describe("the backend's answer handler", () => {
  // 1. Swap the services: give only the methods the code under test calls.
  const Services = Layer.merge(
    SessionService.layerTest({
      create: () => Effect.succeed({ id: "sess_test", status: "active", created_at: T, updated_at: T })
    }),
    RunService.layerTest({
      createAndWait: (sessionId, input) =>
        Effect.succeed({
          id: "run_test",
          session_id: sessionId,
          status: "completed",
          created_at: T,
          output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: `echo: ${input}` }] }],
          tool_calls: []
        })
    })
  )

  it.effect("starts a conversation and returns the run's text", () =>
    Effect.gen(function*() {
      const result = yield* answer(undefined, "hello")
      assert.deepStrictEqual(result, { conversationId: "sess_test", runId: "run_test", text: "echo: hello" })
    }).pipe(Effect.provide(Services)))

  it.effect("a failed run becomes a polite answer", () =>
    Effect.gen(function*() {
      const result = yield* answer("sess_test", "hello")
      assert.strictEqual(result.text, "Sorry, that failed: the model is down")
    }).pipe(Effect.provide(Layer.merge(
      SessionService.layerTest({}),
      RunService.layerTest({
        createAndWait: () => Effect.fail(new ApiError.RunFailed({ runId: "run_x", message: "the model is down" }))
      })
    ))))

  // 2. Or keep the real client and script the HTTP answers underneath it.
  it.effect("through the real client over a scripted HttpClient", () =>
    Effect.gen(function*() {
      const result = yield* answer("sess_1", "hi")
      assert.strictEqual(result.text, "Hello!")
      const [request] = yield* (yield* TestHttpClient.TestHttpClient).requests
      assert.strictEqual(request!.path, "/v1/sessions/sess_1/runs")
    }).pipe(Effect.provide(
      AgentPlatform.layer({ apiKey: Redacted.make("test-key"), baseUrl: "https://ap.test/v1" }).pipe(
        Layer.provideMerge(TestHttpClient.layer(TestHttpClient.sequence([
          TestHttpClient.json(200, {
            id: "run_1",
            session_id: "sess_1",
            status: "completed",
            created_at: T,
            output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "Hello!" }] }]
          })
        ]))),
        Layer.orDie
      )
    )))
})
