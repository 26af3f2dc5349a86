/**
 * The main job (`npm start`).
 *
 * With no environment it starts the local Agent Platform in-process, then, through the client only: opens a
 * scoped session, asks one question with `wait: true`, streams a second question that makes the model call an
 * action (reasoning, the tool call and the text printed as they arrive), invokes an action directly, and prints
 * a summary. With `AP_API_KEY` and `AP_BASE_URL` set, the same program talks to that platform instead.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Duration, Effect, Layer, Stream } from "effect"
import { ActionService, AgentPlatform, Run, SessionService } from "../src/index.js"
import { LocalPlatform, Model } from "../src/local/index.js"

const write = (text: string) => Effect.sync(() => void process.stdout.write(text))

const program = Effect.gen(function*() {
  const sessions = yield* SessionService.SessionService
  const actions = yield* ActionService.ActionService

  const session = yield* sessions.scoped({ title: "npm start" })
  yield* Console.log(`Session ${session.id}\n`)

  const question = "What can you tell me about this platform?"
  yield* Console.log(`> ${question}`)
  const first = yield* session.createAndWait(question)
  yield* Console.log(`${Run.outputText(first)}\n`)

  const followUp = "Which Linear issues are open? Use linear.issues.list state=open"
  yield* Console.log(`> ${followUp}`)
  let events = 0
  let streamedRunId = ""
  let section: "none" | "reasoning" | "text" = "none"
  yield* session.stream(followUp).pipe(
    Stream.runForEach((event) => {
      events += 1
      streamedRunId = event.run_id
      switch (event._tag) {
        case "ReasoningSummaryDelta":
          return Effect.zipRight(
            section === "reasoning" ? Effect.void : Effect.sync(() => (section = "reasoning")).pipe(Effect.zipRight(write("[reasoning] "))),
            write(event.data.delta)
          )
        case "ToolCallStarted":
          section = "none"
          return write(`\n[tool call] ${event.data.name ?? event.data.tool_call_id} `)
        case "ToolCallArgumentsDelta":
          return write(event.data.delta)
        case "ToolCallCompleted":
          return write(`\n[tool call] ${event.data.name} completed: ${Model.describeResult(event.data.result_preview)}\n`)
        case "ToolCallFailed":
          return write(`\n[tool call] ${event.data.name ?? event.data.tool_call_id} failed: ${event.data.error}\n`)
        case "MessageOutputDelta":
          return Effect.zipRight(
            section === "text" ? Effect.void : Effect.sync(() => (section = "text")).pipe(Effect.zipRight(write("\n"))),
            write(event.data.delta)
          )
        case "MessageOutputCompleted":
          return write("\n")
        case "RunCompleted":
        case "RunFailed":
        case "RunCancelled":
          return write(`[run ${event.type.slice(4)}]\n\n`)
        default:
          return Effect.void
      }
    })
  )

  yield* Console.log(`> invoke slack.messages.search {"query":"refund"}`)
  const invocation = yield* actions.invoke("slack.messages.search", { query: "refund" })
  yield* Console.log(`${invocation.status}: ${Model.describeResult(invocation.result)}\n`)

  yield* Console.log("Summary")
  yield* Console.log(`  session:    ${session.id}`)
  yield* Console.log(`  runs:       ${first.id} (wait), ${streamedRunId} (stream)`)
  yield* Console.log(`  events:     ${events} received while streaming`)
  yield* Console.log(`  invocation: ${invocation.id}`)
}).pipe(Effect.scoped)

const remote = process.env.AP_API_KEY !== undefined && process.env.AP_BASE_URL !== undefined
const Platform: Layer.Layer<AgentPlatform.Services, unknown> = remote
  ? AgentPlatform.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
  : LocalPlatform.layerClient({ deltaDelay: Duration.millis(20) })

Effect.gen(function*() {
  if (!remote) yield* Console.log("Started the local Agent Platform in-process (set AP_API_KEY and AP_BASE_URL to use another).")
  yield* program
}).pipe(Effect.provide(Platform), NodeRuntime.runMain)
