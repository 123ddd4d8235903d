// A read-only and a full disk, for real: each on its own small tmpfs, mounted by this test (the
// tests run as root; without the right to mount they fail, they do not skip), remounted
// read-only or filled up, then given back. Both must leave the store memory-only, with the
// reason in its status and in the log, and recover once the disk does, writing what it kept.
import { execFileSync } from "node:child_process"
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import { HistoryStore } from "../../../src/history/store/HistoryStore.ts"
import type { Sample } from "../../../src/history/store/model.ts"
import { captureLogs, removeTempDirs, storedBuckets, storeLayer, tempDir } from "./harness.ts"

const mounted: Array<string> = []

const mountTmpfs = (size: string): string => {
  const point = tempDir("sp-store-mnt-")
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", point])
  mounted.push(point)
  return point
}

const remount = (point: string, mode: "ro" | "rw") => execFileSync("mount", ["-o", `remount,${mode}`, point])

afterAll(() => {
  for (const point of mounted.splice(0)) {
    try {
      execFileSync("umount", [point])
    } catch {
      execFileSync("umount", ["-l", point])
    }
  }
  removeTempDirs()
})

/** `n` containers with a few figures each, at the clock's time. */
const samples = (at: number, n: number): Array<Sample> =>
  Array.from({ length: n }, (_, i) => ({
    at,
    series: { kind: "container", name: `container-${i}` },
    gauges: { cpu: Math.random() * 100, memory: Math.random() * 1e9, pids: i },
    counters: { rx: at * (i + 1) + Math.random(), tx: at * 3 + Math.random() }
  }))

/** Records a minute of samples every 10 s, then flushes. */
const minuteOf = (n: number) =>
  Effect.gen(function* () {
    const store = yield* HistoryStore
    for (let s = 0; s < 6; s++) {
      yield* store.record(samples(yield* Clock.currentTimeMillis, n))
      yield* TestClock.adjust(10_000)
    }
    yield* store.flush
  })

describe("HistoryStore on a disk that fails", () => {
  it.effect(
    "a read-only disk: memory-only with the reason, then writes what it kept once the disk is writable",
    () => {
      const point = mountTmpfs("4m")
      const dir = join(point, "data")
      const logs = captureLogs()
      const layer = storeLayer(dir)
      return Effect.gen(function* () {
        yield* TestClock.setTime(Date.UTC(2026, 11, 2, 10))
        yield* minuteOf(3).pipe(Effect.provide(layer))
        remount(point, "ro")
        yield* Effect.gen(function* () {
          const store = yield* HistoryStore
          const reason = `memory-only: ${dir} is read-only (read-only file system)`
          assert.strictEqual(yield* store.status, reason)
          for (let m = 0; m < 3; m++) yield* minuteOf(3)
          assert.strictEqual(yield* store.status, reason)
          // The minutes recorded meanwhile are in the answers.
          const points = (yield* store.query({ window: "1h", step: "1m" })).series[0]?.at ?? []
          assert.strictEqual(points.length, 3)
          assert.isTrue(
            logs.lines.some(
              (l) => l.startsWith("Warn") && l.includes(`history store: ${reason}; keeping the newest 3 h`)
            )
          )
          remount(point, "rw")
          yield* minuteOf(3)
          assert.strictEqual(yield* store.status, "ok")
          assert.isTrue(logs.lines.some((l) => l.includes(`writing ${join(dir, "history.db")} again`)))
        }).pipe(Effect.provide(layer))
        // The minute before the fault, the three during it and the one after, all on disk.
        assert.strictEqual(storedBuckets(dir)["1m"].length, 5)
      }).pipe(Effect.provide(logs.layer))
    },
    60_000
  )

  it.effect(
    "a full disk: memory-only with the reason, reads go on, the oldest kept minutes go past the limit, then it recovers",
    () => {
      const point = mountTmpfs("1m")
      const dir = join(point, "data")
      mkdirSync(dir)
      const filler = join(point, "filler")
      const logs = captureLogs()
      const layer = storeLayer(dir, { memoryOnlyKeep: Duration.minutes(10) })
      return Effect.gen(function* () {
        yield* TestClock.setTime(Date.UTC(2026, 11, 2, 10))
        // A first minute, then the store closes: SQLite removes the WAL file, so that the next
        // write has to grow a file (a WAL left from before would take a few flushes in its
        // old space).
        yield* minuteOf(20).pipe(Effect.provide(layer))
        // Fill what is left of the disk.
        const fd = openSync(filler, "w")
        try {
          const block = Buffer.alloc(16 * 1024, 1)
          for (;;) writeSync(fd, block)
        } catch (e) {
          assert.strictEqual((e as NodeJS.ErrnoException).code, "ENOSPC")
        } finally {
          closeSync(fd)
        }
        yield* Effect.gen(function* () {
          const store = yield* HistoryStore
          for (let m = 0; m < 15; m++) yield* minuteOf(20)
          const status = yield* store.status
          assert.match(status, new RegExp(`^memory-only: the disk of ${join(dir, "history.db")} is full \\(`))
          assert.isTrue(logs.lines.some((l) => l.startsWith("Warn") && l.includes(status)))
          // The file still answers: the minute written before the disk filled is there, beside
          // the 10 newest minutes kept in memory; the 5 before them were dropped, and said so.
          const points = (yield* store.query({ window: "1h", step: "1m" })).series[0]?.at ?? []
          assert.strictEqual(points.length, 11)
          assert.strictEqual((yield* store.stats).droppedMinutes, 5)
          assert.isTrue(logs.lines.some((l) => l.includes("dropping 1-minute aggregates older than 10 min")))
          rmSync(filler)
          yield* minuteOf(20)
          assert.strictEqual(yield* store.status, "ok")
        }).pipe(Effect.provide(layer))
        assert.strictEqual(storedBuckets(dir)["1m"].length, 12)
      }).pipe(Effect.provide(logs.layer))
    },
    60_000
  )
})
