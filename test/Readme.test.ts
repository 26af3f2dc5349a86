import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8")

describe("README", () => {
  it("shows the two set-up commands at the top", () => {
    const top = read("README.md").split("\n").slice(0, 10).join("\n")
    assert.include(top, "npm start")
    assert.include(top, "npm test")
  })

  it("its quick start is examples/quickstart.ts verbatim, so it compiles as written (typecheck covers examples)", () => {
    const readme = read("README.md")
    const match = /## Quick start\n\n```ts\n([\s\S]*?)```\n/.exec(readme)
    assert.isNotNull(match)
    assert.strictEqual(match![1], read("examples/quickstart.ts"))
  })
})
