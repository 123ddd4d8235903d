// Persistent, downsampled history on SQLite (node:sqlite): 1-minute aggregates for 2 days,
// 15-minute for 90 days, 2-hour for 2 years, per host, container (by name) and probe.
//
// record() only folds samples into memory; a fiber flushes every SYSTEM_PROFILER_HISTORY_FLUSH,
// writing everything changed in one transaction. A disk that fails (read-only, full) leaves the
// store memory-only, retried at every flush; a damaged file is moved aside; another process on
// the same directory stops this one at start. See engine.ts for the machinery and the README
// ("Stored history") for the tiers, the data directory and the write budget.
//
// Beside the aggregates, a journal of timestamped records (journal.ts): the container-event
// timeline and the alert history, written by the same flush.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { ByteSize, Clock, Config, Context, Duration, Effect, Layer, Option } from "effect"
import { ConfigInvalid } from "../../config/ConfigInvalid.ts"
import { readDuration } from "../../config/values.ts"
import {
  type HistoryResult,
  type LogLine,
  StoreEngine,
  type StoreStats,
  type StoreStatus,
  type Uptime
} from "./engine.ts"
import { HistoryStoreError, InvalidHistoryQuery, type JournalRecordRejected } from "./errors.ts"
import type { JournalKind, JournalLimits, JournalRecord } from "./journal.ts"
import type { Sample, Series } from "./model.ts"
import { planQuery } from "./tiers.ts"

export const DATA_DIR_ENV = "SYSTEM_PROFILER_DATA_DIR"
export const FLUSH_ENV = "SYSTEM_PROFILER_HISTORY_FLUSH"
export const MAX_SIZE_ENV = "SYSTEM_PROFILER_HISTORY_MAX_SIZE"

/** Relative to the working directory; the image sets /data (its volume). */
export const DEFAULT_DATA_DIR = "./data"
// A flush writes whole pages: the minutes since the last one, and again the page of the minute
// that was still open then. At 10 minutes the pages written a day, with their checkpoint copy,
// stay within the 10 MB budget with room for more containers than the reference stack (at 5
// minutes barely; figures in bench/README.md), and a power cut loses at most 10 minutes of
// aggregates. A stop by SIGTERM loses nothing.
export const DEFAULT_FLUSH = Duration.minutes(10)
const FLUSH_BOUNDS = { min: Duration.seconds(1), max: Duration.hours(1) }
// Two years of the reference stack (1 host, 10 containers, 4 probes) take well under 100 MB;
// the cap leaves room for about twice as many series before it trims the oldest rows.
export const DEFAULT_MAX_SIZE_BYTES = 200_000_000
const MIN_SIZE_BYTES = 1_000_000

export interface HistoryStoreSettings {
  readonly dataDir: string
  readonly flushInterval: Duration.Duration
  readonly maxSizeBytes: number
  /** The size cap and the WAL checkpoint run at most this often (default 1 hour; retention daily). */
  readonly maintenanceInterval?: Duration.Duration | undefined
  /** A counter reading longer than this after the previous one adds no increase (default 15 min). */
  readonly counterGap?: Duration.Duration | undefined
  /** While the disk is unavailable, the newest this-much of 1-minute aggregates stays in memory (default 3 h). */
  readonly memoryOnlyKeep?: Duration.Duration | undefined
  /** SQLite's page cache in KiB (default 256: long queries read from the OS's cache anyway). */
  readonly cacheKiB?: number | undefined
  /** Retention and count cap of each journal kind (journal.ts's DEFAULT_JOURNAL_LIMITS by default). */
  readonly journal?: Readonly<Record<JournalKind, JournalLimits>> | undefined
  /** Journal records kept in memory per kind until written, and while the disk fails (default 2000). */
  readonly journalMemoryKeep?: number | undefined
}

export interface HistoryQuery {
  /** How far back: 30m, 6h, 7d, 2y... (see tiers.ts for the accepted forms). */
  readonly window: string
  /** The spacing of points; by default the one giving at most about 500 points per series. */
  readonly step?: string | undefined
  /** Only these series; every series by default. */
  readonly series?: ReadonlyArray<Series> | undefined
}

export interface HistoryStoreShape {
  /** Folds samples into memory; never touches the disk, never fails. */
  readonly record: (samples: ReadonlyArray<Sample>) => Effect.Effect<void>
  readonly query: (query: HistoryQuery) => Effect.Effect<HistoryResult, InvalidHistoryQuery>
  /** A probe's healthy share (gauge `healthy`, 0 or 1) over 24h, 7d, 30d and 365d. */
  readonly uptime: (probeName: string) => Effect.Effect<Uptime>
  /** "ok", or "memory-only: <why>" while writes do not reach the disk: /health's `history`. */
  readonly status: Effect.Effect<StoreStatus>
  /** Writes now what the flush fiber would write at its next tick. */
  readonly flush: Effect.Effect<void>
  /** A flush with retention, the size cap and a WAL checkpoint, now. */
  readonly maintain: Effect.Effect<void>
  readonly stats: Effect.Effect<StoreStats>
  /** Writes a consistent, compact copy of the database to `path` (a new file). */
  readonly backup: (path: string) => Effect.Effect<void, HistoryStoreError>
  /**
   * Keeps a record in the journal: `at` in milliseconds since the epoch, `body` JSON text of data
   * already allowlisted by the caller, at most MAX_BODY_BYTES. In memory until the next flush,
   * readable at once; never touches the disk itself.
   */
  readonly append: (kind: JournalKind, at: number, body: string) => Effect.Effect<void, JournalRecordRejected>
  /**
   * The newest `limit` records of `kind` at or after `fromMs` and within its retention, oldest
   * first: the stored ones and those not written yet. Never fails: a file that cannot be read
   * leaves the ones in memory.
   */
  readonly journal: (kind: JournalKind, fromMs: number, limit: number) => Effect.Effect<ReadonlyArray<JournalRecord>>
  readonly journalLimits: Readonly<Record<JournalKind, JournalLimits>>
}

/** Reads the settings from the environment (through Effect's ConfigProvider). */
export const readSettings = Effect.gen(function* () {
  const raw = (name: string) => Config.option(Config.String(name)).pipe(Effect.map(Option.getOrUndefined))
  const env = {
    [DATA_DIR_ENV]: yield* raw(DATA_DIR_ENV),
    [FLUSH_ENV]: yield* raw(FLUSH_ENV),
    [MAX_SIZE_ENV]: yield* raw(MAX_SIZE_ENV)
  }
  const dir = env[DATA_DIR_ENV]?.trim() || DEFAULT_DATA_DIR
  if (dir.includes("\0")) {
    return yield* new ConfigInvalid({
      variable: DATA_DIR_ENV,
      accepts: "a directory path",
      problem: "it holds a NUL byte"
    })
  }
  const flushInterval = yield* readDuration(env, FLUSH_ENV, DEFAULT_FLUSH, FLUSH_BOUNDS)
  let maxSizeBytes = DEFAULT_MAX_SIZE_BYTES
  const size = env[MAX_SIZE_ENV]?.trim()
  if (size !== undefined && size !== "") {
    const parsed = Option.map(ByteSize.fromString(size), (b) => Number(ByteSize.toBigInt(b)))
    if (Option.isNone(parsed) || parsed.value < MIN_SIZE_BYTES || parsed.value > Number.MAX_SAFE_INTEGER) {
      return yield* new ConfigInvalid({
        variable: MAX_SIZE_ENV,
        accepts: "a size such as 200MB, 1GB or 512MiB, at least 1MB",
        problem: `"${size.slice(0, 40)}" is not such a size`
      })
    }
    maxSizeBytes = parsed.value
  }
  return { dataDir: resolve(dir), flushInterval, maxSizeBytes } satisfies HistoryStoreSettings
})

const logAll = (lines: Array<LogLine>) =>
  Effect.forEach(
    lines.splice(0),
    (line) => (line.level === "warning" ? Effect.logWarning(line.message) : Effect.logInfo(line.message)),
    { discard: true }
  )

const make = Effect.fnUntraced(function* (settings: HistoryStoreSettings) {
  const engine = new StoreEngine({
    dataDir: settings.dataDir,
    flushIntervalMs: Duration.toMillis(settings.flushInterval),
    maxSizeBytes: settings.maxSizeBytes,
    maintenanceIntervalMs: Duration.toMillis(settings.maintenanceInterval ?? Duration.hours(1)),
    counterGapMs: Duration.toMillis(settings.counterGap ?? Duration.minutes(15)),
    memoryOnlyKeepMs: Duration.toMillis(settings.memoryOnlyKeep ?? Duration.hours(3)),
    cacheKiB: settings.cacheKiB ?? 256,
    journal: settings.journal,
    journalMemoryKeep: settings.journalMemoryKeep
  })
  /** Runs one synchronous step of the engine at the clock's time, then logs what it said. */
  const step = <A>(f: (now: number) => A) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const result = f(now)
      return engine.logs.length === 0 ? Effect.succeed(result) : Effect.as(logAll(engine.logs), result)
    })

  const locked = yield* step((now) => engine.start(now))
  if (locked !== undefined) return yield* new HistoryStoreError({ reason: locked })
  yield* Effect.addFinalizer(() => step((now) => engine.close(now)))

  const flush = step((now) => engine.flush(now)).pipe(Effect.withSpan("HistoryStore.flush"))
  yield* Effect.sleep(settings.flushInterval).pipe(Effect.andThen(flush), Effect.forever, Effect.forkScoped)

  const query = Effect.fn("HistoryStore.query")(function* (q: HistoryQuery) {
    const plan = planQuery(q.window, q.step)
    if (plan instanceof InvalidHistoryQuery) return yield* plan
    return yield* step((now) => engine.query(plan, now, q.series))
  })

  return HistoryStore.of({
    record: (samples) => step((now) => engine.record(samples, now)),
    query,
    uptime: Effect.fn("HistoryStore.uptime")((probeName: string) => step((now) => engine.uptime(probeName, now))),
    status: Effect.sync(() => engine.status()),
    flush,
    maintain: step((now) => engine.flush(now, { maintain: true })).pipe(Effect.withSpan("HistoryStore.maintain")),
    stats: Effect.sync(() => engine.stats()),
    backup: Effect.fn("HistoryStore.backup")(function* (path: string) {
      const fault = engine.backup(resolve(path))
      if (fault !== undefined) return yield* new HistoryStoreError({ reason: fault })
    }),
    append: (kind, at, body) =>
      Effect.flatMap(
        step((now) => engine.append(kind, at, body, now)),
        (refused) => (refused === undefined ? Effect.void : Effect.fail(refused))
      ),
    journal: (kind, fromMs, limit) => step((now) => engine.journal(kind, fromMs, limit, now)),
    journalLimits: engine.journalLimits
  })
})

export class HistoryStore extends Context.Service<HistoryStore, HistoryStoreShape>()(
  "system-profiler/history/store/HistoryStore"
) {
  /** The store over explicit settings (tests, benchmarks). */
  static readonly layerWith = (settings: HistoryStoreSettings) => Layer.effect(HistoryStore, make(settings))

  /** The store configured from SYSTEM_PROFILER_DATA_DIR, _HISTORY_FLUSH and _HISTORY_MAX_SIZE. */
  static readonly layer = Layer.unwrap(readSettings.pipe(Effect.map((settings) => HistoryStore.layerWith(settings))))

  /**
   * As `layer`, but without SYSTEM_PROFILER_DATA_DIR in a fresh temporary directory, removed when
   * the store closes: mock mode (a demo, the tests) never writes ./data.
   */
  static readonly layerScratch = Layer.unwrap(
    Effect.gen(function* () {
      const settings = yield* readSettings
      const set = yield* Config.option(Config.String(DATA_DIR_ENV))
      if (Option.isSome(set) && set.value.trim() !== "") return HistoryStore.layerWith(settings)
      // Acquired before the store is built, so released after it has closed.
      const dataDir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "system-profiler-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      return HistoryStore.layerWith({ ...settings, dataDir })
    })
  )
}

export type { HistoryResult, StoreStats, StoreStatus, Uptime } from "./engine.ts"
export { HistoryStoreError, InvalidHistoryQuery, JournalRecordRejected } from "./errors.ts"
export {
  DEFAULT_JOURNAL_LIMITS,
  type JournalKind,
  type JournalLimits,
  type JournalRecord,
  MAX_BODY_BYTES
} from "./journal.ts"
