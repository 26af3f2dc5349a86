import { Duration, Effect, Layer, Stream } from "effect"
import type { ClientPolicy } from "../../src/index.js"
import { LocalPlatform, Model } from "../../src/local/index.js"

export const KEY_A = "ap_test_key_alpha_0123456789"
export const KEY_B = "ap_test_key_bravo_0123456789"
export const keys = { [KEY_A]: "ws_alpha", [KEY_B]: "ws_bravo" }

/** Quick retries, so that tests of retried faults stay fast. */
export const policy: ClientPolicy.PolicyOverrides = {
  retry: { base: Duration.millis(5), cap: Duration.millis(20), jitter: false },
  stream: { reconnectBase: Duration.millis(5), reconnectCap: Duration.millis(20) }
}

/** The platform on a loopback socket with the client (key A) over it. */
export const platform = (options: LocalPlatform.ClientOptions = {}) =>
  LocalPlatform.layerClient({ keys, policy, ...options }).pipe(Layer.orDie)

/** The client's services for another key of the same running platform. */
export const clientWithKey = (apiKey: string) => LocalPlatform.layerClientFor(apiKey, policy)

/** A raw request to the running platform, for what the client does not show (headers, odd bodies). */
export const raw = (
  path: string,
  init: { readonly method?: string; readonly body?: string; readonly headers?: Record<string, string>; readonly key?: string | null } = {}
) =>
  Effect.flatMap(LocalPlatform.LocalPlatform, (local) =>
    Effect.promise(async () => {
      const headers: Record<string, string> = { "content-type": "application/json", ...init.headers }
      if (init.key !== null) headers.authorization = `Bearer ${init.key ?? KEY_A}`
      const response = await fetch(local.baseUrl + path, {
        method: init.method ?? "GET",
        headers,
        ...(init.body === undefined ? {} : { body: init.body })
      })
      const text = await response.text()
      let json: any = undefined
      try {
        json = JSON.parse(text)
      } catch {
        // not JSON
      }
      return { status: response.status, headers: response.headers, text, json }
    }))

/** Rows of a table on the server. */
export const count = (table: string, where = "1 = 1") =>
  Effect.flatMap(LocalPlatform.LocalPlatform, (local) =>
    Effect.map(local.sql.unsafe<{ readonly c: number }>(`SELECT COUNT(*) AS c FROM ${table} WHERE ${where}`), (rows) => rows[0]!.c)
  ).pipe(Effect.orDie)

/**
 * A model for tests: the local model, except that a prompt containing `[block]` answers two pieces and then
 * waits forever (a run that stays running until it is cancelled or the platform stops).
 */
export const blockingModel = Model.layer((request) => {
  const local = Model.makeLocal()
  if (!request.prompt.includes("[block]")) return local.respond(request)
  return Stream.concat(
    Stream.make<Array<Model.Step>>({ _tag: "Text", delta: "one " }, { _tag: "Text", delta: "two " }),
    Stream.fromEffect(Effect.never)
  )
})
