// What the production bundle (scripts/build.ts, the image's dist/) loads when the service starts:
// every file dist/main.js reaches through static imports. yaml and nodemailer are loaded on first
// use only (src/alerts/rulesExport.ts, src/alerts/rulesFile.ts and src/notify/deliver.ts say
// why); one static import of either, anywhere on the way, would put it back into the memory of
// every service, which this test would then name.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"

const root = fileURLToPath(new URL("..", import.meta.url))

// `import"./a.js"`, `import{x as y}from"./a.js"` and `export{x}from"./a.js"`, as the minified
// bundle writes them; a dynamic `import(`./a.js`)` has a parenthesis and does not match.
const STATIC_IMPORT = /(?:^|[;}])\s*(?:import|export)\s*(?:[^;"'`()]*?from\s*)?["'`](\.\/[^"'`]+)["'`]/g

// A string only the library's own code holds (main.js names nodemailer's createTransport itself).
const LIBRARIES = { yaml: "YAMLParseError", nodemailer: "nodemailer.com" } as const

let dist = ""
const files = new Map<string, string>()

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "sp-bundle-test-"))
  dist = join(dir, "dist")
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.ts"), dist], { encoding: "utf8" })
  assert.strictEqual(r.status, 0, r.stderr)
  for (const name of readdirSync(dist))
    if (name.endsWith(".js")) files.set(name, readFileSync(join(dist, name), "utf8"))
}, 120_000)

afterAll(() => {
  if (dist !== "") rmSync(join(dist, ".."), { recursive: true, force: true })
})

/** The files main.js loads before any of its code runs, itself included. */
const loadedAtStart = (entry: string): Set<string> => {
  const seen = new Set<string>()
  const visit = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    const text = files.get(name)
    assert.isDefined(text, `${name} is imported but not in dist/`)
    for (const m of text!.matchAll(STATIC_IMPORT)) visit(m[1]!.slice(2))
  }
  visit(entry)
  return seen
}

describe("the bundle", () => {
  it("loads yaml and nodemailer only when they are used", () => {
    const atStart = loadedAtStart("main.js")
    // The walk follows real imports: main.js does load its shared chunks statically.
    assert.isAbove(atStart.size, 3, [...atStart].join(", "))
    for (const [library, marker] of Object.entries(LIBRARIES)) {
      const holders = [...files].filter(([, text]) => text.includes(marker)).map(([name]) => name)
      assert.isNotEmpty(holders, `no file of dist/ holds ${library}`)
      const loaded = holders.filter((name) => atStart.has(name))
      assert.deepStrictEqual(loaded, [], `${library} is loaded at start through ${loaded.join(", ")}`)
    }
  })
})
