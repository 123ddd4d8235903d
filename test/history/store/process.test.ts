// What only real processes show: a SIGKILL between flushes, and two processes on one data
// directory. The other process is child.ts.
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { HistoryStore } from "../../../src/history/store/HistoryStore.ts"
import { pointsOf, removeTempDirs, storeLayer, tempDir } from "./harness.ts"

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url))
const children: Array<ChildProcess> = []

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  removeTempDirs()
})

interface Child {
  readonly process: ChildProcess
  /** The JSON lines printed so far. */
  readonly lines: Array<Record<string, unknown>>
  /** Resolves with the first line that `test` accepts; rejects on exit or after 60 s. */
  readonly until: (test: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>
  readonly output: () => string
}

const start = (mode: "record" | "journal" | "hold", dir: string): Child => {
  const child = spawn(process.execPath, [CHILD, mode, dir], { stdio: ["ignore", "pipe", "pipe"] })
  children.push(child)
  const lines: Array<Record<string, unknown>> = []
  let text = ""
  let pending = ""
  child.stdout?.on("data", (d: Buffer) => {
    text += d.toString()
    pending += d.toString()
    let i = pending.indexOf("\n")
    while (i >= 0) {
      const line = pending.slice(0, i)
      pending = pending.slice(i + 1)
      if (line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>)
      i = pending.indexOf("\n")
    }
  })
  child.stderr?.on("data", (d: Buffer) => (text += d.toString()))
  const until = (test: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const deadline = Date.now() + 60_000
      const poll = () => {
        const found = lines.find(test)
        if (found !== undefined) return resolve(found)
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          return reject(new Error(`child ${mode} ended or hung without the line expected:\n${text}`))
        }
        setTimeout(poll, 20)
      }
      poll()
    })
  return { process: child, lines, until, output: () => text }
}

const kill9 = async (child: ChildProcess) => {
  const exited = once(child, "exit")
  child.kill("SIGKILL")
  await exited
}

describe("HistoryStore across processes", () => {
  it.live("keeps everything flushed before a SIGKILL", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      const child = start("record", dir)
      yield* Effect.promise(() => child.until((l) => typeof l.flushed === "number" && l.flushed >= 29))
      yield* Effect.promise(() => kill9(child.process))
      const flushed = Math.max(...child.lines.map((l) => (typeof l.flushed === "number" ? l.flushed : -1)))
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        const points = [...pointsOf(yield* store.query({ window: "1h", step: "1m" }), "pi").values()]
        const count = points.reduce((n, p) => n + (p.gauges.seq?.count ?? 0), 0)
        const sum = points.reduce((n, p) => n + Math.round((p.gauges.seq?.mean ?? 0) * (p.gauges.seq?.count ?? 0)), 0)
        const increase = points.reduce((n, p) => n + (p.counters.n?.increase ?? 0), 0)
        // Samples 0..flushed were all written; a later flush may have made it before the kill.
        assert.isAtLeast(count, flushed + 1)
        assert.strictEqual(Math.min(...points.map((p) => p.gauges.seq?.min ?? Number.POSITIVE_INFINITY)), 0)
        assert.isAtLeast(Math.max(...points.map((p) => p.gauges.seq?.max ?? 0)), flushed)
        // No sample twice, none missing below the highest: 0 + 1 + ... + (count - 1).
        assert.strictEqual(sum, (count * (count - 1)) / 2)
        assert.strictEqual(increase, count - 1)
      }).pipe(Effect.provide(storeLayer(dir)))
    })
  })

  it.live("keeps every journal record flushed before a SIGKILL (the timeline and the alert history)", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      const child = start("journal", dir)
      yield* Effect.promise(() => child.until((l) => typeof l.flushed === "number" && l.flushed >= 29))
      yield* Effect.promise(() => kill9(child.process))
      const flushed = Math.max(...child.lines.map((l) => (typeof l.flushed === "number" ? l.flushed : -1)))
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        const n = (records: ReadonlyArray<{ readonly body: string }>) =>
          records.map((r) => (JSON.parse(r.body) as { n: number }).n)
        const events = n(yield* store.journal("event", 0, 100_000))
        const alerts = n(yield* store.journal("alert", 0, 100_000))
        // Records 0..flushed were all written, in order, none twice; a later flush may have made it too.
        const all = [...events, ...alerts].sort((a, b) => a - b)
        assert.isAtLeast(all.length, flushed + 1)
        assert.deepStrictEqual(
          all,
          Array.from({ length: all.length }, (_, i) => i)
        )
        assert.isTrue(events.every((i) => i % 2 === 0))
        assert.isTrue(alerts.every((i) => i % 2 === 1))
      }).pipe(Effect.provide(storeLayer(dir)))
    })
  })

  it.live("refuses a second process on the same directory, and takes over once the first is gone", () => {
    const dir = tempDir()
    const path = join(dir, "history.db")
    return Effect.gen(function* () {
      const first = start("hold", dir)
      yield* Effect.promise(() => first.until((l) => l.ready !== undefined))
      // This process is the second one.
      const exit = yield* Effect.exit(
        Effect.gen(function* () {
          yield* HistoryStore
        }).pipe(Effect.provide(storeLayer(dir)))
      )
      assert.isTrue(Exit.isFailure(exit))
      const message = String(Exit.isFailure(exit) ? exit.cause : "")
      assert.include(
        message,
        `${path} is in use by another system-profiler (pid ${first.process.pid} on ${hostname()} since `
      )
      // Killed without a chance to clean up: the kernel drops its lock, the lock file stays.
      yield* Effect.promise(() => kill9(first.process))
      assert.include(readFileSync(join(dir, "history.lock"), "utf8"), `pid ${first.process.pid} `)
      yield* Effect.gen(function* () {
        yield* HistoryStore
        assert.include(readFileSync(join(dir, "history.lock"), "utf8"), `pid ${process.pid} `)
        // And now another process is the second one: it says why and exits.
        const second = start("hold", dir)
        const refused = yield* Effect.promise(() => second.until((l) => l.refused !== undefined))
        yield* Effect.promise(async () => {
          if (second.process.exitCode === null) await once(second.process, "exit")
        })
        assert.strictEqual(second.process.exitCode, 3)
        assert.strictEqual(
          refused.refused,
          `history store: ${path} is in use by another system-profiler (pid ${process.pid} on ${hostname()} since ` +
            `${readFileSync(join(dir, "history.lock"), "utf8").trim().split(" since ")[1]}); two processes must not ` +
            "share SYSTEM_PROFILER_DATA_DIR: stop the other one or give this one its own directory"
        )
      }).pipe(Effect.provide(storeLayer(dir)))
    })
  })
})
