// Pressure stall information: the kernel's three files, and PSI off or absent read as "not available".
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { parsePressure, readPressure } from "../../src/kernel/pressure.ts"

const FIXTURE = path.join(import.meta.dirname, "../fixtures/procfs/psi")
const fsAt = (root: string) => ({ proc: path.join(root, "proc"), sys: path.join(root, "sys"), root })

describe("/proc/pressure", () => {
  it.effect("reads some and full of cpu, memory and io, totals in microseconds", () =>
    Effect.gen(function* () {
      const p = yield* readPressure(fsAt(FIXTURE))
      assert.deepStrictEqual(p?.cpu.some, { avg10: 20.93, avg60: 14.07, avg300: 9.28, totalMicros: 72602713 })
      assert.deepStrictEqual(p?.memory.full, { avg10: 0.03, avg60: 0.1, avg300: 0.32, totalMicros: 7222159 })
      assert.strictEqual(p?.io.some.totalMicros, 0)
    })
  )

  it("a kernel before 5.13 has no full line for cpu", () => {
    const parsed = parsePressure("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n", "/p/cpu")
    assert.isTrue(Result.isSuccess(parsed))
    if (Result.isSuccess(parsed)) assert.isUndefined(parsed.success.full)
  })

  it("a malformed line is a parse error naming the file and line", () => {
    const parsed = parsePressure("some avg10=1.00 avg60=x avg300=3.00 total=4\n", "/p/cpu")
    assert.isTrue(Result.isFailure(parsed))
    if (Result.isFailure(parsed))
      assert.strictEqual(parsed.failure.message, '/p/cpu line 1: avg60: "x" is not a number')
    const noSome = parsePressure("full avg10=1.00 avg60=2.00 avg300=3.00 total=4\n", "/p/io")
    if (Result.isFailure(noSome)) assert.strictEqual(noSome.failure.message, "/p/io: no some line")
    else assert.fail("expected a failure")
  })

  it.effect(
    "no /proc/pressure (PSI not built in, or off on a Raspberry Pi kernel) is not available, not a failure",
    () =>
      Effect.gen(function* () {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "sp-psi-"))
        fs.mkdirSync(path.join(root, "proc"))
        assert.isUndefined(yield* readPressure(fsAt(root)))
        fs.rmSync(root, { recursive: true, force: true })
      })
  )

  it.effect("a FIFO in place of a pressure file is refused, not waited on", () =>
    Effect.gen(function* () {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "sp-psi-"))
      fs.cpSync(FIXTURE, root, { recursive: true })
      fs.rmSync(path.join(root, "proc/pressure/io"))
      const { execFileSync } = yield* Effect.promise(() => import("node:child_process"))
      execFileSync("mkfifo", [path.join(root, "proc/pressure/io")])
      const error = yield* Effect.flip(readPressure(fsAt(root)))
      assert.include(error.message, "not a regular file (a FIFO)")
      fs.rmSync(root, { recursive: true, force: true })
    })
  )
})
