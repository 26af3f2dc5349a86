/**
 * `POST /sessions`, `GET /sessions`, `GET /sessions/{id}`.
 *
 * @since 0.1.0
 */
import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import * as Api from "../Api.js"
import { CreateSessionBody, CurrentWorkspace } from "../Domain.js"
import { Sessions } from "../Sessions.js"

const idParam = Effect.map(HttpRouter.params, (params) => params.id ?? "")

/**
 * @since 0.1.0
 * @category routers
 */
export const router = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/v1/sessions",
    Api.post((body) =>
      Effect.gen(function*() {
        const params = yield* Api.decodeBody(CreateSessionBody, body)
        const session = yield* (yield* Sessions).create(yield* CurrentWorkspace, params)
        return { _tag: "Json", status: 201, body: session } as const
      })
    )
  ),
  HttpRouter.get(
    "/v1/sessions",
    Effect.gen(function*() {
      const page = yield* Api.pageParams()
      return Api.list(yield* (yield* Sessions).list(yield* CurrentWorkspace, page))
    })
  ),
  HttpRouter.get(
    "/v1/sessions/:id",
    Effect.gen(function*() {
      return Api.json(yield* (yield* Sessions).get(yield* CurrentWorkspace, yield* idParam))
    })
  )
)
