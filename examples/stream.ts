/**
 * Streaming to a terminal with `stream: true`: reasoning, tool calls and the answer as they arrive. A cut
 * connection is resumed by the client without losing or repeating an event; Ctrl-C cancels the run.
 */
import { Console, Effect, Stream } from "effect"
import { RunEvent, RunService, SessionService } from "effect-agent-platform"
import { runIfMain } from "./runner.js"

const write = (text: string) => Effect.sync(() => process.stdout.write(text))

export const render = (event: RunEvent.RunEvent): Effect.Effect<void> => {
  switch (event._tag) {
    case "ReasoningSummaryDelta":
      return write(`\x1b[2m${event.data.delta}\x1b[0m`)
    case "ToolCallStarted":
      return write(`\n[tool] ${event.data.name ?? event.data.tool_call_id} …`)
    case "ToolCallCompleted":
      return write(` done\n`)
    case "ToolCallFailed":
      return write(` failed: ${event.data.error}\n`)
    case "MessageOutputDelta":
      return write(event.data.delta)
    case "RunFailed":
      return write(`\n[run failed] ${event.data.error}\n`)
    case "Unknown":
      return Effect.void
    default:
      return Effect.void
  }
}

export const program = Effect.gen(function*() {
  const sessions = yield* SessionService.SessionService
  const session = yield* sessions.create({ title: "Streaming example" })
  const runs = yield* RunService.RunService
  const summary = yield* RunService.summarize(
    runs.stream(session.id, "Search Slack for messages about the outage and use linear.issues.list.").pipe(
      Stream.tap(render)
    )
  )
  yield* Console.log(`\n\n${summary.events} events, status ${summary.status}, ${summary.toolCalls.length} tool call(s)`)
  return summary
})

runIfMain(import.meta.url, program)
