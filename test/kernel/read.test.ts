// The bounded reader: a file that never ends or a FIFO costs a typed error naming the file, never
// the process's memory or its event loop.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Result } from "effect"
import { readMeminfo } from "../../src/kernel/meminfo.ts"
import { InFlight, LIMIT, readKernelTextSync, readText } from "../../src/kernel/read.ts"

const tree = () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sp-read-"))
  fs.mkdirSync(path.join(root, "proc"))
  return { root, fs: { proc: path.join(root, "proc"), sys: path.join(root, "sys"), root } }
}

describe("bounded reads", () => {
  it.effect("meminfo linked to /dev/zero is refused as not a regular file", () =>
    Effect.gen(function* () {
      const t = tree()
      fs.symlinkSync("/dev/zero", path.join(t.root, "proc/meminfo"))
      const error = yield* Effect.flip(readMeminfo(t.fs))
      assert.include(error.message, `${path.join(t.root, "proc/meminfo")}: not a regular file (a character device)`)
    })
  )

  it.effect("a file larger than the limit is refused, naming the file and the limit", () =>
    Effect.gen(function* () {
      const t = tree()
      const big = path.join(t.root, "proc/meminfo")
      fs.writeFileSync(big, Buffer.alloc(LIMIT.small + 10, 0x41))
      const sync = readKernelTextSync(big, LIMIT.small)
      assert.isTrue(Result.isFailure(sync))
      if (Result.isFailure(sync)) assert.strictEqual(sync.failure.kind, "too-large")
      const error = yield* Effect.flip(readText(big, LIMIT.small))
      assert.strictEqual(
        error.message,
        `${big}: larger than ${LIMIT.small} bytes, more than the kernel writes there; refused`
      )
      // Exactly the limit is still read.
      fs.writeFileSync(big, Buffer.alloc(LIMIT.small, 0x41))
      assert.strictEqual((yield* readText(big, LIMIT.small)).length, LIMIT.small)
    })
  )

  it.effect("a FIFO is refused at once by both readers (open never waits for a writer)", () =>
    Effect.gen(function* () {
      const t = tree()
      const fifo = path.join(t.root, "proc/stat")
      execFileSync("mkfifo", [fifo])
      const sync = readKernelTextSync(fifo)
      assert.isTrue(Result.isFailure(sync) && sync.failure.kind === "not-regular")
      const error = yield* Effect.flip(readText(fifo))
      assert.strictEqual(error.kind, "not-regular")
    })
  )
})

describe("a call that never returns (a dead mount, a sleeping driver)", () => {
  it.effect("holds one call per path at most: asking again joins it; other paths go on", () =>
    Effect.gen(function* () {
      const calls = new InFlight<string>()
      let started = 0
      let finish: (text: string) => void = () => {}
      const slow = () => {
        started++
        return new Promise<string>((resolve) => {
          finish = resolve
        })
      }
      const toError = () => assert.fail("not reached")
      const first = yield* Effect.forkChild(calls.run("/host/root/mnt/nfs", slow, toError))
      const second = yield* Effect.forkChild(calls.run("/host/root/mnt/nfs", slow, toError))
      yield* Effect.yieldNow
      assert.strictEqual(started, 1)
      // Another path is not held back by it.
      assert.strictEqual(yield* calls.run("/host/root", () => Promise.resolve("ok"), toError), "ok")
      assert.strictEqual(calls.size, 1)
      finish("answered")
      assert.strictEqual(yield* Fiber.join(first), "answered")
      assert.strictEqual(yield* Fiber.join(second), "answered")
      assert.strictEqual(calls.size, 0)
    })
  )
})
