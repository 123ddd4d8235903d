// The slots for calls that may never return (src/kernel/blocking.ts): a stuck call holds its
// slot and no more; calls behind it go on; once every slot is stuck the rest are refused at once.
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { type Answer, BlockingCalls, type Call, NotAsked } from "../../src/kernel/blocking.ts"
import { sleep } from "../support/processFigures.ts"

const hangs = (call: Call) => call.path.startsWith("/dead")

describe("blocking calls", () => {
  it("a stuck call holds one slot; calls behind it go on; all slots stuck refuses the rest, naming why", async () => {
    const release: Array<() => void> = []
    const make = (call: Call): Promise<Answer> =>
      hangs(call)
        ? new Promise((resolve) => release.push(() => resolve({ ok: true, value: "late" })))
        : Promise.resolve({ ok: true, value: call.path })
    const calls = new BlockingCalls({ stallAfterMillis: 50, maxCalls: 2, make })
    const dead1 = calls.run({ op: "read", path: "/dead/1", limit: 10 })
    assert.deepStrictEqual(await calls.run({ op: "read", path: "/ok/a", limit: 10 }), { ok: true, value: "/ok/a" })
    const dead2 = calls.run({ op: "statfs", path: "/dead/2" })
    assert.strictEqual(calls.busy, 2)
    // Both slots held, neither stuck yet: the next call waits, then is refused once both are.
    const refused = await calls.run({ op: "read", path: "/ok/b", limit: 10 }).then(
      () => assert.fail("answered"),
      (cause: unknown) => cause
    )
    assert.instanceOf(refused, NotAsked)
    assert.strictEqual((refused as NotAsked).detail, "2 earlier calls have not returned")
    assert.strictEqual(calls.stuck, 2)
    // A dead call that comes back frees its slot.
    release[0]!()
    assert.deepStrictEqual(await dead1, { ok: true, value: "late" })
    await sleep(0)
    assert.deepStrictEqual(await calls.run({ op: "read", path: "/ok/c", limit: 10 }), { ok: true, value: "/ok/c" })
    release[1]!()
    await dead2
    assert.strictEqual(calls.busy, 0)
  })

  it("reads and statfs for real: the same bounds and refusals as the synchronous reader", async () => {
    const calls = new BlockingCalls()
    const statfs = await calls.run({ op: "statfs", path: "/" })
    assert.isTrue(statfs.ok && typeof statfs.value === "object" && "blocks" in statfs.value && statfs.value.blocks > 0n)
    assert.deepStrictEqual(await calls.run({ op: "read", path: "/dev/zero", limit: 10 }), {
      ok: false,
      refused: "not-regular",
      detail: "a character device"
    })
    assert.deepStrictEqual(await calls.run({ op: "read", path: "/nonexistent/x", limit: 10 }), {
      ok: false,
      code: "ENOENT"
    })
    const dir = mkdtempSync(join(tmpdir(), "sp-blocking-"))
    try {
      execFileSync("mkfifo", [join(dir, "fifo")])
      assert.deepStrictEqual(await calls.run({ op: "read", path: join(dir, "fifo"), limit: 10 }), {
        ok: false,
        refused: "not-regular",
        detail: "a FIFO"
      })
      assert.deepStrictEqual(await calls.run({ op: "read", path: dir, limit: 10 }), {
        ok: false,
        refused: "not-regular",
        detail: "a directory"
      })
      writeFileSync(join(dir, "empty"), "")
      assert.deepStrictEqual(await calls.run({ op: "read", path: join(dir, "empty"), limit: 10 }), {
        ok: true,
        value: ""
      })
      writeFileSync(join(dir, "big"), "x".repeat(11))
      assert.deepStrictEqual(await calls.run({ op: "read", path: join(dir, "big"), limit: 10 }), {
        ok: false,
        refused: "too-large",
        detail: "10"
      })
      writeFileSync(join(dir, "ten"), "x".repeat(10))
      assert.deepStrictEqual(await calls.run({ op: "read", path: join(dir, "ten"), limit: 10 }), {
        ok: true,
        value: "x".repeat(10)
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
