// The journal (timestamped records beside the aggregates) on a real SQLite file in a temporary
// directory, driven by the TestClock: written by the flush with the aggregates, readable before,
// kept across a restart, trimmed by retention and cap and by nothing else, migrated into a
// version-1 database without touching its aggregates, and bounded in memory while the disk fails.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import { SCHEMA_VERSION } from "../../../src/history/store/database.ts"
import {
  DEFAULT_JOURNAL_LIMITS,
  HistoryStore,
  JournalRecordRejected,
  MAX_BODY_BYTES
} from "../../../src/history/store/HistoryStore.ts"
import { pointsOf, removeTempDirs, storeLayer, tempDir } from "./harness.ts"

afterAll(removeTempDirs)

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 11, 2, 10)

interface Row {
  readonly id: number
  readonly kind: string
  readonly at: number
  readonly body: string
}

/** The journal's rows in a database file no store holds open, in insertion order. */
const storedRows = (dir: string): Array<Row> => {
  const db = new DatabaseSync(join(dir, "history.db"), { readOnly: true })
  try {
    return (db.prepare("SELECT id, kind, at, body FROM journal ORDER BY id").all() as unknown as Array<Row>).map(
      (r) => ({ ...r })
    )
  } finally {
    db.close()
  }
}

const body = (n: number, extra: Record<string, unknown> = {}) => JSON.stringify({ n, ...extra })
const ns = (records: ReadonlyArray<{ readonly body: string }>) =>
  records.map((r) => (JSON.parse(r.body) as { n: number }).n)

describe("HistoryStore journal", () => {
  it.effect("records are readable before the flush and written by it in one transaction, with the aggregates", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        yield* store.record([{ at: T0, series: { kind: "host", name: "pi" }, gauges: { cpu: 5 }, counters: {} }])
        for (let i = 0; i < 50; i++) yield* store.append("event", T0 - 50 * 1000 + i * 1000, body(i))
        yield* store.append("alert", T0 - 1000, body(1000))
        // Nothing written yet (all waiting in memory), everything readable.
        assert.strictEqual((yield* store.stats).journalPending, 51)
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 100)), range(0, 50))
        assert.deepStrictEqual(ns(yield* store.journal("alert", 0, 100)), [1000])
        // The newest `limit`, oldest first; from a time on.
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 3)), [47, 48, 49])
        assert.deepStrictEqual(ns(yield* store.journal("event", T0 - 5000, 100)), [45, 46, 47, 48, 49])
        const before = (yield* store.stats).flushes
        yield* store.flush
        const after = yield* store.stats
        assert.strictEqual(after.flushes, before + 1)
        assert.strictEqual(after.journalPending, 0)
        // Stored and pending records read as one sequence.
        yield* store.append("event", T0, body(50))
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 100)), range(0, 51))
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 2)), [49, 50])
      }).pipe(Effect.provide(storeLayer(dir)))
      const rows = storedRows(dir)
      assert.strictEqual(rows.length, 52)
      assert.deepStrictEqual(
        rows.filter((r) => r.kind === "event").map((r) => r.at),
        range(0, 51).map((i) => (i === 50 ? T0 : T0 - 50 * 1000 + i * 1000))
      )
    })
  })

  it.effect("survives a restart: the records before the close are there after it", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        for (let i = 0; i < 5; i++) yield* store.append("event", T0 + i, body(i))
        yield* store.flush
        // Not flushed: the close writes it (a SIGTERM loses nothing).
        yield* store.append("alert", T0 + 10, body(99))
      }).pipe(Effect.provide(storeLayer(dir)))
      yield* TestClock.adjust(MINUTE)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 100)), range(0, 5))
        assert.deepStrictEqual(ns(yield* store.journal("alert", 0, 100)), [99])
        assert.deepStrictEqual(
          (yield* store.journal("event", 0, 100)).map((r) => r.at),
          range(0, 5).map((i) => T0 + i)
        )
      }).pipe(Effect.provide(storeLayer(dir)))
    })
  })

  it.effect("retention and the cap delete what they must and nothing else; past retention is never returned", () => {
    const dir = tempDir()
    const journal = {
      event: { retentionMs: 10 * DAY, capacity: 5 },
      alert: { retentionMs: 2 * DAY, capacity: 100 }
    }
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        // Events: 8 records a day apart, the last one now; two share a time (kept by arrival).
        for (let i = 0; i < 8; i++) yield* store.append("event", T0 - (7 - i) * DAY, body(i))
        yield* store.append("event", T0, body(8))
        // Alerts: one 3 days old is past retention already and is not even kept.
        yield* store.append("alert", T0 - 3 * DAY, body(100))
        yield* store.append("alert", T0 - DAY, body(101))
        yield* store.append("alert", T0, body(102))
        assert.deepStrictEqual(ns(yield* store.journal("alert", 0, 100)), [101, 102])
        // The first flush is also the first maintenance: the 5 newest events stay.
        yield* store.flush
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 100)), [4, 5, 6, 7, 8])
        // Over the cap until the next maintenance (hourly): read, bounded by what is asked.
        yield* store.append("event", T0, body(9))
        yield* store.append("event", T0, body(10))
        yield* store.flush
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 100)), range(4, 11))
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 2)), [9, 10])
        // A day and a half later the alert of a day ago is past its 2 days: gone from the answers
        // before any maintenance has deleted it.
        yield* TestClock.adjust(DAY + 12 * HOUR)
        assert.deepStrictEqual(ns(yield* store.journal("alert", 0, 100)), [102])
        yield* store.maintain
      }).pipe(Effect.provide(storeLayer(dir, { journal })))
      const rows = storedRows(dir)
      // The 5 newest events (by time, then arrival) stay; the alerts have their own retention.
      assert.deepStrictEqual(
        rows.filter((r) => r.kind === "event").map((r) => (JSON.parse(r.body) as { n: number }).n),
        [6, 7, 8, 9, 10]
      )
      assert.deepStrictEqual(
        rows.filter((r) => r.kind === "alert").map((r) => (JSON.parse(r.body) as { n: number }).n),
        [102]
      )
      // At T0 + 9.5 days the event of T0 - 1 day is past its 10 days; those of T0 stay.
      yield* TestClock.setTime(T0 + 9 * DAY + 12 * HOUR)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 100)), [7, 8, 9, 10])
        yield* store.maintain
      }).pipe(Effect.provide(storeLayer(dir, { journal })))
      assert.deepStrictEqual(
        storedRows(dir)
          .filter((r) => r.kind === "event")
          .map((r) => (JSON.parse(r.body) as { n: number }).n),
        [7, 8, 9, 10]
      )
    })
  })

  it.effect("refuses a bad kind, time or body with a typed error naming the problem", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const store = yield* HistoryStore
      const problem = (e: Exit.Exit<void, JournalRecordRejected>) =>
        Exit.isFailure(e) ? String((e.cause.reasons[0] as { error?: JournalRecordRejected }).error?.problem) : "ok"
      assert.strictEqual(
        problem(yield* Effect.exit(store.append("event", T0, "x".repeat(MAX_BODY_BYTES + 1)))),
        "too-large"
      )
      // Counted in bytes, not characters.
      assert.strictEqual(
        problem(yield* Effect.exit(store.append("event", T0, JSON.stringify("é".repeat(MAX_BODY_BYTES / 2))))),
        "too-large"
      )
      assert.strictEqual(problem(yield* Effect.exit(store.append("event", T0, "{not json"))), "not-json")
      assert.strictEqual(problem(yield* Effect.exit(store.append("event", Number.NaN, "{}"))), "bad-time")
      assert.strictEqual(problem(yield* Effect.exit(store.append("event", T0 + HOUR, "{}"))), "bad-time")
      assert.strictEqual(problem(yield* Effect.exit(store.append("secrets" as "event", T0, "{}"))), "unknown-kind")
      const refused = yield* Effect.flip(store.append("event", T0, "{not json"))
      assert.instanceOf(refused, JournalRecordRejected)
      assert.match(refused.message, /journal record of kind "event" refused \(not-json\)/)
      assert.strictEqual(problem(yield* Effect.exit(store.append("event", T0, "{}"))), "ok")
      assert.strictEqual((yield* store.stats).rejectedRecords, 7)
      assert.deepStrictEqual(yield* store.journal("event", 0, 10), [{ at: T0, body: "{}" }])
    }).pipe(Effect.provide(storeLayer(dir)))
  })

  it.effect("a version-1 database is migrated to the journal with its aggregates kept", () => {
    const dir = tempDir()
    const samples = Array.from({ length: 10 }, (_, i) => ({
      at: T0 - 10 * MINUTE + i * MINUTE,
      series: { kind: "host" as const, name: "pi" },
      gauges: { cpu: i },
      counters: {}
    }))
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0 - 10 * MINUTE)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        for (const s of samples) {
          yield* TestClock.setTime(s.at)
          yield* store.record([s])
        }
        yield* store.flush
      }).pipe(Effect.provide(storeLayer(dir)))
      // Back to what version 1 wrote: no journal, user_version 1.
      const raw = new DatabaseSync(join(dir, "history.db"))
      raw.exec("DROP INDEX journal_kind_at; DROP TABLE journal; PRAGMA user_version = 1")
      assert.strictEqual(
        (raw.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name LIKE 'journal%'").get() as { n: number }).n,
        0
      )
      raw.close()
      yield* TestClock.setTime(T0)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        const points = pointsOf(yield* store.query({ window: "1h", step: "1m" }), "pi")
        assert.deepStrictEqual(
          [...points.values()].map((p) => p.gauges.cpu?.mean),
          range(0, 10)
        )
        yield* store.append("event", T0, body(1))
        yield* store.flush
      }).pipe(Effect.provide(storeLayer(dir)))
      const check = new DatabaseSync(join(dir, "history.db"), { readOnly: true })
      assert.strictEqual((check.prepare("PRAGMA user_version").get() as { user_version: number }).user_version, 2)
      check.close()
      assert.strictEqual(SCHEMA_VERSION, 2)
      assert.deepStrictEqual(
        storedRows(dir).map((r) => r.body),
        [body(1)]
      )
    })
  })

  it.effect(
    "memory-only: the newest records per kind stay readable, bounded, and are written once the disk works",
    () => {
      const base = tempDir()
      // A data directory under a regular file: mkdir fails (ENOTDIR) at every attempt.
      writeFileSync(join(base, "blocker"), "")
      const dir = join(base, "blocker", "data")
      return Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const store = yield* HistoryStore
        assert.match(yield* store.status, /^memory-only: /)
        for (let i = 0; i < 25; i++) yield* store.append("event", T0 + i, body(i))
        yield* store.append("alert", T0, body(500))
        yield* store.flush
        // The 10 newest events, and the alert: each kind has its own bound.
        assert.deepStrictEqual(ns(yield* store.journal("event", 0, 100)), range(15, 25))
        assert.deepStrictEqual(ns(yield* store.journal("alert", 0, 100)), [500])
        const stats = yield* store.stats
        assert.strictEqual(stats.journalPending, 11)
        assert.strictEqual(stats.droppedRecords, 15)
        // Past retention, dropped from memory at the next flush attempt as well.
        yield* TestClock.adjust(DEFAULT_JOURNAL_LIMITS.event.retentionMs + MINUTE)
        yield* store.flush
        assert.deepStrictEqual(yield* store.journal("event", 0, 100), [])
        assert.strictEqual((yield* store.stats).journalPending, 0)
      }).pipe(Effect.provide(storeLayer(dir, { journalMemoryKeep: 10 })))
    }
  )
})

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)
