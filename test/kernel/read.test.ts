// The bounded reader: a file that never ends or a FIFO costs a typed error naming the file, never
// the process's memory or its event loop.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Result } from "effect"
import { readMeminfo } from "../../src/kernel/meminfo.ts"
import {
  InFlight,
  keptFiles,
  LIMIT,
  ReadDeadline,
  readDir,
  readDirOptional,
  readKeptParsedSync,
  readKeptTextSync,
  readKernelTextSync,
  readText,
  toReadError
} from "../../src/kernel/read.ts"

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

  it.live("within a ReadDeadline, a call not answered in time fails naming its path; the call itself goes on", () =>
    Effect.gen(function* () {
      const calls = new InFlight<string>()
      let finish: (text: string) => void = () => {}
      const slow = () =>
        new Promise<string>((resolve) => {
          finish = resolve
        })
      const within = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.suspend(() => Effect.provideService(effect, ReadDeadline, ReadDeadline.in(Duration.millis(50))))
      const error = yield* Effect.flip(
        within(calls.run("/sys/class/thermal/thermal_zone0/temp", slow, toReadError("x")))
      )
      assert.strictEqual(error.message, "/sys/class/thermal/thermal_zone0/temp: cannot be read (no answer within 50ms)")
      // Still one call in flight on that path: asking again joins it, and gets its late answer.
      assert.strictEqual(calls.size, 1)
      const again = yield* Effect.forkChild(
        within(calls.run("/sys/class/thermal/thermal_zone0/temp", slow, toReadError("x")))
      )
      yield* Effect.yieldNow
      finish("42000\n")
      assert.strictEqual(yield* Fiber.join(again), "42000\n")
      // An answer in time, a failure in time, and no deadline at all are what the call gives.
      assert.strictEqual(yield* within(calls.run("/a", () => Promise.resolve("ok"), toReadError("/a"))), "ok")
      const refused = yield* Effect.flip(
        within(calls.run("/b", () => Promise.reject({ code: "EACCES" }), toReadError("/b")))
      )
      assert.strictEqual(refused.kind, "permission-denied")
      const later = calls.run("/c", () => new Promise((r) => setTimeout(() => r("late"), 80)), toReadError("/c"))
      assert.strictEqual(yield* later, "late")
      // The deadline is a moment, shared by the calls made in a row: once it has passed, a call
      // fails even when it would answer well within the deadline's span.
      const shared = ReadDeadline.in(Duration.millis(60))
      yield* Effect.sleep("100 millis")
      const quick = calls.run(
        "/e",
        () => new Promise<string>((r) => setTimeout(() => r("30 ms"), 30)),
        toReadError("/e")
      )
      const late = yield* Effect.flip(Effect.provideService(quick, ReadDeadline, shared))
      assert.strictEqual(late.message, "/e: cannot be read (no answer within 60ms)")
    })
  )

  it.live("readDir goes through the same calls: entries, and a missing directory is not-found", () =>
    Effect.gen(function* () {
      const t = tree()
      fs.mkdirSync(path.join(t.root, "sys/class/thermal/thermal_zone0"), { recursive: true })
      assert.deepStrictEqual(yield* readDir(path.join(t.root, "sys/class/thermal")), ["thermal_zone0"])
      assert.deepStrictEqual(yield* readDirOptional(path.join(t.root, "sys/class/hwmon")), [])
      const error = yield* Effect.flip(readDir(path.join(t.root, "proc/meminfo-missing")))
      assert.strictEqual(error.kind, "not-found")
    })
  )
})

// The files of /proc and /sys/fs/cgroup read at every sample stay open and are read again from
// their start (readKeptTextSync); what they give must be what a fresh open gives.
describe("kept files", () => {
  /** The descriptors of this process open on `file`. */
  const descriptorsOn = (file: string) =>
    fs.readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === file
      } catch {
        return false
      }
    })

  it("a procfs file is kept open once and read afresh each time", async () => {
    const first = readKeptTextSync("/proc/uptime", LIMIT.value)
    assert.isTrue(Result.isSuccess(first))
    await new Promise((r) => setTimeout(r, 30))
    const second = readKeptTextSync("/proc/uptime", LIMIT.value)
    assert.isTrue(Result.isSuccess(second))
    if (Result.isSuccess(first) && Result.isSuccess(second)) {
      // /proc/uptime counts in hundredths of a second: 30 ms later it says something else.
      assert.notStrictEqual(second.success, first.success)
      assert.match(second.success, /^\d+\.\d\d \d+\.\d\d\n$/)
    }
    assert.lengthOf(descriptorsOn("/proc/uptime"), 1)
    // The same text a fresh open gives (the load average moves only every 5 s).
    const kept = readKeptTextSync("/proc/loadavg", LIMIT.value)
    const fresh = readKernelTextSync("/proc/loadavg", LIMIT.value)
    assert.deepStrictEqual(
      Result.getOrUndefined(kept)?.split(" ").slice(0, 3),
      Result.getOrUndefined(fresh)?.split(" ").slice(0, 3)
    )
  })

  it("a regular file is opened at every read: a file replaced by a rename gives its new text", () => {
    const t = tree()
    const file = path.join(t.root, "proc/loadavg")
    fs.writeFileSync(file, "0.10 0.20 0.30 1/100 42\n")
    assert.strictEqual(Result.getOrUndefined(readKeptTextSync(file)), "0.10 0.20 0.30 1/100 42\n")
    assert.lengthOf(descriptorsOn(file), 0)
    fs.writeFileSync(`${file}.new`, "0.50 0.60 0.70 2/100 43\n")
    fs.renameSync(`${file}.new`, file)
    assert.strictEqual(Result.getOrUndefined(readKeptTextSync(file)), "0.50 0.60 0.70 2/100 43\n")
    fs.rmSync(file)
    const gone = readKeptTextSync(file)
    assert.isTrue(Result.isFailure(gone) && gone.failure.kind === "not-found")
  })

  it("a kept descriptor that no longer reads is dropped and the file opened afresh", () => {
    assert.isTrue(Result.isSuccess(readKeptTextSync("/proc/version", LIMIT.small)))
    const [fd] = descriptorsOn("/proc/version")
    assert.isDefined(fd)
    // As a removed cgroup's file answers ENODEV: here the descriptor is closed behind its back.
    fs.closeSync(Number(fd))
    const again = readKeptTextSync("/proc/version", LIMIT.small)
    assert.isTrue(Result.isSuccess(again))
    assert.include(Result.getOrUndefined(again), "Linux version")
    assert.lengthOf(descriptorsOn("/proc/version"), 1)
  })

  it("the same bytes give the same parsed result without parsing again; new bytes or a failure parse again", async () => {
    let calls = 0
    const words = (text: string) => {
      calls++
      return Result.succeed(text.split(" "))
    }
    // Kept and parsed once, then read twice more: /proc/version never changes.
    readKeptParsedSync("/proc/version", words)
    readKeptParsedSync("/proc/version", words)
    calls = 0
    const first = readKeptParsedSync("/proc/version", words)
    const second = readKeptParsedSync("/proc/version", words)
    assert.isTrue(Result.isSuccess(first))
    assert.strictEqual(second, first)
    assert.strictEqual(calls, 0)
    // Another parser of the same file is not given the first one's result.
    const length = (text: string) => Result.succeed(text.length)
    assert.strictEqual(
      Result.getOrUndefined(readKeptParsedSync("/proc/version", length)),
      Result.getOrUndefined(readKernelTextSync("/proc/version"))?.length
    )

    // /proc/uptime changes every hundredth of a second: parsed at every read.
    readKeptParsedSync("/proc/uptime", words)
    calls = 0
    await new Promise((r) => setTimeout(r, 30))
    const a = readKeptParsedSync("/proc/uptime", words)
    await new Promise((r) => setTimeout(r, 30))
    const b = readKeptParsedSync("/proc/uptime", words)
    assert.strictEqual(calls, 2)
    assert.notDeepEqual(Result.getOrUndefined(a), Result.getOrUndefined(b))

    // A failure is never kept: the next read parses again, and may succeed.
    let failNext = true
    const flaky = (text: string) => {
      calls++
      if (failNext) {
        failNext = false
        return Result.fail("flaky")
      }
      return Result.succeed(text)
    }
    readKeptParsedSync("/proc/version", words)
    calls = 0
    assert.isTrue(Result.isFailure(readKeptParsedSync("/proc/version", flaky)))
    assert.isTrue(Result.isSuccess(readKeptParsedSync("/proc/version", flaky)))
    assert.strictEqual(calls, 2)
  })

  it("files not read for three minutes are closed, and at most 256 are kept", () => {
    // Files of /proc/sys that read as text: more than the cap.
    const many = ["/proc/sys/kernel", "/proc/sys/net/ipv4", "/proc/sys/vm"]
      .flatMap((dir) => fs.readdirSync(dir).map((f) => `${dir}/${f}`))
      .filter((f) => {
        const fresh = readKernelTextSync(f)
        return Result.isSuccess(fresh) && fresh.success.length > 0
      })
    assert.isAbove(many.length, 260, "this test needs more than 260 readable procfs files")
    const texts = many.map((f) => readKeptTextSync(f))
    assert.isTrue(texts.every(Result.isSuccess), "every file reads, kept or not")
    assert.strictEqual(keptFiles.size, 256)
    // Those past the cap are read as before, and closed at once.
    assert.lengthOf(descriptorsOn(many.at(-1)!), 0)
    assert.lengthOf(descriptorsOn(many[0]!), 1)
    keptFiles.sweep(Date.now() + 3 * 60_000 + 1)
    assert.strictEqual(keptFiles.size, 0)
    assert.lengthOf(descriptorsOn(many[0]!), 0)
    assert.lengthOf(descriptorsOn("/proc/uptime"), 0)
  })
})
