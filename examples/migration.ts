/**
 * Migrating from a direct provider call to Agent Platform. The backend keeps its signature,
 * `(question) => Effect<string, E>`; only the implementation and the layer change. The provider key is gone:
 * the backend holds one AP_API_KEY, and the platform keeps the conversation, the tools and the audit trail.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Config, Console, Effect, Schema } from "effect"
import { Run, RunService, SessionService } from "effect-agent-platform"
import { runIfMain } from "./runner.js"

// ---- Before: the backend called a model provider itself --------------------------------------------------

const ChatCompletion = Schema.Struct({
  choices: Schema.Array(Schema.Struct({ message: Schema.Struct({ content: Schema.String }) }))
})

export const askProvider = (question: string) =>
  Effect.gen(function*() {
    const apiKey = yield* Config.redacted("OPENAI_API_KEY")
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
    const response = yield* HttpClientRequest.post("https://api.openai.com/v1/chat/completions").pipe(
      HttpClientRequest.bearerToken(apiKey),
      HttpClientRequest.bodyUnsafeJson({ model: "gpt-4o-mini", messages: [{ role: "user", content: question }] }),
      client.execute
    )
    const body = yield* Schema.decodeUnknown(ChatCompletion)(yield* response.json)
    // No history, no tools, no audit trail: each of those was the backend's job.
    return body.choices[0]?.message.content ?? ""
  })

// ---- After: the same function through Agent Platform -------------------------------------------------------

export const askAgentPlatform = (question: string, sessionId?: string) =>
  Effect.gen(function*() {
    const sessions = yield* SessionService.SessionService
    const runs = yield* RunService.RunService
    const id = sessionId ?? (yield* sessions.create({ title: "Migrated conversation" })).id
    const run = yield* runs.createAndWait(id, question)
    return Run.outputText(run)
  })

export const program = Effect.gen(function*() {
  const text = yield* askAgentPlatform("Summarize open Linear issues.")
  yield* Console.log(text)
  return text
})

runIfMain(import.meta.url, program)
