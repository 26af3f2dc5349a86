/**
 * `GET /actions`, `POST /action_invocations`, `GET /action_invocations`, `GET /action_invocations/{id}`.
 *
 * @since 0.1.0
 */
import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import { InvokeParams } from "../../Action.js"
import * as Api from "../Api.js"
import { CurrentWorkspace } from "../Domain.js"
import { Gateway } from "../Gateway.js"

/**
 * @since 0.1.0
 * @category routers
 */
export const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/v1/actions",
    Effect.map(Gateway, (gateway) => Api.list({ data: gateway.catalog, has_more: false }))
  ),
  HttpRouter.post(
    "/v1/action_invocations",
    Api.post((body) =>
      Effect.gen(function*() {
        const params = yield* Api.decodeBody(InvokeParams, body)
        const invocation = yield* (yield* Gateway).invoke({
          workspace: yield* CurrentWorkspace,
          action: params.action,
          input: params.input ?? {},
          sessionId: params.session_id,
          connectionId: params.connection_id
        })
        return { _tag: "Json", status: 200, body: invocation } as const
      })
    )
  ),
  HttpRouter.get(
    "/v1/action_invocations",
    Effect.gen(function*() {
      const page = yield* Api.pageParams()
      return Api.list(yield* (yield* Gateway).list(yield* CurrentWorkspace, page))
    })
  ),
  HttpRouter.get(
    "/v1/action_invocations/:id",
    Effect.gen(function*() {
      const id = yield* Effect.map(HttpRouter.params, (params) => params.id ?? "")
      return Api.json(yield* (yield* Gateway).get(yield* CurrentWorkspace, id))
    })
  )
)
