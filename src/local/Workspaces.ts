/**
 * Workspaces and their keys. Each key is bound to one workspace; keys are compared in constant time. Without
 * configured keys, one development key for one workspace is made up at start.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { ApiFailure } from "./Domain.js"

/**
 * Keys and their workspaces: `{ [key]: workspace }`.
 *
 * @since 0.1.0
 * @category models
 */
export type Keys = Readonly<Record<string, string>>

/**
 * Reads `AP_LOCAL_KEYS`: comma-separated `key=workspace` pairs.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseKeys = (text: string): Keys => {
  const keys: Record<string, string> = {}
  for (const pair of text.split(",")) {
    const trimmed = pair.trim()
    if (trimmed === "") continue
    const at = trimmed.lastIndexOf("=")
    if (at <= 0 || at === trimmed.length - 1) throw new Error("expected comma-separated key=workspace pairs")
    keys[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1).trim()
  }
  return keys
}

/**
 * One development key for the workspace `ws_dev`, new at each start.
 *
 * @since 0.1.0
 * @category constructors
 */
export const devKeys = (): Keys => ({ [`ap_dev_${randomBytes(16).toString("hex")}`]: "ws_dev" })

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly keys: Keys
  /** The workspace of an `Authorization` header, or `401 UNAUTHENTICATED`. */
  readonly authenticate: (authorization: string | undefined) => Effect.Effect<{
    readonly workspace: string
    readonly key: string
  }, ApiFailure>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Workspaces extends Context.Tag("effect-agent-platform/local/Workspaces")<Workspaces, Service>() {}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

const unauthenticated = (message: string) => new ApiFailure({ status: 401, code: "UNAUTHENTICATED", message })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (keys: Keys): Service => {
  const entries = Object.entries(keys).map(([key, workspace]) => ({ key, workspace, digest: digest(key) }))
  return Workspaces.of({
    keys,
    authenticate: (authorization) =>
      Effect.suspend(() => {
        if (authorization === undefined || authorization.trim() === "") {
          return Effect.fail(unauthenticated("missing Authorization header: send Authorization: Bearer <key>"))
        }
        const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
        if (match === null) return Effect.fail(unauthenticated("malformed Authorization header: expected Bearer <key>"))
        const given = digest(match[1]!)
        let found: { readonly key: string; readonly workspace: string } | undefined
        // every key is compared, so the time taken does not tell which one matched
        for (const entry of entries) {
          if (timingSafeEqual(given, entry.digest) && found === undefined) found = { key: entry.key, workspace: entry.workspace }
        }
        return found === undefined ? Effect.fail(unauthenticated("unknown API key")) : Effect.succeed(found)
      })
  })
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (keys: Keys): Layer.Layer<Workspaces> => Layer.succeed(Workspaces, make(keys))
