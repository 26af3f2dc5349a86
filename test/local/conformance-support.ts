/**
 * Helpers of the black-box conformance run (`Conformance.test.ts`): the real `serve` process started as a child,
 * plain `fetch` requests, and an SSE parser. Nothing here imports the project: the run checks the server alone.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { assert } from "vitest"

const root = fileURLToPath(new URL("../../", import.meta.url))

/** A free loopback port, found by binding port 0 and closing it again. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") {
        server.close()
        reject(new Error("no port"))
        return
      }
      const port = address.port
      server.close(() => resolve(port))
    })
  })

export interface Server {
  readonly baseUrl: string
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** Starts `node --import tsx src/local/serve.ts` with the given environment and waits for its banner. */
export const startServer = async (env: Record<string, string>, timeoutMs = 20_000): Promise<Server> => {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/local/serve.ts"], {
    cwd: root,
    env: {
      ...process.env,
      AP_LOCAL_PORT: String(port),
      AP_LOCAL_HOST: "127.0.0.1",
      AP_LOCAL_DB: ":memory:",
      AP_LOCAL_DELTA_DELAY_MS: "0",
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = /Local Agent Platform on (\S+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${output}`))
    })
  })
  child.removeAllListeners("exit")
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
      }, 3_000)
      child.once("exit", () => {
        clearTimeout(timer)
        resolve()
      })
      child.kill("SIGTERM")
    })
  return { baseUrl, output: () => output, stop }
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export interface RequestOptions {
  readonly method?: string
  /** A value to send as JSON, or a string sent verbatim. */
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** The key to send as `Bearer <key>`; `null` sends no Authorization header. */
  readonly key?: string | null
  readonly timeoutMs?: number
}

/** Every answer the run received, so that the `x-request-id` rule can be checked over all of them. */
export const answered: Array<{ readonly what: string; readonly requestId: string | null }> = []

/** A client of one server for one default key: plain `fetch`, the text read to its end. */
export const client = (baseUrl: string, defaultKey: string) => {
  const request = async (path: string, options: RequestOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = {}
    const key = options.key === undefined ? defaultKey : options.key
    if (key !== null) headers.authorization = `Bearer ${key}`
    let body: string | undefined
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body)
      headers["content-type"] = "application/json"
    }
    Object.assign(headers, options.headers)
    const method = options.method ?? (body === undefined ? "GET" : "POST")
    const response = await fetch(baseUrl + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000)
    })
    const text = await response.text()
    let json: any = undefined
    try {
      json = JSON.parse(text)
    } catch {
      // not JSON (SSE, or an error without a JSON body)
    }
    const requestId = response.headers.get("x-request-id")
    answered.push({ what: `${method} ${path} -> ${response.status}`, requestId })
    assert.ok(requestId !== null && requestId.length > 0, `x-request-id on ${method} ${path} (${response.status})`)
    return { status: response.status, headers: response.headers, text, json }
  }
  return {
    request,
    get: (path: string, options: Omit<RequestOptions, "method" | "body"> = {}) => request(path, { ...options, method: "GET" }),
    post: (path: string, body?: unknown, options: Omit<RequestOptions, "method" | "body"> = {}) =>
      request(path, { ...options, method: "POST", ...(body === undefined ? {} : { body }) })
  }
}

export type Client = ReturnType<typeof client>

export interface Frame {
  readonly id: string | undefined
  readonly event: string | undefined
  readonly data: string | undefined
  readonly json: any
  readonly lines: ReadonlyArray<string>
}

export interface ParsedSse {
  readonly frames: ReadonlyArray<Frame>
  readonly comments: ReadonlyArray<string>
  readonly retry: ReadonlyArray<string>
  readonly otherFields: ReadonlyArray<string>
}

/** Parses a whole SSE body into frames (blocks separated by a blank line). */
export const parseSse = (text: string): ParsedSse => {
  const frames: Array<Frame> = []
  const comments: Array<string> = []
  const retry: Array<string> = []
  const otherFields: Array<string> = []
  const blocks = text.replace(/\r\n?/g, "\n").split("\n\n")
  for (const block of blocks) {
    if (block.trim() === "") continue
    const lines = block.split("\n").filter((line) => line !== "")
    let id: string | undefined
    let event: string | undefined
    const data: Array<string> = []
    let fields = 0
    for (const line of lines) {
      if (line.startsWith(":")) {
        comments.push(line)
        continue
      }
      const colon = line.indexOf(":")
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? "" : line.slice(colon + 1)
      if (value.startsWith(" ")) value = value.slice(1)
      fields++
      if (field === "id") id = value
      else if (field === "event") event = value
      else if (field === "data") data.push(value)
      else if (field === "retry") retry.push(value)
      else otherFields.push(line)
    }
    if (fields === 0) continue
    const joined = data.length === 0 ? undefined : data.join("\n")
    let json: any = undefined
    if (joined !== undefined) {
      try {
        json = JSON.parse(joined)
      } catch {
        json = undefined
      }
    }
    frames.push({ id, event, data: joined, json, lines })
  }
  return { frames, comments, retry, otherFields }
}

/**
 * A documented example: the repository's copy (`test/fixtures/docs`, identical to `../shared/fixtures/docs`), or
 * the shared one when the copy is missing.
 */
export const fixture = (name: string): string => {
  const copy = new URL(`../fixtures/docs/${name}`, import.meta.url)
  const shared = new URL(`../../../shared/fixtures/docs/${name}`, import.meta.url)
  return readFileSync(fileURLToPath(existsSync(copy) ? copy : shared), "utf8")
}

export const fixtureJson = (name: string): any => JSON.parse(fixture(name))

/** RFC 3339 in UTC (`Z`), optionally with fractions of a second. */
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

export const TERMINAL = new Set(["run.completed", "run.failed", "run.cancelled"])

export const EVENT_TYPES = new Set([
  "run.created",
  "run.started",
  "reasoning.summary.delta",
  "tool_call.started",
  "tool_call.arguments.delta",
  "tool_call.completed",
  "tool_call.failed",
  "message.output.delta",
  "message.output.completed",
  "run.completed",
  "run.failed",
  "run.cancelled"
])

export const TERMINAL_STATUSES = new Set(["completed", "failed", "cancelled"])

/** The JSON type of a value, with `array` and `null` told apart. */
export const jsonType = (value: unknown): string => value === null ? "null" : Array.isArray(value) ? "array" : typeof value

/**
 * Asserts that `actual` has every field of `documented` with the same JSON type, recursively (arrays: the
 * first documented item against every actual item).
 */
export const assertSameShape = (actual: unknown, documented: unknown, path = "$"): void => {
  assert.strictEqual(jsonType(actual), jsonType(documented), `type of ${path}`)
  if (Array.isArray(documented) && Array.isArray(actual)) {
    if (documented.length === 0) return
    assert.ok(actual.length > 0, `${path} is not empty`)
    for (const [i, item] of actual.entries()) assertSameShape(item, documented[0], `${path}[${i}]`)
    return
  }
  if (jsonType(documented) === "object") {
    for (const [key, value] of Object.entries(documented as Record<string, unknown>)) {
      assert.ok(Object.prototype.hasOwnProperty.call(actual, key), `${path}.${key} is present`)
      assertSameShape((actual as Record<string, unknown>)[key], value, `${path}.${key}`)
    }
  }
}

/** Waits, in a bounded loop of short polls, until `check` gives a value. */
export const pollUntil = async <A>(what: string, check: () => Promise<A | undefined>, timeoutMs = 10_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
