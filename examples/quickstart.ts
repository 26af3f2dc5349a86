import { FetchHttpClient } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"
import { pathToFileURL } from "node:url"
import { AgentPlatform, Run, SessionService } from "effect-agent-platform"

// One conversation: a session held by the scope, a question answered with `wait: true`,
// then a follow-up streamed as it is written.
export const program = Effect.gen(function*() {
  const sessions = yield* SessionService.SessionService
  const session = yield* sessions.scoped({ title: "Quick start" })

  const run = yield* session.createAndWait("Summarize open Linear issues.")
  yield* Console.log(Run.outputText(run))

  yield* session.stream("Which one is the oldest?").pipe(
    Stream.runForEach((event) =>
      event._tag === "MessageOutputDelta" ? Effect.sync(() => process.stdout.write(event.data.delta)) : Effect.void
    )
  )
  yield* Console.log("")
}).pipe(Effect.scoped)

// AP_API_KEY (and AP_BASE_URL, default https://api.agentplatform.cloud/v1) from the environment.
export const AgentPlatformLive = AgentPlatform.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  program.pipe(Effect.provide(AgentPlatformLive), NodeRuntime.runMain)
}
