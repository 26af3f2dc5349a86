/**
 * Calling a gateway action directly, without a session or any model reasoning.
 */
import { Console, Effect } from "effect"
import { ActionService } from "effect-agent-platform"
import { runIfMain } from "./runner.js"

export const program = Effect.gen(function*() {
  const actions = yield* ActionService.ActionService
  const catalog = yield* actions.list()
  yield* Console.log(`${catalog.length} actions: ${catalog.map((action) => action.id).join(", ")}`)

  const invocation = yield* actions.invoke("linear.issues.list", { state: "open" })
  yield* Console.log(`${invocation.id} ${invocation.status} in ${invocation.duration_ms ?? "?"} ms`)
  yield* Console.log(JSON.stringify(invocation.result, null, 2))

  // The audit trail records the call with the input's keys only, never its values.
  const record = yield* actions.getInvocation(invocation.id)
  yield* Console.log(`audited: ${record.action}, input keys ${JSON.stringify(record.input_keys ?? [])}`)
  return invocation
}).pipe(
  Effect.catchTags({
    PermissionDenied: (error) => Console.error(`this workspace may not use that action: ${error.message}`),
    ActionInvocationFailed: (error) => Console.error(`the provider failed: ${error.message}`)
  })
)

runIfMain(import.meta.url, program)
