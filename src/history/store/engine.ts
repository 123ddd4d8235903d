// The store's machinery, synchronous and clock-free (every call takes `now`): HistoryStore wraps
// it in an Effect service with the clock, the flush fiber and the log. One instance owns one data
// directory.
//
// Samples fold into 1-minute buckets in memory as they come. A flush writes every changed
// minute (the open one too, so a kill loses at most one flush interval) in one transaction; once
// an hour that transaction also rolls the closed buckets up, from the rows below them, into the
// 15-minute, 2-hour and day tiers: the coarser tiers are exact roll-ups of the finer ones, and a
// restart needs no state beyond the file.

import { dirname, join } from "node:path"
import {
  ByteWriter,
  type ChunkVisitor,
  decodeChunk,
  type EncodableSeries,
  encodeBucket,
  readChunk,
  writeBucket
} from "./codec.ts"
import {
  Database,
  DB_FILE,
  type MetricKind,
  metricKey,
  moveAside,
  openDatabase,
  removeHolder,
  sqliteFault
} from "./database.ts"
import { type DataDirLocked, DiskUnavailable, JournalRecordRejected, type StoreFault } from "./errors.ts"
import {
  DEFAULT_JOURNAL_LIMITS,
  DELETE_BATCH,
  isJournalKind,
  JOURNAL_KINDS,
  type JournalKind,
  type JournalLimits,
  type JournalRecord,
  MAX_BODY_BYTES,
  PendingJournal
} from "./journal.ts"
import {
  addGauge,
  type CounterAgg,
  type CounterBaseline,
  counterIncrease,
  emptySeriesAgg,
  type GaugeAgg,
  isCounterValue,
  isGaugeValue,
  isSeries,
  MAX_NAME_LENGTH,
  mergeSeriesAgg,
  type Sample,
  SERIES_KINDS,
  type Series,
  type SeriesAgg,
  seriesKey,
  seriesOfKey
} from "./model.ts"
import { type Plan, TIERS, type TierName } from "./tiers.ts"

const MINUTE = 60_000
/** A minute stays open for samples this long after it ends (a slow Docker answer, a late probe). */
export const GRACE_MS = 30_000
/** Samples stamped further ahead of the clock than this are refused (they would never close). */
const FUTURE_MS = MINUTE
// Retention reads every row of every tier (a ring has no index by time), so it runs daily: in
// a ring only a stop leaves rows past their retention, and a day more of them harms nobody.
// The first pass comes an hour after start, not amid the start's own work.
const RETENTION_INTERVAL_MS = 24 * 3_600_000
const FIRST_RETENTION_MS = 3_600_000

export interface EngineSettings {
  readonly dataDir: string
  readonly flushIntervalMs: number
  readonly maxSizeBytes: number
  /** Retention, size cap and WAL checkpoint run at most this often, inside a flush. */
  readonly maintenanceIntervalMs: number
  /** A counter reading longer than this after the previous one adds no increase. */
  readonly counterGapMs: number
  /** While the disk is unavailable, this much of the newest 1-minute buckets stays in memory. */
  readonly memoryOnlyKeepMs: number
  /** SQLite's page cache, in KiB. */
  readonly cacheKiB: number
  /** Retention and count cap of each journal kind (journal.ts's defaults when absent). */
  readonly journal?: Readonly<Record<JournalKind, JournalLimits>> | undefined
  /** Journal records kept in memory per kind until written (the tail kept while the disk fails). */
  readonly journalMemoryKeep?: number | undefined
}

export type StoreStatus = "ok" | `memory-only: ${string}`

/** A gauge over the points of a series: one entry per point, null where it was not measured. */
export interface GaugeColumns {
  readonly min: ReadonlyArray<number | null>
  readonly mean: ReadonlyArray<number | null>
  readonly max: ReadonlyArray<number | null>
  /** How many samples each point aggregates (0 where the gauge was not measured). */
  readonly count: ReadonlyArray<number>
}

/** A counter over the points of a series: one entry per point, null where it was not read. */
export interface CounterColumns {
  readonly last: ReadonlyArray<number | null>
  /** Growth inside the point, resets counted as Prometheus' increase() does; never negative. */
  readonly increase: ReadonlyArray<number | null>
  /** increase / the seconds the point covers (its step, or up to now for the newest point). */
  readonly ratePerSecond: ReadonlyArray<number | null>
}

/**
 * One series' history, in columns: `at` holds the start of every step that has data, oldest
 * first, and every column has one entry per `at`. Columns rather than an object per point: a
 * 2-year answer for the reference stack is then a few hundred arrays, not 70 000 objects.
 */
export interface SeriesHistory {
  readonly series: Series
  readonly at: ReadonlyArray<number>
  readonly gauges: Readonly<Record<string, GaugeColumns>>
  readonly counters: Readonly<Record<string, CounterColumns>>
}

export interface HistoryResult {
  /** The tier the points come from (the newest part may come from finer tiers). */
  readonly tier: TierName
  readonly stepMillis: number
  /** The start of the first step (aligned to the step) and the time of the query. */
  readonly from: number
  readonly to: number
  readonly series: ReadonlyArray<SeriesHistory>
}

export type UptimeWindow = "24h" | "7d" | "30d" | "365d"
/** The healthy share (0..1) of a probe over each window; null without any reading in it. */
export type Uptime = Readonly<Record<UptimeWindow, number | null>>
/**
 * Each window, and the tier it is read from: a window starts at the boundary of that tier's
 * buckets before it (15 minutes, 2 hours, a day), so that a share over a year reads 365 rows.
 * Every reading counts once, whatever its tier.
 */
export const UPTIME_WINDOWS: ReadonlyArray<{
  readonly name: UptimeWindow
  readonly windowMs: number
  readonly tierIndex: number
  readonly alignMs: number
}> = [
  { name: "24h", windowMs: 24 * 3_600_000, tierIndex: 1, alignMs: 15 * MINUTE },
  { name: "7d", windowMs: 7 * 86_400_000, tierIndex: 2, alignMs: 2 * 3_600_000 },
  { name: "30d", windowMs: 30 * 86_400_000, tierIndex: 2, alignMs: 2 * 3_600_000 },
  { name: "365d", windowMs: 365 * 86_400_000, tierIndex: 3, alignMs: 86_400_000 }
]

export interface StoreStats {
  readonly status: StoreStatus
  readonly path: string
  readonly flushes: number
  readonly failedFlushes: number
  /** WAL frames (a page and a 24-byte header each) counted by the store's own checkpoints. */
  readonly walFrames: number
  readonly checkpoints: number
  /** Pages copied from the WAL into the database by those checkpoints. */
  readonly checkpointedPages: number
  /** The most frames one checkpoint found: below SQLite's own trigger (1000), none of its own ran. */
  readonly maxCheckpointFrames: number
  readonly pageSize: number
  readonly usedBytes: number | null
  readonly bucketsInMemory: number
  readonly lateSamples: number
  readonly rejectedSamples: number
  readonly droppedMinutes: number
  /** Journal records appended and not written yet. */
  readonly journalPending: number
  /** Journal records dropped from memory before they could be written (the tail's bound). */
  readonly droppedRecords: number
  readonly rejectedRecords: number
  readonly movedAside: ReadonlyArray<string>
}

export interface LogLine {
  readonly level: "info" | "warning"
  readonly message: string
}

interface MemBucket {
  readonly start: number
  series: Map<string, SeriesAgg<string>>
  /** Changed since it was last written. */
  dirty: boolean
  /** Holds what the database's row for this minute holds (so writing it loses nothing). */
  included: boolean
}

/** What a scan hands over, bucket by bucket in time order. */
interface ScanSink {
  bucket(start: number): void
  series(key: string): boolean
  dbGauge(metricId: number, count: number, min: number, max: number, sum: number): void
  dbCounter(metricId: number, last: number, increase: number): void
  memGauge(name: string, agg: GaugeAgg): void
  memCounter(name: string, agg: CounterAgg): void
}

const validName = (name: string) => name.length > 0 && name.length <= MAX_NAME_LENGTH

const formatMs = (ms: number) =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % MINUTE === 0 ? `${ms / MINUTE} min` : `${ms / 1000} s`

export class StoreEngine {
  db: Database | undefined
  fault: StoreFault | undefined
  readonly logs: Array<LogLine> = []
  readonly path: string
  private readonly buckets = new Map<number, MemBucket>()
  private readonly baselines = new Map<string, CounterBaseline>()
  /** Samples for a minute that ended before this, and is no longer in memory, are late. */
  private closedBefore = Number.NEGATIVE_INFINITY
  private lastMaintenance = Number.NEGATIVE_INFINITY
  private lastRetention = Number.NEGATIVE_INFINITY
  private droppingLogged = false
  private queryFaultLogged = false
  private readonly counts = {
    flushes: 0,
    failedFlushes: 0,
    walFrames: 0,
    checkpoints: 0,
    checkpointedPages: 0,
    maxCheckpointFrames: 0,
    lateSamples: 0,
    rejectedSamples: 0,
    droppedMinutes: 0,
    rejectedRecords: 0
  }
  private readonly movedAside: Array<string> = []
  private readonly pending: PendingJournal
  readonly journalLimits: Readonly<Record<JournalKind, JournalLimits>>

  readonly settings: EngineSettings

  constructor(settings: EngineSettings) {
    this.settings = settings
    this.path = join(settings.dataDir, DB_FILE)
    this.journalLimits = settings.journal ?? DEFAULT_JOURNAL_LIMITS
    this.pending = new PendingJournal(settings.journalMemoryKeep ?? 2_000)
  }

  private log(level: LogLine["level"], message: string): void {
    this.logs.push({ level, message: `history store: ${message}` })
  }

  // ---- opening ---------------------------------------------------------------------------

  /** Opens the database at start; only another process holding it is returned as a failure. */
  start(now: number): DataDirLocked | undefined {
    this.closedBefore = Math.floor((now - GRACE_MS) / MINUTE) * MINUTE
    this.lastRetention = now - RETENTION_INTERVAL_MS + FIRST_RETENTION_MS
    const fault = this.open(now, true)
    if (fault?._tag === "DataDirLocked") return fault
    if (this.db !== undefined) this.log("info", `writing ${this.path}`)
    return undefined
  }

  /** Opens the file, moving a damaged one aside; a fault leaves the store memory-only. */
  private open(now: number, atStart = false): StoreFault | undefined {
    let opened = openDatabase(this.settings.dataDir, { cacheKiB: this.settings.cacheKiB })
    if (!(opened instanceof Database) && opened._tag === "DatabaseDamaged") {
      const damaged = opened
      const aside = moveAside(this.settings.dataDir, new Date(now))
      if (typeof aside !== "string") {
        this.enterMemoryOnly(aside)
        return aside
      }
      this.movedAside.push(aside)
      this.log("warning", `${damaged.message}: moved it to ${aside} and started a fresh database`)
      opened = openDatabase(this.settings.dataDir, { cacheKiB: this.settings.cacheKiB })
    }
    if (!(opened instanceof Database)) {
      // At start, another holder stops the service instead.
      if (!(atStart && opened._tag === "DataDirLocked")) this.enterMemoryOnly(opened)
      return opened
    }
    this.db = opened
    try {
      this.afterOpen(opened, now)
    } catch (e) {
      const fault = sqliteFault(this.settings.dataDir, e)
      this.closeDb()
      this.enterMemoryOnly(fault)
      return fault
    }
    return undefined
  }

  /**
   * Reconciles memory with the file just opened: a minute the file already holds (written
   * before a restart) is merged into the same minute in memory, and the minutes that may still
   * get samples are loaded, so that the next write of them keeps what was written before.
   */
  private afterOpen(db: Database, now: number): void {
    for (const bucket of this.buckets.values()) {
      if (bucket.included) continue
      const row = db.get(0, bucket.start / MINUTE)
      if (row !== undefined) {
        const stored = this.decodeMinute(db, row)
        for (const [key, agg] of bucket.series) {
          const earlier = stored.get(key)
          if (earlier === undefined) stored.set(key, agg)
          else mergeSeriesAgg(earlier, agg)
        }
        bucket.series = stored
      }
      bucket.included = true
    }
    const open = Math.floor((now - GRACE_MS) / MINUTE)
    for (const row of db.range(0, open, Math.floor((now + FUTURE_MS) / MINUTE) + 1)) {
      const start = row.bucket * MINUTE
      if (this.buckets.has(start)) continue
      this.buckets.set(start, { start, series: this.decodeMinute(db, row.data), dirty: false, included: true })
    }
    // The newest stored minute gives each counter the baseline of its next increase. The time of
    // that reading is not stored: the minute's start stands for it, so that any later reading
    // counts (and a gap is measured at most a minute too long).
    const latest = db.latest(0)
    if (latest !== undefined) {
      const at = latest.bucket * MINUTE
      for (const [key, agg] of this.decodeMinute(db, latest.data)) {
        for (const [name, c] of agg.counters) {
          const id = `${key}\u0000${name}`
          if (!this.baselines.has(id)) this.baselines.set(id, { value: c.last, at })
        }
      }
    }
  }

  private decodeMinute(db: Database, blob: Uint8Array): Map<string, SeriesAgg<string>> {
    const out = new Map<string, SeriesAgg<string>>()
    for (const bucket of decodeChunk(blob)) {
      for (const [seriesId, agg] of bucket.series) {
        const key = db.seriesById[seriesId]
        if (key === undefined) continue
        const named = out.get(key) ?? emptySeriesAgg<string>()
        out.set(key, named)
        const byName = emptySeriesAgg<string>()
        for (const [id, g] of agg.gauges) {
          const m = db.metricById[id]
          if (m !== undefined) byName.gauges.set(m.name, g)
        }
        for (const [id, c] of agg.counters) {
          const m = db.metricById[id]
          if (m !== undefined) byName.counters.set(m.name, c)
        }
        mergeSeriesAgg(named, byName)
      }
    }
    return out
  }

  private closeDb(): void {
    this.db?.close()
    this.db = undefined
  }

  private enterMemoryOnly(fault: StoreFault): void {
    if (this.fault?.message !== fault.message) {
      this.log(
        "warning",
        `memory-only: ${fault.message}; keeping the newest ${formatMs(this.settings.memoryOnlyKeepMs)} of ` +
          `1-minute aggregates in memory and retrying every ${formatMs(this.settings.flushIntervalMs)}`
      )
    }
    this.fault = fault
  }

  status(): StoreStatus {
    return this.fault === undefined ? "ok" : `memory-only: ${this.fault.message}`
  }

  // ---- recording -------------------------------------------------------------------------

  record(samples: ReadonlyArray<Sample>, now: number): void {
    for (const sample of samples) {
      if (
        typeof sample !== "object" ||
        sample === null ||
        !isSeries(sample.series) ||
        typeof sample.at !== "number" ||
        !Number.isFinite(sample.at) ||
        sample.at > now + FUTURE_MS
      ) {
        this.counts.rejectedSamples++
        continue
      }
      this.fold(sample)
    }
  }

  private fold(sample: Sample): void {
    const start = Math.floor(sample.at / MINUTE) * MINUTE
    let bucket = this.buckets.get(start)
    if (bucket === undefined) {
      if (start + MINUTE <= this.closedBefore) {
        this.counts.lateSamples++
        return
      }
      // With the file open, every minute it holds that can still change is in memory already.
      bucket = { start, series: new Map(), dirty: true, included: this.db !== undefined }
      this.buckets.set(start, bucket)
    }
    const key = seriesKey(sample.series)
    let agg = bucket.series.get(key)
    if (agg === undefined) {
      agg = emptySeriesAgg<string>()
      bucket.series.set(key, agg)
    }
    bucket.dirty = true
    for (const name in sample.gauges) {
      const v = sample.gauges[name]
      if (isGaugeValue(v) && validName(name)) addGauge(agg.gauges, name, v)
    }
    for (const name in sample.counters) {
      const v = sample.counters[name]
      if (!isCounterValue(v) || !validName(name)) continue
      const id = `${key}\u0000${name}`
      const previous = this.baselines.get(id)
      // An older reading than the last one would be taken for a reset: it is left out.
      if (previous !== undefined && sample.at <= previous.at) continue
      const increase = counterIncrease(previous, v, sample.at, this.settings.counterGapMs)
      this.baselines.set(id, { value: v, at: sample.at })
      const c = agg.counters.get(name)
      if (c === undefined) agg.counters.set(name, { last: v, increase })
      else {
        c.last = v
        c.increase += increase
      }
    }
  }

  // ---- flushing --------------------------------------------------------------------------

  /**
   * Writes every changed minute in one transaction; when maintenance is due (hourly) or asked
   * for, the same transaction rolls the closed buckets up into the coarser tiers, applies the
   * size cap (and retention, daily), and a checkpoint follows. `rollUp` rolls up without the
   * rest (at close).
   */
  flush(now: number, options: { readonly maintain?: boolean; readonly rollUp?: boolean } = {}): void {
    this.flushOnce(now, options.maintain === true, options.rollUp === true, true)
  }

  private flushOnce(now: number, forceMaintenance: boolean, forceRollUp: boolean, mayRetry: boolean): void {
    const closed = Math.floor((now - GRACE_MS) / MINUTE) * MINUTE
    if (closed > this.closedBefore) this.closedBefore = closed
    for (const [id, b] of this.baselines) if (now - b.at > this.settings.counterGapMs) this.baselines.delete(id)
    if (this.db === undefined) {
      this.open(now)
      if (this.db === undefined) {
        this.capMemory(now)
        return
      }
    }
    const db = this.db
    const dirty = [...this.buckets.values()].filter((b) => b.dirty).sort((a, b) => a.start - b.start)
    const maintenanceDue = forceMaintenance || now - this.lastMaintenance >= this.settings.maintenanceIntervalMs
    // Roll-ups wait for the hourly maintenance: the coarser rows of an hour then share one
    // transaction (their pages, the B-tree above them and the header are written once), and
    // queries read the newest hour from the finer tiers, which hold it. Unless a new minute is
    // about to take the ring row of one two days older that is not rolled up yet (after a long
    // stop): then what is stored and closed is rolled up first.
    const rollUpNow = maintenanceDue || forceRollUp
    const retentionDue = maintenanceDue && (forceMaintenance || now - this.lastRetention >= RETENTION_INTERVAL_MS)
    const wouldOverwrite = dirty.length > 0 && dirty[dirty.length - 1]!.start - TIERS[0].retentionMs >= db.done[1]
    const records = this.pending.size
    if (dirty.length === 0 && records === 0 && !rollUpNow) return

    const newSeries = new Map<string, number>()
    const newMetrics = new Map<string, number>()
    const done: [number, number, number, number] = [...db.done]
    try {
      db.sqlite.exec("BEGIN")
      if (wouldOverwrite) this.rollUp(db, Math.min(closed, dirty[0]!.start), done)
      for (const bucket of dirty) {
        const encodable = this.encodable(db, bucket, newSeries, newMetrics)
        const w = new ByteWriter(2048)
        writeBucket(w, 0, encodable)
        db.put(0, bucket.start / MINUTE, w.toBytes())
      }
      for (const [kind, list] of this.pending.entries()) {
        for (const record of list) db.appendJournal(kind, record.at, record.body)
      }
      if (rollUpNow) this.rollUp(db, closed, done)
      if (maintenanceDue) this.maintain(db, now, done, retentionDue)
      db.sqlite.exec("COMMIT")
    } catch (e) {
      try {
        if (db.sqlite.isTransaction) db.sqlite.exec("ROLLBACK")
      } catch {
        // The failed commit already ended the transaction.
      }
      this.counts.failedFlushes++
      this.onFault(sqliteFault(this.settings.dataDir, e), now, mayRetry, forceMaintenance, forceRollUp)
      return
    }

    for (const [key, id] of newSeries) {
      db.seriesIds.set(key, id)
      db.seriesById[id] = key
    }
    for (const [key, id] of newMetrics) {
      db.metricIds.set(key, id)
      db.metricById[id] = { kind: key.startsWith("g:") ? "gauge" : "counter", name: key.slice(2) }
    }
    for (let i = 1; i < done.length; i++) db.done[i] = done[i]!
    for (const bucket of dirty) {
      bucket.dirty = false
      bucket.included = true
    }
    // Synchronous from BEGIN to here: nothing was appended since the rows were inserted.
    this.pending.clear()
    for (const [start, bucket] of this.buckets) {
      if (start + MINUTE <= closed && !bucket.dirty) this.buckets.delete(start)
    }
    this.counts.flushes++
    if (retentionDue) this.lastRetention = now
    if (maintenanceDue) {
      this.lastMaintenance = now
      this.checkpoint(db)
    }
    if (this.fault !== undefined) {
      this.log(
        "info",
        `writing ${this.path} again (${dirty.length} minutes and ${records} records kept in memory were written)`
      )
      this.fault = undefined
      this.droppingLogged = false
    }
  }

  private onFault(
    fault: StoreFault,
    now: number,
    mayRetry: boolean,
    forceMaintenance: boolean,
    forceRollUp: boolean
  ): void {
    if (fault._tag === "DatabaseDamaged") {
      this.closeDb()
      const aside = moveAside(this.settings.dataDir, new Date(now))
      if (typeof aside === "string") {
        this.movedAside.push(aside)
        this.log("warning", `${fault.message}: moved it to ${aside} and started a fresh database`)
        // Nothing in memory is in the fresh file.
        for (const b of this.buckets.values()) {
          b.dirty = true
          b.included = true
        }
        if (mayRetry) this.flushOnce(now, forceMaintenance, forceRollUp, false)
        return
      }
      this.enterMemoryOnly(aside)
    } else if (fault._tag === "DiskFull") {
      // The file still reads: queries keep their history while writes wait for space.
      this.enterMemoryOnly(fault)
    } else {
      // Reopened at the next retry: a connection opened on a read-only disk stays read-only.
      this.closeDb()
      this.enterMemoryOnly(fault)
    }
    this.capMemory(now)
  }

  private capMemory(now: number): void {
    this.pending.expire(this.journalLimits, now)
    const oldest = now - this.settings.memoryOnlyKeepMs
    let dropped = 0
    for (const [start, bucket] of this.buckets) {
      if (start + MINUTE <= oldest) {
        this.buckets.delete(start)
        if (bucket.dirty) dropped++
      }
    }
    if (dropped > 0) {
      this.counts.droppedMinutes += dropped
      if (!this.droppingLogged) {
        this.log(
          "warning",
          `dropping 1-minute aggregates older than ${formatMs(this.settings.memoryOnlyKeepMs)} that could not be written`
        )
        this.droppingLogged = true
      }
    }
  }

  private encodable(
    db: Database,
    bucket: MemBucket,
    newSeries: Map<string, number>,
    newMetrics: Map<string, number>
  ): Array<EncodableSeries> {
    const metricId = (kind: MetricKind, name: string): number => {
      const key = metricKey(kind, name)
      let id = db.metricIds.get(key) ?? newMetrics.get(key)
      if (id === undefined) {
        id = Number((db.insertMetric.get(kind, name) as { id: number }).id)
        newMetrics.set(key, id)
      }
      return id
    }
    const out: Array<EncodableSeries> = []
    for (const [key, agg] of bucket.series) {
      let seriesId = db.seriesIds.get(key) ?? newSeries.get(key)
      if (seriesId === undefined) {
        const s = seriesOfKey(key)
        seriesId = Number((db.insertSeries.get(s.kind, s.name) as { id: number }).id)
        newSeries.set(key, seriesId)
      }
      const byId = emptySeriesAgg<number>()
      for (const [name, g] of agg.gauges) byId.gauges.set(metricId("gauge", name), g)
      for (const [name, c] of agg.counters) byId.counters.set(metricId("counter", name), c)
      out.push({ seriesId, agg: byId })
    }
    return out
  }

  /**
   * Rolls each tier's closed buckets into the next: 1-minute into 15-minute buckets up to
   * `closed`, 15-minute into 2-hour and 2-hour into day buckets as far as the finer tier is
   * done. `done` is updated; the rows are written in the caller's transaction.
   */
  private rollUp(db: Database, closed: number, done: [number, number, number, number]): void {
    for (let i = 1; i < TIERS.length; i++) {
      const tier = TIERS[i]!
      const finer = TIERS[i - 1]!
      const limit = i === 1 ? closed : done[i - 1]!
      const to = Math.floor(limit / tier.bucketMs) * tier.bucketMs
      if (to <= done[i]!) continue
      const groups = new Map<number, Map<number, SeriesAgg<number>>>()
      for (const row of db.range(i - 1, Math.floor(done[i]! / finer.bucketMs), to / finer.bucketMs)) {
        const start = Math.floor((row.bucket * finer.bucketMs) / tier.bucketMs) * tier.bucketMs
        for (const bucket of decodeChunk(row.data)) mergeInto(groups, start, bucket.series)
      }
      for (const [start, series] of groups) {
        db.put(
          i,
          start / tier.bucketMs,
          encodeBucket(
            0,
            [...series].map(([seriesId, agg]) => ({ seriesId, agg }))
          )
        )
      }
      // With nothing to roll (no samples), only the mark moves: no write while idle. At the
      // next open it is read back from the newest bucket, and the empty stretch is read again.
      done[i] = to
    }
  }

  /**
   * Retention, then the size cap. In a ring a bucket's row is overwritten one retention later,
   * so retention finds rows only where that did not happen (the service was stopped). The cap
   * deletes rows oldest first, from the tier whose oldest row is the oldest relative to its
   * retention, so every tier keeps about the same share of its span; never a row whose bucket
   * the next tier does not hold yet.
   */
  private maintain(
    db: Database,
    now: number,
    done: readonly [number, number, number, number],
    retention: boolean
  ): void {
    // The last bucket of tier i that tier i + 1 holds, +1.
    const rolled = (i: number) =>
      i + 1 < TIERS.length ? Math.floor(done[i + 1]! / TIERS[i]!.bucketMs) : Number.MAX_SAFE_INTEGER
    // The journal's retention is one indexed range per kind: cheap, so at every maintenance.
    for (const kind of JOURNAL_KINDS) {
      const limits = this.journalLimits[kind]
      db.expireJournal(kind, now - limits.retentionMs, DELETE_BATCH)
      db.trimJournal(kind, limits.capacity, DELETE_BATCH)
    }
    if (retention) {
      for (let i = 0; i < TIERS.length; i++) {
        const tier = TIERS[i]!
        db.deleteBefore(i, Math.min(Math.floor((now - tier.retentionMs) / tier.bucketMs), rolled(i)))
      }
    }
    let used = db.usedBytes()
    if (used <= this.settings.maxSizeBytes) return
    const rows = TIERS.map((_, i) => db.byAge(i).filter((r) => r.bucket < rolled(i)))
    const next = TIERS.map(() => 0)
    while (used > this.settings.maxSizeBytes) {
      let pick = -1
      let pickAge = Number.NEGATIVE_INFINITY
      for (let i = 0; i < TIERS.length; i++) {
        const row = rows[i]![next[i]!]
        if (row === undefined) continue
        const tier = TIERS[i]!
        const age = (now - row.bucket * tier.bucketMs) / tier.retentionMs
        if (age > pickAge) {
          pick = i
          pickAge = age
        }
      }
      if (pick === -1) break
      db.deleteSlot(pick, rows[pick]![next[pick]!]!.slot)
      next[pick]!++
      used = db.usedBytes()
    }
    if (used > this.settings.maxSizeBytes) {
      this.log(
        "warning",
        `the database holds ${used} bytes, over the cap of ${this.settings.maxSizeBytes}, and nothing more can go`
      )
    }
  }

  private checkpoint(db: Database): void {
    try {
      const r = db.sqlite.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as { log: number; checkpointed: number }
      if (r.log > 0) this.counts.walFrames += r.log
      if (r.checkpointed > 0) this.counts.checkpointedPages += r.checkpointed
      if (r.log > this.counts.maxCheckpointFrames) this.counts.maxCheckpointFrames = r.log
      this.counts.checkpoints++
    } catch (e) {
      // Committed pages are safe in the WAL; the next checkpoint copies them.
      this.log("warning", `checkpoint failed: ${sqliteFault(this.settings.dataDir, e).message}`)
    }
  }

  /**
   * A consistent copy of the database at `target` (VACUUM INTO: compact, no WAL), written
   * through the store's own connection: while the service runs, its exclusive lock keeps every
   * other program out of the file, sqlite3 included.
   */
  backup(target: string): StoreFault | undefined {
    const db = this.db
    if (db === undefined) return this.fault ?? new DiskUnavailable({ path: this.path, detail: "not open" })
    try {
      db.sqlite.prepare("VACUUM INTO ?").run(target)
      return undefined
    } catch (e) {
      return sqliteFault(dirname(target), e)
    }
  }

  /** The last flush and checkpoint, then the file is closed and its lock released. */
  close(now: number): void {
    this.flush(now, { rollUp: true })
    const db = this.db
    if (db !== undefined) {
      this.checkpoint(db)
      this.closeDb()
      removeHolder(this.settings.dataDir)
    } else {
      const unwritten = [...this.buckets.values()].filter((b) => b.dirty).length
      const records = this.pending.size
      if (unwritten > 0 || records > 0) {
        this.log("warning", `closing memory-only: ${unwritten} minutes and ${records} records were never written`)
      }
    }
  }

  // ---- the journal -----------------------------------------------------------------------

  /**
   * Keeps one record until the next flush writes it. One past its kind's retention is dropped
   * (never returned anyway); a bad kind, time or body is refused.
   */
  append(kind: JournalKind, at: number, body: string, now: number): JournalRecordRejected | undefined {
    const refuse = (problem: JournalRecordRejected["problem"], detail: string) => {
      this.counts.rejectedRecords++
      return new JournalRecordRejected({ kind: String(kind), problem, detail })
    }
    if (!isJournalKind(kind)) return refuse("unknown-kind", `the kinds are ${JOURNAL_KINDS.join(", ")}`)
    if (typeof at !== "number" || !Number.isFinite(at) || at > now + FUTURE_MS) {
      return refuse("bad-time", "the time must be milliseconds since the epoch, at most a minute ahead of the clock")
    }
    if (typeof body !== "string") return refuse("not-json", "the body must be JSON text")
    // A UTF-16 unit is at most 3 UTF-8 bytes: most bodies are measured without encoding them.
    const bytes = body.length * 3 <= MAX_BODY_BYTES ? body.length : Buffer.byteLength(body, "utf8")
    if (bytes > MAX_BODY_BYTES) return refuse("too-large", `${bytes} bytes, over the ${MAX_BODY_BYTES} allowed`)
    try {
      JSON.parse(body)
    } catch {
      return refuse("not-json", "the body does not parse as JSON")
    }
    if (at < now - this.journalLimits[kind].retentionMs) return undefined
    this.pending.push(kind, { at: Math.floor(at), body })
    return undefined
  }

  /**
   * The newest `limit` records of `kind` logged at or after `from` and within the retention,
   * oldest first (by time, then by arrival): the stored ones and those still in memory.
   */
  journal(kind: JournalKind, from: number, limit: number, now: number): Array<JournalRecord> {
    if (!isJournalKind(kind)) return []
    const n = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : this.journalLimits[kind].capacity
    if (n === 0) return []
    const floor = Math.max(Number.isNaN(from) ? 0 : from, now - this.journalLimits[kind].retentionMs)
    let stored: Array<JournalRecord> = []
    const db = this.db
    if (db !== undefined) {
      try {
        stored = db.journalNewestFirst(kind, Math.ceil(floor), n).reverse()
      } catch (e) {
        if (!this.queryFaultLogged) {
          this.log(
            "warning",
            `reading the journal failed, answering from memory only: ${sqliteFault(this.settings.dataDir, e).message}`
          )
          this.queryFaultLogged = true
        }
      }
    }
    const waiting = this.pending.of(kind).filter((r) => r.at >= floor)
    // Stored rows come before the waiting ones of the same time: they arrived first. Sorting is
    // stable, and each part is already in that order.
    const all = [...stored.map((r) => ({ at: r.at, body: r.body })), ...waiting].sort((a, b) => a.at - b.at)
    return all.length > n ? all.slice(all.length - n) : all
  }

  // ---- reading ---------------------------------------------------------------------------

  /**
   * Visits what is kept from `from` on, in time order: tier `index` up to where it is rolled,
   * then each finer tier, then the minutes in memory (which replace the same minutes on disk).
   */
  private scan(from: number, index: number, sink: ScanSink, now: number): void {
    const memory = [...this.buckets.values()].sort((a, b) => a.start - b.start)
    let m = 0
    const emitMemory = (before: number) => {
      for (; m < memory.length && memory[m]!.start < before; m++) {
        const bucket = memory[m]!
        if (bucket.start < from) continue
        sink.bucket(bucket.start)
        for (const [key, agg] of bucket.series) {
          if (!sink.series(key)) continue
          for (const [name, g] of agg.gauges) sink.memGauge(name, g)
          for (const [name, c] of agg.counters) sink.memCounter(name, c)
        }
      }
    }
    const db = this.db
    if (db !== undefined) {
      try {
        let lo = from
        for (let i = index; i >= 0; i--) {
          const tier = TIERS[i]!
          const hi = i > 0 ? db.done[i]! : Number.POSITIVE_INFINITY
          if (hi <= lo) continue
          if (i === 0) {
            // Minutes in memory before the first stored one come first.
            m = memory.findIndex((b) => b.start >= lo)
            if (m === -1) m = memory.length
          }
          const end = hi === Number.POSITIVE_INFINITY ? now + FUTURE_MS + tier.bucketMs : hi
          const rows = db.range(i, Math.ceil(lo / tier.bucketMs), Math.ceil(end / tier.bucketMs))
          let start = 0
          const visitor: ChunkVisitor = {
            bucket: () => {
              if (i === 0) {
                emitMemory(start)
                if (this.buckets.has(start)) return false
              }
              sink.bucket(start)
              return true
            },
            series: (id) => {
              const key = db.seriesById[id]
              return key !== undefined && sink.series(key)
            },
            gauge: (id, count, min, max, sum) => sink.dbGauge(id, count, min, max, sum),
            counter: (id, last, increase) => sink.dbCounter(id, last, increase)
          }
          for (const row of rows) {
            start = row.bucket * tier.bucketMs
            readChunk(row.data, visitor)
          }
          lo = hi
        }
        emitMemory(Number.POSITIVE_INFINITY)
        return
      } catch (e) {
        if (!this.queryFaultLogged) {
          this.log(
            "warning",
            `reading history failed, answering from memory only: ${sqliteFault(this.settings.dataDir, e).message}`
          )
          this.queryFaultLogged = true
        }
      }
    }
    emitMemory(Number.POSITIVE_INFINITY)
  }

  query(plan: Plan, now: number, only: ReadonlyArray<Series> | undefined): HistoryResult {
    const step = plan.stepMs
    const from = Math.floor((now - plan.windowMs) / step) * step
    const n = Math.floor((now - from) / step) + 1
    const filter = only === undefined ? undefined : new Set(only.map(seriesKey))
    const sink = new QuerySink(from, step, n, filter, this.db)
    this.scan(from, plan.sourceIndex, sink, now)
    const series = [...sink.accs.values()]
      .sort((a, b) =>
        a.series.kind === b.series.kind
          ? a.series.name < b.series.name
            ? -1
            : a.series.name > b.series.name
              ? 1
              : 0
          : SERIES_KINDS.indexOf(a.series.kind) - SERIES_KINDS.indexOf(b.series.kind)
      )
      .map((acc) => acc.history(from, step, now))
    return { tier: plan.tier.name, stepMillis: step, from, to: now, series }
  }

  uptime(probe: string, now: number): Uptime {
    const key = seriesKey({ kind: "probe", name: probe })
    const db = this.db
    const result: Partial<Record<UptimeWindow, number | null>> = {}
    for (const { name, windowMs, tierIndex, alignMs } of UPTIME_WINDOWS) {
      const from = Math.floor((now - windowMs) / alignMs) * alignMs
      const healthyId = db?.metricIds.get(metricKey("gauge", "healthy"))
      let sum = 0
      let count = 0
      this.scan(
        from,
        tierIndex,
        {
          bucket() {},
          series: (k) => k === key,
          dbGauge(id, c, _min, _max, s) {
            if (id === healthyId) {
              sum += s
              count += c
            }
          },
          dbCounter() {},
          memGauge(metric, g) {
            if (metric === "healthy") {
              sum += g.sum
              count += g.count
            }
          },
          memCounter() {}
        },
        now
      )
      result[name] = count === 0 ? null : sum / count
    }
    return result as Uptime
  }

  stats(): StoreStats {
    let usedBytes: number | null = null
    try {
      usedBytes = this.db?.usedBytes() ?? null
    } catch {
      usedBytes = null
    }
    return {
      status: this.status(),
      path: this.path,
      ...this.counts,
      pageSize: this.db?.pageSize ?? 4096,
      usedBytes,
      bucketsInMemory: this.buckets.size,
      journalPending: this.pending.size,
      droppedRecords: this.pending.dropped,
      movedAside: [...this.movedAside]
    }
  }
}

const mergeInto = (
  groups: Map<number, Map<number, SeriesAgg<number>>>,
  start: number,
  series: Map<number, SeriesAgg<number>>
): void => {
  let group = groups.get(start)
  if (group === undefined) {
    group = new Map()
    groups.set(start, group)
  }
  for (const [id, agg] of series) {
    const into = group.get(id)
    if (into === undefined) group.set(id, agg)
    else mergeSeriesAgg(into, agg)
  }
}

class GaugeAcc {
  readonly name: string
  readonly count: Float64Array
  readonly sum: Float64Array
  readonly min: Float64Array
  readonly max: Float64Array
  constructor(name: string, n: number) {
    this.name = name
    this.count = new Float64Array(n)
    this.sum = new Float64Array(n)
    this.min = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
    this.max = new Float64Array(n).fill(Number.NEGATIVE_INFINITY)
  }
  add(i: number, count: number, min: number, max: number, sum: number): void {
    this.count[i]! += count
    this.sum[i]! += sum
    if (min < this.min[i]!) this.min[i] = min
    if (max > this.max[i]!) this.max[i] = max
  }
}

class CounterAcc {
  readonly name: string
  readonly last: Float64Array
  readonly increase: Float64Array
  readonly has: Uint8Array
  constructor(name: string, n: number) {
    this.name = name
    this.last = new Float64Array(n)
    this.increase = new Float64Array(n)
    this.has = new Uint8Array(n)
  }
  add(i: number, last: number, increase: number): void {
    this.last[i] = last
    this.increase[i]! += increase
    this.has[i] = 1
  }
}

class SeriesAcc {
  readonly series: Series
  readonly present: Uint8Array
  readonly gaugesById: Array<GaugeAcc | undefined> = []
  readonly countersById: Array<CounterAcc | undefined> = []
  private readonly gauges = new Map<string, GaugeAcc>()
  private readonly counters = new Map<string, CounterAcc>()
  private readonly n: number
  constructor(key: string, n: number) {
    this.n = n
    this.series = seriesOfKey(key)
    this.present = new Uint8Array(n)
  }
  gauge(name: string): GaugeAcc {
    let g = this.gauges.get(name)
    if (g === undefined) {
      g = new GaugeAcc(name, this.n)
      this.gauges.set(name, g)
    }
    return g
  }
  counter(name: string): CounterAcc {
    let c = this.counters.get(name)
    if (c === undefined) {
      c = new CounterAcc(name, this.n)
      this.counters.set(name, c)
    }
    return c
  }
  history(from: number, step: number, now: number): SeriesHistory {
    const points: Array<number> = []
    for (let i = 0; i < this.n; i++) if (this.present[i] === 1) points.push(i)
    const at = points.map((i) => from + i * step)
    const gauges: Array<[string, GaugeColumns]> = []
    for (const g of this.gauges.values()) {
      const count = points.map((i) => g.count[i]!)
      gauges.push([
        g.name,
        {
          min: points.map((i, k) => (count[k]! > 0 ? g.min[i]! : null)),
          // Clamped: a sum rounds, and three readings of 0.7 average to 0.6999999999999998, below
          // their own minimum.
          mean: points.map((i, k) =>
            count[k]! > 0 ? Math.min(g.max[i]!, Math.max(g.min[i]!, g.sum[i]! / count[k]!)) : null
          ),
          max: points.map((i, k) => (count[k]! > 0 ? g.max[i]! : null)),
          count
        }
      ])
    }
    const counters: Array<[string, CounterColumns]> = []
    for (const c of this.counters.values()) {
      counters.push([
        c.name,
        {
          last: points.map((i) => (c.has[i] === 1 ? c.last[i]! : null)),
          increase: points.map((i) => (c.has[i] === 1 ? c.increase[i]! : null)),
          ratePerSecond: points.map((i, k) =>
            c.has[i] === 1 ? c.increase[i]! / Math.max(1, Math.min(step, now - at[k]!) / 1000) : null
          )
        }
      ])
    }
    // fromEntries, not assignment: a metric named "__proto__" stays a metric.
    return { series: this.series, at, gauges: Object.fromEntries(gauges), counters: Object.fromEntries(counters) }
  }
}

/** Accumulates scanned buckets into the steps of a query. */
class QuerySink implements ScanSink {
  readonly accs = new Map<string, SeriesAcc>()
  private idx = 0
  private current: SeriesAcc | undefined
  private readonly from: number
  private readonly step: number
  private readonly n: number
  private readonly filter: Set<string> | undefined
  private readonly db: Database | undefined

  constructor(from: number, step: number, n: number, filter: Set<string> | undefined, db: Database | undefined) {
    this.from = from
    this.step = step
    this.n = n
    this.filter = filter
    this.db = db
  }

  bucket(start: number): void {
    this.idx = Math.floor((start - this.from) / this.step)
  }

  series(key: string): boolean {
    if (this.filter !== undefined && !this.filter.has(key)) return false
    if (this.idx < 0 || this.idx >= this.n) return false
    let acc = this.accs.get(key)
    if (acc === undefined) {
      acc = new SeriesAcc(key, this.n)
      this.accs.set(key, acc)
    }
    acc.present[this.idx] = 1
    this.current = acc
    return true
  }

  dbGauge(id: number, count: number, min: number, max: number, sum: number): void {
    const acc = this.current!
    let g = acc.gaugesById[id]
    if (g === undefined) {
      const name = this.db?.metricById[id]?.name
      if (name === undefined) return
      g = acc.gauge(name)
      acc.gaugesById[id] = g
    }
    g.add(this.idx, count, min, max, sum)
  }

  dbCounter(id: number, last: number, increase: number): void {
    const acc = this.current!
    let c = acc.countersById[id]
    if (c === undefined) {
      const name = this.db?.metricById[id]?.name
      if (name === undefined) return
      c = acc.counter(name)
      acc.countersById[id] = c
    }
    c.add(this.idx, last, increase)
  }

  memGauge(name: string, g: GaugeAgg): void {
    this.current!.gauge(name).add(this.idx, g.count, g.min, g.max, g.sum)
  }

  memCounter(name: string, c: CounterAgg): void {
    this.current!.counter(name).add(this.idx, c.last, c.increase)
  }
}
