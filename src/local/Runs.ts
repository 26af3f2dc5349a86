/**
 * Runs: creation in the three modes, the executor (one run at a time per session, in creation order), cancel,
 * and the durable event log with its live followers.
 *
 * Every event is written in the same transaction as the change it describes (a run's status, a tool call, the
 * output, the transcript), so no reader sees an event before what it describes. After each commit, followers
 * of the run are woken and read the new events from the store.
 *
 * @since 0.1.0
 */
import type { SqlError } from "@effect/sql/SqlError"
import {
  Cause,
  Chunk,
  Context,
  Data,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  FiberId,
  FiberSet,
  Layer,
  Option,
  Stream
} from "effect"
import { isTerminalStatus } from "../Run.js"
import type { RunInput } from "../RunInput.js"
import type { CreateRunBody } from "./Domain.js"
import { ApiFailure, hostedModelUnavailable, inputText, invalidRequest, makeId, notFound, now, traced } from "./Domain.js"
import { Faults } from "./Faults.js"
import { Gateway } from "./Gateway.js"
import { Model, ModelError } from "./Model.js"
import type { ToolResult } from "./Model.js"
import { RunsRepo } from "./Runs/Repo.js"
import type { EventRow, RunRow, ToolCallRow } from "./Runs/Repo.js"
import { Sessions } from "./Sessions.js"
import { SessionsRepo } from "./Sessions/Repo.js"

/**
 * Options of the run machinery.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long `wait: true` waits for a terminal state before answering `202`. Default 60 s. */
  readonly waitLimit?: Duration.DurationInput | undefined
  /** How long an SSE stream may be idle before a `: keepalive` comment. Default 15 s. */
  readonly keepAliveInterval?: Duration.DurationInput | undefined
}

/**
 * A run as the API writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type RunJson = Record<string, unknown> & { readonly id: string; readonly status: string }

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly create: (workspace: string, sessionId: string, body: CreateRunBody) => Effect.Effect<RunJson, ApiFailure>
  readonly get: (workspace: string, id: string) => Effect.Effect<RunJson, ApiFailure>
  readonly list: (
    workspace: string,
    sessionId: string,
    page: { readonly limit: number; readonly startingAfter: string | undefined }
  ) => Effect.Effect<{ readonly data: ReadonlyArray<RunJson>; readonly has_more: boolean }, ApiFailure>
  readonly cancel: (workspace: string, id: string) => Effect.Effect<RunJson, ApiFailure>
  /** The run once terminal, or as it is when `waitLimit` passes (`terminal: false`). */
  readonly awaitTerminal: (
    workspace: string,
    id: string
  ) => Effect.Effect<{ readonly run: RunJson; readonly terminal: boolean }, ApiFailure>
  readonly eventsPage: (
    workspace: string,
    id: string,
    page: { readonly startingAfter: number; readonly limit: number }
  ) => Effect.Effect<{ readonly data: ReadonlyArray<unknown>; readonly has_more: boolean }, ApiFailure>
  /**
   * The SSE text of a run's events after `startingAfter`: what is stored, then live events, keep-alive comments
   * while idle, ending after the terminal event (or where a fault cuts it). The run must have been checked.
   */
  readonly follow: (runId: string, startingAfter: number) => Stream.Stream<string>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Runs extends Context.Tag("effect-agent-platform/local/Runs")<Runs, Service>() {}

/** The run ended while the executor was still writing: it stops. */
class RunStopped extends Data.TaggedError("RunStopped")<{}> {}

/**
 * The defect with which {@link Service.follow} ends a stream that a fault cuts by breaking the connection
 * (`cutMode: "reset"`); the HTTP layer turns it into a reset socket.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamReset extends Data.TaggedError("StreamReset")<{}> {}

const terminalTypes = new Set(["run.completed", "run.failed", "run.cancelled"])

const toolCallJson = (row: ToolCallRow) => ({
  id: row.id,
  object: "tool_call",
  name: row.name,
  status: row.status,
  arguments: JSON.parse(row.arguments),
  ...(row.result_preview === null ? {} : { result_preview: JSON.parse(row.result_preview) }),
  ...(row.error === null ? {} : { error: row.error }),
  created_at: row.created_at,
  updated_at: row.updated_at
})

const runJson = (row: RunRow, toolCalls: ReadonlyArray<ToolCallRow>): RunJson => ({
  id: row.id,
  object: "run",
  session_id: row.session_id,
  status: row.status,
  source: "api",
  created_at: row.created_at,
  updated_at: row.updated_at,
  ...(row.completed_at === null ? {} : { completed_at: row.completed_at }),
  output: row.output_text === null
    ? []
    : [{ type: "message", role: "assistant", content: [{ type: "output_text", text: row.output_text }] }],
  tool_calls: toolCalls.map(toolCallJson),
  ...(row.error_message === null
    ? {}
    : { error: { code: row.error_code ?? "RUN_FAILED", message: row.error_message } }),
  metadata: JSON.parse(row.metadata)
})

/** A preview of an action's result for a tool call: the result itself, or its first 2000 characters. */
const previewOf = (result: unknown): unknown => {
  const text = JSON.stringify(result) ?? "null"
  return text.length <= 2000 ? result : { truncated: true, text: text.slice(0, 2000) }
}

const argumentPieces = (text: string): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < text.length; i += 12) out.push(text.slice(i, i + 12))
  return out.length === 0 ? [""] : out
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const repo = yield* RunsRepo
    const sessionsRepo = yield* SessionsRepo
    const sessions = yield* Sessions
    const faults = yield* Faults
    const gateway = yield* Gateway
    const model = yield* Model
    const sql = repo.sql
    const waitLimit = Duration.decode(options.waitLimit ?? Duration.seconds(60))
    const keepAlive = Duration.decode(options.keepAliveInterval ?? Duration.seconds(15))
    const fibers = yield* FiberSet.make()

    // --- followers: a version per run, bumped after each commit that adds an event
    const versions = new Map<string, number>()
    const waiters = new Map<string, Set<Deferred.Deferred<void>>>()
    const notify = (runId: string) =>
      Effect.sync(() => {
        versions.set(runId, (versions.get(runId) ?? 0) + 1)
        const waiting = waiters.get(runId)
        waiters.delete(runId)
        if (waiting) for (const deferred of waiting) Deferred.unsafeDone(deferred, Exit.void)
      })
    const versionOf = (runId: string) => versions.get(runId) ?? 0
    const waitChange = (runId: string, seen: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (versionOf(runId) > seen) return Effect.void
        const deferred = Deferred.unsafeMake<void>(FiberId.none)
        let waiting = waiters.get(runId)
        if (waiting === undefined) waiters.set(runId, waiting = new Set())
        waiting.add(deferred)
        return Effect.onInterrupt(Deferred.await(deferred), () => Effect.sync(() => waiters.get(runId)?.delete(deferred)))
      })

    // --- events
    /** Writes one event of a run; call inside a transaction. */
    const writeEvent = (run: { readonly id: string; readonly session_id: string }, type: string, data: unknown) =>
      Effect.gen(function*() {
        const sequenceNumber = (yield* repo.lastSequenceNumber(run.id)) + 1
        const event = {
          id: makeId("evt"),
          type,
          run_id: run.id,
          session_id: run.session_id,
          sequence_number: sequenceNumber,
          created_at: now(),
          data
        }
        yield* repo.insertEvent({ run_id: run.id, sequence_number: sequenceNumber, id: event.id, type, json: JSON.stringify(event) })
        return event
      })

    /**
     * Appends an event with the change it describes, in one transaction, if the run has not ended; the executor
     * stops (by interruption) when it has.
     */
    const append = (
      run: { readonly id: string; readonly session_id: string },
      type: string,
      data: unknown,
      change?: Effect.Effect<void, SqlError>
    ): Effect.Effect<void> =>
      sql.withTransaction(Effect.gen(function*() {
        const current = yield* repo.findById(run.id)
        if (current === undefined || isTerminalStatus(current.status)) return yield* new RunStopped()
        if (change !== undefined) yield* change
        yield* writeEvent(run, type, data)
      })).pipe(
        Effect.zipRight(notify(run.id)),
        Effect.catchTag("RunStopped", () => Effect.interrupt),
        Effect.orDie
      )

    const end = (run: RunRow, type: "run.completed" | "run.failed", error?: { readonly message: string; readonly code: string }) => {
      const at = now()
      return append(
        run,
        type,
        type === "run.completed" ? { status: "completed" } : { error: error!.message, code: error!.code },
        repo.update(run.id, {
          status: type === "run.completed" ? "completed" : "failed",
          updated_at: at,
          completed_at: at,
          ...(error === undefined ? {} : { error_code: error.code, error_message: error.message })
        })
      )
    }

    // --- the executor
    const running = new Map<string, Fiber.RuntimeFiber<void>>()

    const execute = (run: RunRow): Effect.Effect<void> =>
      Effect.gen(function*() {
        const input = JSON.parse(run.input) as RunInput
        const transcript = yield* Effect.orDie(sessionsRepo.messages(run.session_id))
        const startedAt = now()
        yield* append(
          run,
          "run.started",
          { status: "running" },
          Effect.gen(function*() {
            yield* repo.update(run.id, { status: "running", updated_at: startedAt })
            for (const message of input) {
              if (message.role !== "user") continue
              yield* sessionsRepo.insertMessage({
                id: makeId("msg"),
                session_id: run.session_id,
                run_id: run.id,
                role: "user",
                content: inputText([message]),
                created_at: startedAt
              })
            }
            yield* sessionsRepo.touch(run.session_id, startedAt)
          })
        )

        const callTool = (name: string, args: Record<string, unknown>): Effect.Effect<ToolResult> =>
          Effect.gen(function*() {
            const id = makeId("tc")
            const at = now()
            yield* append(
              run,
              "tool_call.started",
              { tool_call_id: id, name },
              repo.insertToolCall({
                id,
                run_id: run.id,
                name,
                status: "running",
                arguments: JSON.stringify(args),
                result_preview: null,
                error: null,
                created_at: at,
                updated_at: at
              })
            )
            for (const delta of argumentPieces(JSON.stringify(args))) {
              yield* append(run, "tool_call.arguments.delta", { tool_call_id: id, delta })
            }
            const outcome = yield* Effect.either(gateway.invoke({
              workspace: run.workspace,
              action: name,
              input: args,
              sessionId: run.session_id,
              runId: run.id
            }))
            const result: ToolResult = outcome._tag === "Left"
              ? { status: "failed", result: null, error: outcome.left.message }
              : outcome.right.status === "succeeded"
              ? { status: "succeeded", result: outcome.right.result }
              : { status: "failed", result: null, error: outcome.right.error ?? "the action failed" }
            if (result.status === "succeeded") {
              const preview = previewOf(result.result)
              yield* append(
                run,
                "tool_call.completed",
                { tool_call_id: id, name, result_preview: preview },
                repo.updateToolCall(id, { status: "completed", result_preview: JSON.stringify(preview), updated_at: now() })
              )
            } else {
              yield* append(
                run,
                "tool_call.failed",
                { tool_call_id: id, name, error: result.error },
                repo.updateToolCall(id, { status: "failed", error: result.error ?? null, updated_at: now() })
              )
            }
            return result
          })

        let text = ""
        yield* model.respond({
          workspace: run.workspace,
          sessionId: run.session_id,
          runId: run.id,
          transcript: transcript.map((message) => ({ role: message.role, content: message.content })),
          input,
          prompt: inputText(input),
          actions: gateway.catalog.map((action) => ({ id: action.id as string, input_schema: action.input_schema })),
          callTool
        }).pipe(
          Stream.runForEach((step) => {
            if (step._tag === "Reasoning") return append(run, "reasoning.summary.delta", { delta: step.delta })
            text += step.delta
            return append(run, "message.output.delta", { delta: step.delta })
          })
        )
        const at = now()
        yield* append(
          run,
          "message.output.completed",
          { text },
          Effect.gen(function*() {
            yield* repo.update(run.id, { output_text: text, updated_at: at })
            yield* sessionsRepo.insertMessage({
              id: makeId("msg"),
              session_id: run.session_id,
              run_id: run.id,
              role: "assistant",
              content: text,
              created_at: at
            })
            yield* sessionsRepo.touch(run.session_id, at)
          })
        )
        yield* end(run, "run.completed")
      }).pipe(
        Effect.catchIf(
          (error): error is ModelError => error instanceof ModelError,
          (error) => end(run, "run.failed", { message: error.message, code: error.code ?? "MODEL_ERROR" })
        ),
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.zipRight(
              Effect.logError("run failed with a defect", cause),
              end(run, "run.failed", { message: "the platform failed while running the run", code: "INTERNAL" })
            )
        )
      ) as Effect.Effect<void>

    const workers = new Map<string, { again: boolean }>()

    const drain = (sessionId: string): Effect.Effect<void> =>
      Effect.gen(function*() {
        while (true) {
          const next = yield* Effect.orDie(repo.nextQueued(sessionId))
          if (next === undefined) {
            const worker = workers.get(sessionId)
            if (worker?.again === true) {
              worker.again = false
              continue
            }
            workers.delete(sessionId)
            return
          }
          const fiber = yield* Effect.fork(execute(next))
          running.set(next.id, fiber)
          yield* Fiber.await(fiber)
          running.delete(next.id)
        }
      }).pipe(Effect.onExit(() => Effect.sync(() => workers.delete(sessionId))))

    /** Makes sure a worker runs the session's queued runs. */
    const kick = (sessionId: string) =>
      Effect.suspend(() => {
        const worker = workers.get(sessionId)
        if (worker !== undefined) {
          worker.again = true
          return Effect.void
        }
        workers.set(sessionId, { again: false })
        return Effect.asVoid(FiberSet.run(fibers, drain(sessionId)))
      })

    // --- the API
    const find = (workspace: string, id: string) =>
      Effect.flatMap(Effect.orDie(repo.find(workspace, id)), (row) =>
        row === undefined ? Effect.fail(notFound("run", id)) : Effect.succeed(row))

    const render = (row: RunRow) => Effect.map(Effect.orDie(repo.toolCalls(row.id)), (calls) => runJson(row, calls))

    const get = (workspace: string, id: string) => Effect.flatMap(find(workspace, id), render)

    const create = (workspace: string, sessionId: string, body: CreateRunBody) =>
      Effect.gen(function*() {
        const session = yield* sessions.find(workspace, sessionId)
        if (!(yield* faults.hostedModel(workspace))) return yield* hostedModelUnavailable()
        const at = now()
        const row = {
          id: makeId("run"),
          workspace,
          session_id: session.id,
          status: "queued",
          input: JSON.stringify(body.input),
          output_text: null,
          error_code: null,
          error_message: null,
          metadata: JSON.stringify(body.metadata ?? {}),
          created_at: at,
          updated_at: at,
          completed_at: null
        }
        yield* Effect.orDie(sql.withTransaction(Effect.gen(function*() {
          yield* repo.insert(row)
          yield* writeEvent(row, "run.created", { status: "queued" })
          yield* sessionsRepo.touch(session.id, at)
        })))
        yield* notify(row.id)
        yield* kick(session.id)
        return runJson({ ...row, n: 0 }, [])
      })

    const list = (
      workspace: string,
      sessionId: string,
      page: { readonly limit: number; readonly startingAfter: string | undefined }
    ) =>
      Effect.gen(function*() {
        const session = yield* sessions.find(workspace, sessionId)
        let before = Number.MAX_SAFE_INTEGER
        if (page.startingAfter !== undefined) {
          const anchor = yield* Effect.orDie(repo.find(workspace, page.startingAfter))
          if (anchor === undefined || anchor.session_id !== session.id) {
            return yield* invalidRequest(`starting_after: no run ${JSON.stringify(page.startingAfter)} in this session`)
          }
          before = anchor.n
        }
        const rows = yield* Effect.orDie(repo.list(session.id, before, page.limit + 1))
        const data = yield* Effect.forEach(rows.slice(0, page.limit), render)
        return { data, has_more: rows.length > page.limit }
      })

    const cancel = (workspace: string, id: string) =>
      Effect.gen(function*() {
        const outcome = yield* Effect.orDie(sql.withTransaction(Effect.gen(function*() {
          const row = yield* repo.find(workspace, id)
          if (row === undefined) return "missing" as const
          if (row.status === "cancelled") return "already" as const
          if (row.status === "completed" || row.status === "failed") return row.status
          const at = now()
          yield* repo.update(row.id, { status: "cancelled", updated_at: at, completed_at: at })
          yield* writeEvent(row, "run.cancelled", { status: "cancelled" })
          return "cancelled" as const
        })))
        if (outcome === "missing") return yield* notFound("run", id)
        if (outcome === "completed" || outcome === "failed") {
          return yield* new ApiFailure({
            status: 409,
            code: "RUN_ALREADY_TERMINAL",
            message: `the run ${id} already ended: ${outcome}`
          })
        }
        if (outcome === "cancelled") {
          yield* notify(id)
          const fiber = running.get(id)
          if (fiber !== undefined) yield* Fiber.interrupt(fiber)
        }
        return yield* get(workspace, id)
      })

    const awaitTerminal = (workspace: string, id: string) =>
      Effect.gen(function*() {
        const loop = Effect.gen(function*() {
          while (true) {
            const seen = versionOf(id)
            const row = yield* find(workspace, id)
            if (isTerminalStatus(row.status)) return row
            yield* waitChange(id, seen)
          }
        })
        const terminal = yield* Effect.timeoutOption(loop, waitLimit)
        if (Option.isSome(terminal)) return { run: yield* render(terminal.value), terminal: true }
        return { run: yield* get(workspace, id), terminal: false }
      })

    const eventsPage = (workspace: string, id: string, page: { readonly startingAfter: number; readonly limit: number }) =>
      Effect.gen(function*() {
        const row = yield* find(workspace, id)
        const rows = yield* Effect.orDie(repo.events(row.id, page.startingAfter, page.limit + 1))
        return { data: rows.slice(0, page.limit).map((event) => JSON.parse(event.json)), has_more: rows.length > page.limit }
      })

    const frame = (row: EventRow) => `id: ${row.sequence_number}\nevent: ${row.type}\ndata: ${row.json}\n\n`

    const follow = (runId: string, startingAfter: number): Stream.Stream<string> =>
      Stream.unwrap(Effect.map(faults.stream, (streamFaults) => {
        let last = startingAfter
        let sent = 0
        let done = false
        let stallNext = false
        let resetNext = false
        const pull: Effect.Effect<Chunk.Chunk<string>, Option.Option<never>> = Effect.gen(function*() {
          if (resetNext) return yield* Effect.die(new StreamReset())
          if (done) return yield* Effect.fail(Option.none())
          if (stallNext && streamFaults.stall !== undefined) {
            stallNext = false
            streamFaults.stalled()
            yield* Effect.sleep(streamFaults.stall.duration)
          }
          while (true) {
            const seen = versionOf(runId)
            // the status first: a terminal status is committed with its event, so if the run has ended and
            // nothing is left after `last`, the stream is over
            const ended = yield* Effect.map(
              Effect.orDie(repo.findById(runId)),
              (run) => run === undefined || isTerminalStatus(run.status)
            )
            const rows = yield* Effect.orDie(repo.events(runId, last, 100))
            if (rows.length === 0 && ended) {
              done = true
              return Chunk.empty<string>()
            }
            if (rows.length > 0) {
              const out: Array<string> = []
              for (const row of rows) {
                out.push(frame(row))
                last = row.sequence_number
                sent += 1
                if (terminalTypes.has(row.type)) {
                  done = true
                  break
                }
                if (streamFaults.cutAfter(sent)) {
                  done = true
                  resetNext = streamFaults.reset()
                  break
                }
                if (streamFaults.stall !== undefined && sent === streamFaults.stall.afterEvents) {
                  stallNext = true
                  break
                }
              }
              return Chunk.unsafeFromArray(out)
            }
            const woken = yield* Effect.timeoutOption(waitChange(runId, seen), keepAlive)
            if (Option.isNone(woken)) return Chunk.of(": keepalive\n\n")
          }
        })
        return Stream.repeatEffectChunkOption(pull)
      }))

    // --- on start: runs that were running when the process stopped are ended; queued ones go on
    const interrupted = yield* Effect.orDie(repo.withStatus("running"))
    for (const run of interrupted) {
      const at = now()
      yield* Effect.orDie(sql.withTransaction(Effect.gen(function*() {
        yield* repo.update(run.id, {
          status: "failed",
          updated_at: at,
          completed_at: at,
          error_code: "INTERRUPTED",
          error_message: "the platform stopped while the run was running"
        })
        yield* writeEvent(run, "run.failed", { error: "the platform stopped while the run was running", code: "INTERRUPTED" })
      })))
    }
    const queued = yield* Effect.orDie(repo.withStatus("queued"))
    for (const sessionId of new Set(queued.map((run) => run.session_id))) yield* kick(sessionId)

    return Runs.of({
      create: traced("LocalPlatform.Runs.create", create),
      get: traced("LocalPlatform.Runs.get", get),
      list: traced("LocalPlatform.Runs.list", list),
      cancel: traced("LocalPlatform.Runs.cancel", cancel),
      awaitTerminal: traced("LocalPlatform.Runs.awaitTerminal", awaitTerminal),
      eventsPage: traced("LocalPlatform.Runs.eventsPage", eventsPage),
      follow
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options) => Layer.scoped(Runs, make(options))
