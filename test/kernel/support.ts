import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Result } from "effect"
import type { Parsed } from "../../src/kernel/parse.ts"

export const FIXTURES = path.join(import.meta.dirname, "../fixtures/procfs")
export const PROMETHEUS = path.join(FIXTURES, "prometheus")
export const LIVE_VM = path.join(FIXTURES, "live-vm")

export const fixture = (...parts: ReadonlyArray<string>): string =>
  fs.readFileSync(path.join(FIXTURES, ...parts), "utf8")

export const ok = <A>(r: Parsed<A>): A => {
  if (Result.isFailure(r)) throw new Error(`expected a value, got ${r.failure.message}`)
  return r.success
}

/** A copy of a fixture tree in a temporary directory, removed with the test's scope. */
export const tempTree = (from?: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-tree-"))
      if (from !== undefined) fs.cpSync(from, dir, { recursive: true, verbatimSymlinks: true })
      return dir
    }),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

export const write = (dir: string, file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
  fs.writeFileSync(path.join(dir, file), text)
}
