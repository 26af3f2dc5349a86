/**
 * Request/response: a backend handler that answers one question per call with `wait: true`, reusing one
 * session per conversation.
 */
import { Console, Effect } from "effect"
import { ApiError, Run, RunService, SessionService } from "effect-agent-platform"
import { runIfMain } from "./runner.js"

/** What an HTTP handler of your backend would call. */
export const answer = (conversationId: string | undefined, question: string) =>
  Effect.gen(function*() {
    const sessions = yield* SessionService.SessionService
    const runs = yield* RunService.RunService
    const sessionId = conversationId ?? (yield* sessions.create({ title: question.slice(0, 80) })).id
    const run = yield* runs.createAndWait(sessionId, question)
    return { conversationId: sessionId, runId: run.id, text: Run.outputText(run) }
  }).pipe(
    // a failed run becomes a polite answer; every other error stays typed for the caller
    Effect.catchTag("RunFailed", (error: ApiError.RunFailed) =>
      Effect.succeed({ conversationId, runId: error.runId, text: `Sorry, that failed: ${error.message}` }))
  )

export const program = Effect.gen(function*() {
  const first = yield* answer(undefined, "What is on my calendar today?")
  yield* Console.log(first.text)
  const second = yield* answer(first.conversationId, "And tomorrow?")
  yield* Console.log(second.text)
  return [first, second] as const
})

runIfMain(import.meta.url, program)
