// The SQLite file under SYSTEM_PROFILER_DATA_DIR, through node:sqlite (built into Node 24: no
// native add-on to build, so the same code runs on arm64 and in the Alpine image).
//
// Everything here is synchronous, as node:sqlite is: the store calls it from one fiber at a time
// and each call is a short critical section. Failures are returned as a StoreFault (classified
// from SQLite's result code or the errno of a file operation), never thrown.

import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { MalformedChunk } from "./codec.ts"
import {
  DatabaseDamaged,
  DataDirLocked,
  DiskFull,
  DiskReadOnly,
  DiskUnavailable,
  ForeignDatabase,
  SchemaTooNew,
  type StoreFault
} from "./errors.ts"
import type { SeriesKind } from "./model.ts"
import { TIERS, type Tier } from "./tiers.ts"

export const DB_FILE = "history.db"
export const LOCK_FILE = "history.lock"
// "SPrf" in the header's application_id: a file with another id is another program's database.
export const APPLICATION_ID = 0x53507266

// Each migration runs once, in order, in its own transaction with the new user_version.
export const MIGRATIONS: ReadonlyArray<{ readonly version: number; readonly sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('host', 'container', 'probe')),
        name TEXT NOT NULL,
        UNIQUE (kind, name)
      );
      CREATE TABLE metric (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('gauge', 'counter')),
        name TEXT NOT NULL,
        UNIQUE (kind, name)
      );
      -- One ring per tier (tiers.ts): bucket = the bucket's start / its length, slot = bucket
      -- mod the ring's size; data = codec.ts's encoding of every series in the bucket.
      CREATE TABLE tier_1m (slot INTEGER PRIMARY KEY, bucket INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE tier_15m (slot INTEGER PRIMARY KEY, bucket INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE tier_2h (slot INTEGER PRIMARY KEY, bucket INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE tier_1d (slot INTEGER PRIMARY KEY, bucket INTEGER NOT NULL, data BLOB NOT NULL);
    `
  },
  {
    version: 2,
    sql: `
      -- Timestamped records (journal.ts): the container-event timeline and the alert history.
      -- at = milliseconds since the epoch; body = JSON of data already allowlisted by its writer.
      CREATE TABLE journal (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX journal_kind_at ON journal (kind, at);
    `
  }
]
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

// ---------------------------------------------------------------------------------------------
// Faults

interface SqliteError {
  readonly errcode: number
  readonly errstr?: string
  readonly message: string
}

const isSqliteError = (e: unknown): e is SqliteError =>
  typeof e === "object" && e !== null && typeof (e as SqliteError).errcode === "number"

const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : undefined

const ownerHint = (path: string): string => {
  try {
    const st = statSync(path)
    const me = process.getuid === undefined ? "" : `; the service runs as ${process.getuid()}:${process.getgid?.()}`
    return `, owned by ${st.uid}:${st.gid}${me}`
  } catch {
    return ""
  }
}

/** A failed file operation (mkdir, rename, write) as a fault about `path`. */
export const fileFault = (path: string, e: unknown): StoreFault => {
  const code = errnoOf(e) ?? "unknown error"
  switch (code) {
    case "EROFS":
      return new DiskReadOnly({ path, detail: "read-only file system" })
    case "ENOSPC":
    case "EDQUOT":
      return new DiskFull({ path, detail: code === "ENOSPC" ? "no space left on device" : "disk quota exceeded" })
    case "EACCES":
    case "EPERM":
      return new DiskUnavailable({ path, detail: `permission denied${ownerHint(path)}` })
    default:
      return new DiskUnavailable({ path, detail: code })
  }
}

/** Whether the directory takes writes now; a fault naming why not. */
export const probeDirectory = (dir: string): StoreFault | undefined => {
  try {
    accessSync(dir, constants.W_OK)
    return undefined
  } catch (e) {
    return fileFault(dir, e)
  }
}

const probeFile = (path: string): StoreFault | undefined => {
  try {
    accessSync(path, constants.R_OK | constants.W_OK)
    return undefined
  } catch (e) {
    return fileFault(path, e)
  }
}

export const readHolder = (dir: string): string => {
  try {
    const text = readFileSync(join(dir, LOCK_FILE), "utf8").slice(0, 300).trim()
    return text === "" ? "an unknown process" : text
  } catch {
    return `an unknown process; ${LOCK_FILE} is missing`
  }
}

/** A failed SQLite call as a fault; an I/O error is refined by probing the directory. */
export const sqliteFault = (dir: string, e: unknown): StoreFault => {
  const path = join(dir, DB_FILE)
  if (e instanceof MalformedChunk) return new DatabaseDamaged({ path, detail: `a row does not decode: ${e.message}` })
  if (!isSqliteError(e)) return new DiskUnavailable({ path, detail: e instanceof Error ? e.message : String(e) })
  const detail = e.errstr ?? e.message
  switch (e.errcode & 0xff) {
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
      return new DataDirLocked({ path, holder: readHolder(dir) })
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
      return new DatabaseDamaged({ path, detail })
    case 8: // SQLITE_READONLY
      return probeDirectory(dir) ?? new DiskReadOnly({ path, detail })
    case 13: // SQLITE_FULL
      return new DiskFull({ path, detail })
    default: // SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PERM...: the directory usually says why
      return probeDirectory(dir) ?? new DiskUnavailable({ path, detail })
  }
}

// ---------------------------------------------------------------------------------------------
// The open database

export type MetricKind = "gauge" | "counter"

export const metricKey = (kind: MetricKind, name: string): string => `${kind === "gauge" ? "g" : "c"}:${name}`

interface TierStatements {
  readonly range: StatementSync
  readonly rangeAll: StatementSync
  readonly put: StatementSync
  readonly get: StatementSync
  readonly latest: StatementSync
  readonly deleteBefore: StatementSync
  readonly byAge: StatementSync
  readonly deleteSlot: StatementSync
}

export interface JournalRow {
  readonly id: number
  readonly at: number
  readonly body: string
}

export interface StoredBucket {
  readonly bucket: number
  readonly data: Uint8Array
}

const mod = (x: number, n: number) => ((x % n) + n) % n

export class Database {
  readonly seriesIds = new Map<string, number>()
  readonly seriesById: Array<string | undefined> = []
  readonly metricIds = new Map<string, number>()
  readonly metricById: Array<{ readonly kind: MetricKind; readonly name: string } | undefined> = []
  /**
   * Per tier (by index): every bucket ending at or before this is rolled up and written (tier 0,
   * written as samples come, is unused). Read from the newest bucket of each tier at open.
   */
  readonly done: [number, number, number, number] = [0, 0, 0, 0]
  private readonly tiers: ReadonlyArray<TierStatements>
  readonly insertSeries: StatementSync
  readonly insertMetric: StatementSync
  readonly pageSize: number
  private readonly journalInsert: StatementSync
  private readonly journalNewest: StatementSync
  private readonly journalExpire: StatementSync
  private readonly journalTrim: StatementSync

  readonly sqlite: DatabaseSync
  readonly dir: string
  readonly path: string

  constructor(sqlite: DatabaseSync, dir: string, path: string) {
    this.sqlite = sqlite
    this.dir = dir
    this.path = path
    const tier = (t: Tier): TierStatements => ({
      range: sqlite.prepare(
        `SELECT bucket, data FROM ${t.table} WHERE slot >= ? AND slot <= ? AND bucket >= ? AND bucket < ? ORDER BY slot`
      ),
      rangeAll: sqlite.prepare(`SELECT bucket, data FROM ${t.table} WHERE bucket >= ? AND bucket < ? ORDER BY bucket`),
      put: sqlite.prepare(
        `INSERT INTO ${t.table} (slot, bucket, data) VALUES (?, ?, ?) ` +
          "ON CONFLICT (slot) DO UPDATE SET bucket = excluded.bucket, data = excluded.data"
      ),
      get: sqlite.prepare(`SELECT data FROM ${t.table} WHERE slot = ? AND bucket = ?`),
      latest: sqlite.prepare(`SELECT bucket, data FROM ${t.table} ORDER BY bucket DESC LIMIT 1`),
      deleteBefore: sqlite.prepare(`DELETE FROM ${t.table} WHERE bucket < ?`),
      byAge: sqlite.prepare(`SELECT slot, bucket FROM ${t.table} ORDER BY bucket`),
      deleteSlot: sqlite.prepare(`DELETE FROM ${t.table} WHERE slot = ?`)
    })
    this.tiers = TIERS.map(tier)
    this.insertSeries = sqlite.prepare("INSERT INTO series (kind, name) VALUES (?, ?) RETURNING id")
    this.insertMetric = sqlite.prepare("INSERT INTO metric (kind, name) VALUES (?, ?) RETURNING id")
    this.pageSize = Number((sqlite.prepare("PRAGMA page_size").get() as { page_size: number }).page_size)
    this.journalInsert = sqlite.prepare("INSERT INTO journal (kind, at, body) VALUES (?, ?, ?)")
    // (kind, at) is the index's key and id its rowid: both orders below are walks of the index.
    this.journalNewest = sqlite.prepare(
      "SELECT id, at, body FROM journal WHERE kind = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?"
    )
    // Deletions go by batches of at most `limit` rows, so one pass stays short whatever is due.
    this.journalExpire = sqlite.prepare(
      "DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE kind = ? AND at < ? ORDER BY at LIMIT ?)"
    )
    this.journalTrim = sqlite.prepare(
      "DELETE FROM journal WHERE id IN " +
        "(SELECT id FROM journal WHERE kind = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?)"
    )
    for (const row of sqlite.prepare("SELECT id, kind, name FROM series").all() as Array<{
      id: number
      kind: SeriesKind
      name: string
    }>) {
      const key = `${row.kind}\u0000${row.name}`
      this.seriesIds.set(key, row.id)
      this.seriesById[row.id] = key
    }
    for (const row of sqlite.prepare("SELECT id, kind, name FROM metric").all() as Array<{
      id: number
      kind: MetricKind
      name: string
    }>) {
      this.metricIds.set(metricKey(row.kind, row.name), row.id)
      this.metricById[row.id] = { kind: row.kind, name: row.name }
    }
    for (let i = 1; i < TIERS.length; i++) {
      const newest = this.latest(i)
      if (newest !== undefined) this.done[i] = (newest.bucket + 1) * TIERS[i]!.bucketMs
    }
  }

  /** The buckets of tier `i` with index in [lo, hi), oldest first. */
  range(i: number, lo: number, hi: number): Array<StoredBucket> {
    if (hi <= lo) return []
    const slots = TIERS[i]!.slots
    // Wider than the ring: every row may be in it, in any slot order.
    if (hi - lo > slots) return this.tiers[i]!.rangeAll.all(lo, hi) as unknown as Array<StoredBucket>
    // Within one turn of the ring, slot order is bucket order, from lo's slot on (wrapping).
    const statement = this.tiers[i]!.range
    const s0 = mod(lo, slots)
    const s1 = mod(hi - 1, slots)
    if (s0 <= s1) return statement.all(s0, s1, lo, hi) as unknown as Array<StoredBucket>
    return [
      ...(statement.all(s0, slots - 1, lo, hi) as unknown as Array<StoredBucket>),
      ...(statement.all(0, s1, lo, hi) as unknown as Array<StoredBucket>)
    ]
  }

  /** Writes bucket `bucket` of tier `i` over whatever its row held (a bucket one ring older). */
  put(i: number, bucket: number, data: Uint8Array): void {
    this.tiers[i]!.put.run(mod(bucket, TIERS[i]!.slots), bucket, data)
  }

  get(i: number, bucket: number): Uint8Array | undefined {
    return (this.tiers[i]!.get.get(mod(bucket, TIERS[i]!.slots), bucket) as { data: Uint8Array } | undefined)?.data
  }

  latest(i: number): StoredBucket | undefined {
    return this.tiers[i]!.latest.get() as StoredBucket | undefined
  }

  deleteBefore(i: number, bucket: number): void {
    this.tiers[i]!.deleteBefore.run(bucket)
  }

  /** Every row of tier `i` as (slot, bucket), oldest bucket first. */
  byAge(i: number): Array<{ readonly slot: number; readonly bucket: number }> {
    return this.tiers[i]!.byAge.all() as Array<{ slot: number; bucket: number }>
  }

  deleteSlot(i: number, slot: number): void {
    this.tiers[i]!.deleteSlot.run(slot)
  }

  appendJournal(kind: string, at: number, body: string): void {
    this.journalInsert.run(kind, at, body)
  }

  /** The newest `limit` records of `kind` at or after `from`, newest first. */
  journalNewestFirst(kind: string, from: number, limit: number): Array<JournalRow> {
    return this.journalNewest.all(kind, from, limit) as unknown as Array<JournalRow>
  }

  /** Deletes at most `limit` records of `kind` older than `before`; how many went. */
  expireJournal(kind: string, before: number, limit: number): number {
    return Number(this.journalExpire.run(kind, before, limit).changes)
  }

  /** Deletes at most `limit` records of `kind` beyond its newest `keep`; how many went. */
  trimJournal(kind: string, keep: number, limit: number): number {
    return Number(this.journalTrim.run(kind, limit, keep).changes)
  }

  /** Bytes the database's pages hold, free pages left out: what the size cap measures. */
  usedBytes(): number {
    const pages = (this.sqlite.prepare("PRAGMA page_count").get() as { page_count: number }).page_count
    const free = (this.sqlite.prepare("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count
    return (pages - free) * this.pageSize
  }

  close(): void {
    try {
      if (this.sqlite.isOpen) this.sqlite.close()
    } catch {
      // Closing checkpoints the WAL; a disk that fails it keeps the WAL for the next open.
    }
  }
}

export interface OpenOptions {
  /** SQLite's page cache for this connection, in KiB. */
  readonly cacheKiB: number
}

const runMigrations = (sqlite: DatabaseSync, path: string): StoreFault | undefined => {
  const version = (sqlite.prepare("PRAGMA user_version").get() as { user_version: number }).user_version
  const appId = (sqlite.prepare("PRAGMA application_id").get() as { application_id: number }).application_id
  const tables = (sqlite.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n
  if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) return new ForeignDatabase({ path })
  if (version > SCHEMA_VERSION) return new SchemaTooNew({ path, found: version, supported: SCHEMA_VERSION })
  for (const m of MIGRATIONS) {
    if (m.version <= version) continue
    sqlite.exec("BEGIN")
    try {
      sqlite.exec(m.sql)
      sqlite.exec(`PRAGMA user_version = ${m.version}`)
      sqlite.exec(`PRAGMA application_id = ${APPLICATION_ID}`)
      sqlite.exec("COMMIT")
    } catch (e) {
      if (sqlite.isTransaction) sqlite.exec("ROLLBACK")
      throw e
    }
  }
  return undefined
}

/**
 * Opens (creating when needed) the database in `dir`, takes its lock, migrates it. The lock is
 * SQLite's own: in EXCLUSIVE locking mode the connection holds an exclusive POSIX lock on the
 * file from its first read until it closes, and the kernel drops it when the process dies, even
 * by SIGKILL. Unlike a pid file it cannot go stale, and it works across PID namespaces (two
 * containers on one volume both run as pid 1). history.lock only says who holds it.
 */
export const openDatabase = (dir: string, options: OpenOptions): Database | StoreFault => {
  const path = join(dir, DB_FILE)
  try {
    mkdirSync(dir, { recursive: true })
  } catch (e) {
    return fileFault(dir, e)
  }
  // SQLite opens a file it cannot write read-only, without a word: ask first, so that a
  // read-only disk or a file of another user is named now rather than at the first flush.
  const unwritable = probeDirectory(dir) ?? (existsSync(path) ? probeFile(path) : undefined)
  if (unwritable !== undefined) return unwritable
  let sqlite: DatabaseSync | undefined
  try {
    sqlite = new DatabaseSync(path)
    // Before the first read: no -shm file and no shared memory, and the lock is exclusive.
    sqlite.exec("PRAGMA locking_mode = EXCLUSIVE")
    const mode = (sqlite.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string }).journal_mode
    if (mode !== "wal") {
      sqlite.close()
      return probeDirectory(dir) ?? new DiskUnavailable({ path, detail: `cannot switch to WAL (journal mode ${mode})` })
    }
    // FULL: each flush is on the disk when it commits, so a power cut loses at most one flush
    // interval; one fsync per flush costs nothing at these intervals.
    sqlite.exec("PRAGMA synchronous = FULL")
    sqlite.exec(`PRAGMA cache_size = -${options.cacheKiB}`)
    // The store checkpoints hourly itself (see HistoryStore); SQLite's own trigger stays as a
    // bound should those fail. After a checkpoint the WAL is cut back to 4 MiB at most.
    sqlite.exec("PRAGMA wal_autocheckpoint = 1000")
    sqlite.exec("PRAGMA journal_size_limit = 4194304")
    const fault = runMigrations(sqlite, path)
    if (fault !== undefined) {
      sqlite.close()
      return fault
    }
    const database = new Database(sqlite, dir, path)
    writeHolder(dir)
    return database
  } catch (e) {
    try {
      sqlite?.close()
    } catch {
      // already failing
    }
    return sqliteFault(dir, e)
  }
}

const writeHolder = (dir: string): void => {
  try {
    writeFileSync(join(dir, LOCK_FILE), `pid ${process.pid} on ${hostname()} since ${new Date().toISOString()}\n`, {
      mode: 0o644
    })
  } catch {
    // Only informative: the lock itself is SQLite's.
  }
}

export const removeHolder = (dir: string): void => {
  rmSync(join(dir, LOCK_FILE), { force: true })
}

/**
 * Renames a damaged database (and its WAL) to history.db.corrupt-<time>, keeping it for a
 * post-mortem, so that a fresh one can start. Returns the new name, or the fault that stopped it.
 */
export const moveAside = (dir: string, now: Date): string | StoreFault => {
  const path = join(dir, DB_FILE)
  const aside = `${path}.corrupt-${now.toISOString().replace(/[:.]/g, "-")}`
  try {
    renameSync(path, aside)
    for (const suffix of ["-wal", "-shm"]) {
      try {
        renameSync(`${path}${suffix}`, `${aside}${suffix}`)
      } catch (e) {
        if (errnoOf(e) !== "ENOENT") throw e
      }
    }
    return aside
  } catch (e) {
    return fileFault(dir, e)
  }
}
