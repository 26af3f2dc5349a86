/**
 * `POST /sessions/{id}/runs` (queued, `wait: true`, `stream: true`), `GET /sessions/{id}/runs`,
 * `GET /runs/{id}`, `POST /runs/{id}/cancel`, `GET /runs/{id}/events` (SSE or JSON pages).
 *
 * @since 0.1.0
 */
import { HttpRouter, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import * as Api from "../Api.js"
import { CreateRunBody, CurrentWorkspace, invalidRequest } from "../Domain.js"
import { Runs } from "../Runs.js"

const idParam = Effect.map(HttpRouter.params, (params) => params.id ?? "")

/**
 * @since 0.1.0
 * @category routers
 */
export const router = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/v1/sessions/:id/runs",
    Effect.flatMap(idParam, (sessionId) =>
      Api.post((text) =>
        Effect.gen(function*() {
          const body = yield* Api.decodeBody(CreateRunBody, text)
          if (body.wait === true && body.stream === true) {
            return yield* invalidRequest("wait and stream cannot both be true")
          }
          const runs = yield* Runs
          const workspace = yield* CurrentWorkspace
          const run = yield* runs.create(workspace, sessionId, body)
          if (body.stream === true) return { _tag: "Stream", runId: run.id } as const
          if (body.wait === true) {
            const waited = yield* runs.awaitTerminal(workspace, run.id)
            return { _tag: "Json", status: waited.terminal ? 200 : 202, body: waited.run } as const
          }
          return { _tag: "Json", status: 202, body: run } as const
        })
      ))
  ),
  HttpRouter.get(
    "/v1/sessions/:id/runs",
    Effect.gen(function*() {
      const page = yield* Api.pageParams()
      return Api.list(yield* (yield* Runs).list(yield* CurrentWorkspace, yield* idParam, page))
    })
  ),
  HttpRouter.get(
    "/v1/runs/:id",
    Effect.gen(function*() {
      return Api.json(yield* (yield* Runs).get(yield* CurrentWorkspace, yield* idParam))
    })
  ),
  HttpRouter.post(
    "/v1/runs/:id/cancel",
    Effect.flatMap(idParam, (runId) =>
      Api.post(() =>
        Effect.gen(function*() {
          const run = yield* (yield* Runs).cancel(yield* CurrentWorkspace, runId)
          return { _tag: "Json", status: 200, body: run } as const
        })
      ))
  ),
  HttpRouter.get(
    "/v1/runs/:id/events",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const runs = yield* Runs
      const workspace = yield* CurrentWorkspace
      const runId = yield* idParam
      const query = yield* Api.query
      const accept = request.headers["accept"] ?? ""
      const sse = accept.toLowerCase().includes("text/event-stream") || query.get("stream") === "true"
      const startingAfterText = query.get("starting_after")
      if (sse) {
        const lastEventId = request.headers["last-event-id"]
        const startingAfter = startingAfterText !== null
          ? yield* Api.sequenceNumber("starting_after", startingAfterText)
          : lastEventId !== undefined && lastEventId.trim() !== ""
          ? yield* Api.sequenceNumber("Last-Event-ID", lastEventId)
          : 0
        yield* runs.get(workspace, runId)
        return yield* Api.eventStream(runId, startingAfter)
      }
      const limitText = query.get("limit")
      const limit = limitText === null ? 100 : yield* Api.sequenceNumber("limit", limitText)
      if (limit < 1 || limit > 1000) return yield* invalidRequest("limit must be a whole number from 1 to 1000")
      const startingAfter = startingAfterText === null ? 0 : yield* Api.sequenceNumber("starting_after", startingAfterText)
      return Api.list(yield* runs.eventsPage(workspace, runId, { startingAfter, limit }))
    })
  )
)
