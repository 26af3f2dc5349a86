import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Option, Stream, TestClock } from "effect"
import { SessionService, TestHttpClient } from "../src/index.js"
import { completedRun, event, run, session, T0, testLayer } from "./helpers.js"
import { requests } from "./support.js"

const messages = [
  { id: "msg_1", role: "user", content: "Summarize open Linear issues.", run_id: "run_1", created_at: T0 },
  { id: "msg_2", role: "assistant", content: "There are 4 open Linear issues.", run_id: "run_1", created_at: T0 }
]

const Sessions = SessionService.SessionService

const cancelled = (sent: ReadonlyArray<TestHttpClient.RecordedRequest>) =>
  sent.filter((r) => r.method === "POST" && r.path.endsWith("/cancel")).map((r) => r.path).sort()

/** A platform: sessions, runs created queued with ids run_1, run_2, …, cancels answered 200. */
const platform = (options: { readonly cancel?: (request: TestHttpClient.RecordedRequest) => Response } = {}) => {
  let runs = 0
  return (request: TestHttpClient.RecordedRequest): TestHttpClient.Reply => {
    if (request.method === "POST" && request.path === "/v1/sessions") return TestHttpClient.json(201, session("sess_new"))
    if (request.method === "GET" && request.path.startsWith("/v1/sessions/")) {
      const id = request.path.split("/")[3]!
      return TestHttpClient.json(200, { session: session(id), messages })
    }
    if (request.method === "POST" && request.path.endsWith("/runs")) {
      runs += 1
      return TestHttpClient.json(202, run("queued", { session_id: request.path.split("/")[3] }, `run_${runs}`))
    }
    if (request.method === "POST" && request.path.endsWith("/cancel")) {
      if (options.cancel) return options.cancel(request)
      return TestHttpClient.json(200, run("cancelled", {}, request.path.split("/")[3]))
    }
    return TestHttpClient.json(404, { error: "unscripted", code: "NOT_FOUND" })
  }
}

describe("SessionService.create", () => {
  it.effect("POST /sessions with title and metadata, answer decoded (201)", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const created = yield* sessions.create({ title: "Investigate support backlog", metadata: { team: "support" } })
      assert.strictEqual(created.id, "sess_1")
      assert.strictEqual(created.status, "active")
      const [sent] = yield* requests
      assert.strictEqual(sent!.method, "POST")
      assert.strictEqual(sent!.path, "/v1/sessions")
      assert.deepStrictEqual(sent!.body, { title: "Investigate support backlog", metadata: { team: "support" } })
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(201, session())))))

  it.effect("without params: an empty JSON object body; any 2xx is accepted", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const created = yield* sessions.create()
      assert.strictEqual(created.id, "sess_2")
      const [sent] = yield* requests
      assert.deepStrictEqual(sent!.body, {})
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, session("sess_2"))))))

  it.effect("a title of exactly 256 characters is sent", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      yield* sessions.create({ title: "t".repeat(256) })
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(201, session())))))

  it.effect("503 HOSTED_MODEL_UNAVAILABLE is HostedModelUnavailable, not retried", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const fiber = yield* Effect.fork(Effect.flip(sessions.create()))
      yield* TestClock.adjust("5 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "HostedModelUnavailable")
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(503, { error: "no hosted model", code: "HOSTED_MODEL_UNAVAILABLE" })
    ))))
})

describe("SessionService.get", () => {
  it.effect("the wrapped transcript shape", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const got = yield* sessions.get("sess_1")
      assert.strictEqual(got.session.id, "sess_1")
      assert.deepStrictEqual(got.messages.map((m) => [m.role, m.content]), [
        ["user", "Summarize open Linear issues."],
        ["assistant", "There are 4 open Linear issues."]
      ])
      const [sent] = yield* requests
      assert.strictEqual(sent!.method, "GET")
      assert.strictEqual(sent!.path, "/v1/sessions/sess_1")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { session: session(), messages })))))

  it.effect("the inline transcript shape (messages inside the session object)", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const got = yield* sessions.get("sess_1")
      assert.strictEqual(got.session.id, "sess_1")
      assert.strictEqual(got.session.title, "t")
      assert.deepStrictEqual(got.messages.map((m) => m.id), ["msg_1", "msg_2"])
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { ...session(), messages })))))

  it.effect("an id is sent as one escaped path segment", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      yield* sessions.get("sess_a/b")
      const [sent] = yield* requests
      assert.strictEqual(sent!.path, "/v1/sessions/sess_a%2Fb")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { session: session(), messages: [] })))))

  it.effect("an unknown id (or another workspace's) is NotFound", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const error = yield* Effect.flip(sessions.get("sess_other"))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.code, "NOT_FOUND")
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(404, { error: "no such session", code: "NOT_FOUND" })))))
})

describe("SessionService.list and listAll", () => {
  it.effect("list sends limit and starting_after and returns one page", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const page = yield* sessions.list({ limit: 2, startingAfter: "sess_9" })
      assert.deepStrictEqual(page.data.map((s) => s.id), ["sess_8", "sess_7"])
      assert.isTrue(page.hasMore)
      const [sent] = yield* requests
      assert.strictEqual(sent!.path, "/v1/sessions")
      assert.strictEqual(sent!.url.searchParams.get("limit"), "2")
      assert.strictEqual(sent!.url.searchParams.get("starting_after"), "sess_9")
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(200, { object: "list", data: [session("sess_8"), session("sess_7")], has_more: true })
    ))))

  it.effect("list without params sends neither limit nor starting_after", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const page = yield* sessions.list()
      assert.deepStrictEqual(page.data, [])
      const [sent] = yield* requests
      assert.isFalse(sent!.url.searchParams.has("limit"))
      assert.isFalse(sent!.url.searchParams.has("starting_after"))
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { object: "list", data: [], has_more: false })))))

  it.effect("listAll follows the pages with starting_after = the last id, until has_more is false", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const all = yield* Stream.runCollect(sessions.listAll({ pageSize: 2 }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(all).map((s) => s.id), ["sess_5", "sess_4", "sess_3", "sess_2", "sess_1"])
      const sent = yield* requests
      assert.strictEqual(sent.length, 3)
      assert.deepStrictEqual(sent.map((r) => r.url.searchParams.get("starting_after")), [null, "sess_4", "sess_2"])
      assert.deepStrictEqual(sent.map((r) => r.url.searchParams.get("limit")), ["2", "2", "2"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { object: "list", data: [session("sess_5"), session("sess_4")], has_more: true }),
      TestHttpClient.json(200, { object: "list", data: [session("sess_3"), session("sess_2")], has_more: true }),
      TestHttpClient.json(200, { object: "list", data: [session("sess_1")], has_more: false })
    ])))))

  it.effect("listAll over named-array pages (no has_more) stops after the first page", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const all = yield* Stream.runCollect(sessions.listAll())
      assert.deepStrictEqual(Chunk.toReadonlyArray(all).map((s) => s.id), ["sess_1", "sess_2"])
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { sessions: [session("sess_1"), session("sess_2")] })))))

  it.effect("listAll stops on an empty page even if has_more is true", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const all = yield* Stream.runCollect(sessions.listAll())
      assert.strictEqual(Chunk.size(all), 0)
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(200, { object: "list", data: [], has_more: true })))))

  it.effect("listAll is lazy: taking 2 of many fetches only the first page", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const two = yield* Stream.runCollect(Stream.take(sessions.listAll({ pageSize: 2 }), 2))
      assert.strictEqual(Chunk.size(two), 2)
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() =>
      TestHttpClient.json(200, { object: "list", data: [session("sess_5"), session("sess_4")], has_more: true })
    ))))

  it.effect("an error on a later page fails the stream after the earlier items", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const seen: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(sessions.listAll(), (s) => Effect.sync(() => seen.push(s.id))))
      assert.deepStrictEqual(seen, ["sess_2"])
      assert.strictEqual(error._tag, "Unauthenticated")
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(200, { object: "list", data: [session("sess_2")], has_more: true }),
      TestHttpClient.json(401, { error: "key revoked", code: "UNAUTHENTICATED" })
    ])))))
})

describe("SessionService.scoped", () => {
  it.scoped("acquiring creates a session; its runs are in that session", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const held = yield* sessions.scoped({ title: "support" })
      assert.strictEqual(held.id, "sess_new")
      assert.strictEqual(held.session.id, "sess_new")
      const created = yield* held.create("hi")
      assert.strictEqual(created.session_id, "sess_new")
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), ["POST /v1/sessions", "POST /v1/sessions/sess_new/runs"])
      assert.deepStrictEqual(sent[0]!.body, { title: "support" })
      assert.deepStrictEqual(yield* held.openRuns, ["run_1"])
    }).pipe(Effect.provide(testLayer(platform()))))

  it.scoped("acquiring with an id adopts the session with a GET and creates nothing", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const held = yield* sessions.scoped({ id: "sess_existing" })
      assert.strictEqual(held.id, "sess_existing")
      const transcript = yield* held.transcript
      assert.strictEqual(transcript.messages.length, 2)
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), [
        "GET /v1/sessions/sess_existing",
        "GET /v1/sessions/sess_existing"
      ])
    }).pipe(Effect.provide(testLayer(platform()))))

  it.effect("adopting an unknown id fails with NotFound and holds nothing", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const error = yield* Effect.flip(Effect.scoped(sessions.scoped({ id: "sess_gone" })))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual((yield* requests).length, 1)
    }).pipe(Effect.provide(testLayer(() => TestHttpClient.json(404, { error: "no", code: "NOT_FOUND" })))))

  it.effect("release on success cancels every run started through it that is not terminal", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      yield* Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("one")
        yield* held.create("two")
        assert.deepStrictEqual(cancelled(yield* requests), [])
      }))
      const sent = yield* requests
      assert.deepStrictEqual(cancelled(sent), ["/v1/runs/run_1/cancel", "/v1/runs/run_2/cancel"])
      for (const request of sent.filter((r) => r.path.endsWith("/cancel"))) {
        assert.isString(request.headers["idempotency-key"])
      }
    }).pipe(Effect.provide(testLayer(platform()))))

  it.effect("release on failure cancels the open runs, and the failure is kept", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("one")
        return yield* Effect.fail("the caller's own failure" as const)
      })))
      assert.deepStrictEqual(exit, Exit.fail("the caller's own failure" as const))
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_1/cancel"])
    }).pipe(Effect.provide(testLayer(platform()))))

  it.effect("release on a defect cancels the open runs", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("one")
        return yield* Effect.die(new Error("bug"))
      })))
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_1/cancel"])
    }).pipe(Effect.provide(testLayer(platform()))))

  it.effect("release on interruption cancels the open runs", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("one")
        yield* held.create("two")
        yield* Deferred.succeed(started, undefined)
        return yield* Effect.never
      })))
      yield* Deferred.await(started)
      assert.deepStrictEqual(cancelled(yield* requests), [])
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_1/cancel", "/v1/runs/run_2/cancel"])
    }).pipe(Effect.provide(testLayer(platform()))))

  it.effect("runs created already terminal are not cancelled", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      yield* Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("done")
        assert.deepStrictEqual(yield* held.openRuns, [])
      }))
      assert.deepStrictEqual(cancelled(yield* requests), [])
    }).pipe(Effect.provide(testLayer((request) =>
      request.path === "/v1/sessions"
        ? TestHttpClient.json(201, session("sess_new"))
        : TestHttpClient.json(200, run("completed"))
    ))))

  it.effect("a run whose stream ended with its terminal event is not cancelled; one abandoned is", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      yield* Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        const events = yield* Stream.runCollect(held.stream("hi"))
        assert.strictEqual(Chunk.size(events), completedRun().length)
        assert.deepStrictEqual(yield* held.openRuns, [])
        yield* held.create("queued one")
        assert.deepStrictEqual(yield* held.openRuns, ["run_2"])
      }))
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_2/cancel"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(201, session("sess_new")),
      TestHttpClient.sse(completedRun(), { headers: { "content-location": "/v1/runs/run_1" } }),
      TestHttpClient.json(202, run("queued", {}, "run_2")),
      TestHttpClient.json(200, run("cancelled", {}, "run_2"))
    ])))))

  it.effect("a stream cut short by the caller leaves its run open, and release cancels it", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      yield* Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* Stream.runDrain(Stream.take(held.stream("hi", { cancelOnInterrupt: false }), 2))
        assert.deepStrictEqual(yield* held.openRuns, ["run_1"])
      }))
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_1/cancel"])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(201, session("sess_new")),
      TestHttpClient.sse(
        [event(1, "run.created", { status: "queued" }), event(2, "run.started", { status: "running" })],
        { end: "hang", headers: { "content-location": "/v1/runs/run_1" } }
      ),
      TestHttpClient.json(200, run("cancelled"))
    ])))))

  it.effect("a cancel failing on release is ignored (409, 500, transport), and not retried", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("one")
        yield* held.create("two")
        yield* held.create("three")
        return "the result"
      })))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Fiber.join(fiber), "the result")
      assert.deepStrictEqual(cancelled(yield* requests), [
        "/v1/runs/run_1/cancel",
        "/v1/runs/run_2/cancel",
        "/v1/runs/run_3/cancel"
      ])
    }).pipe(Effect.provide(testLayer(platform({
      cancel: (request) =>
        request.path.includes("run_1")
          ? TestHttpClient.json(409, { error: "already completed", code: "RUN_ALREADY_TERMINAL" })
          : request.path.includes("run_2")
          ? TestHttpClient.json(500, { error: "bug", code: "INTERNAL" })
          : TestHttpClient.text(502, "bad gateway")
    })))))

  it.effect("a cancel answered with a body that does not decode is ignored on release", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("one")
        return "done"
      })))
      assert.deepStrictEqual(exit, Exit.succeed("done"))
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_1/cancel"])
    }).pipe(Effect.provide(testLayer(platform({ cancel: () => TestHttpClient.json(200, { unexpected: true }) })))))

  it.effect("a cancel that never answers holds the release no longer than the cancel timeout (default 5 s)", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      // a daemon, so that a release that never ends fails this test instead of hanging it
      const fiber = yield* Effect.forkDaemon(Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        yield* held.create("one")
        return "done"
      })))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_1/cancel"])
      yield* TestClock.adjust("4 seconds")
      const polled = yield* Fiber.poll(fiber)
      assert.isTrue(Option.isSome(polled), "the release should end after the cancel timeout")
      assert.deepStrictEqual(Option.getOrThrow(polled), Exit.succeed("done"))
    }).pipe(Effect.provide(testLayer((request) =>
      request.path.endsWith("/cancel") ? Effect.never : platform()(request)
    ))))

  it.effect("release while createAndWait follows a 202 run cancels that run", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const following = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        return yield* held.createAndWait("long question")
      })))
      yield* TestClock.adjust("1 second")
      yield* Deferred.succeed(following, undefined)
      const sent = yield* requests
      assert.deepStrictEqual(sent.map((r) => `${r.method} ${r.path}`), [
        "POST /v1/sessions",
        "POST /v1/sessions/sess_new/runs",
        "GET /v1/runs/run_7/events"
      ])
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(cancelled(yield* requests), ["/v1/runs/run_7/cancel"])
    }).pipe(Effect.provide(testLayer((request) => {
      if (request.path === "/v1/sessions") return TestHttpClient.json(201, session("sess_new"))
      if (request.path.endsWith("/runs")) return TestHttpClient.json(202, run("running", {}, "run_7"))
      if (request.path.endsWith("/events")) {
        return TestHttpClient.sse([event(1, "run.created", { status: "queued" }, "run_7")], { end: "hang" })
      }
      return TestHttpClient.json(200, run("cancelled", {}, "run_7"))
    }))))

  it.effect("metadata that is not string to string is refused before any request", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const error = yield* Effect.flip(sessions.create({ metadata: { count: 3 } as unknown as Record<string, string> }))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.include(error.message, "metadata")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(testLayer(platform()))))

  it.effect("adopting an empty id is InvalidRequest and sends nothing", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const error = yield* Effect.flip(Effect.scoped(sessions.scoped({ id: "" })))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(testLayer(platform()))))

  it.effect("a run whose creation failed is not tracked, and its error reaches the caller", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const error = yield* Effect.scoped(Effect.gen(function*() {
        const held = yield* sessions.scoped()
        const failure = yield* Effect.flip(held.create("hi"))
        assert.deepStrictEqual(yield* held.openRuns, [])
        return failure
      }))
      assert.strictEqual(error._tag, "HostedModelUnavailable")
      assert.deepStrictEqual(cancelled(yield* requests), [])
    }).pipe(Effect.provide(testLayer(TestHttpClient.sequence([
      TestHttpClient.json(201, session("sess_new")),
      TestHttpClient.json(503, { error: "no hosted model", code: "HOSTED_MODEL_UNAVAILABLE" })
    ])))))

  it.effect("a creation failure of the scoped session is the caller's error, and nothing is cancelled", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const error = yield* Effect.flip(Effect.scoped(sessions.scoped({ title: "x".repeat(300) })))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(testLayer(platform()))))
})
