// The journal: timestamped records beside the aggregates, each kind with its own retention and
// count cap (the container-event timeline, the alert history). Records are appended to memory
// and written by the store's flush, in the same transaction as the aggregates: one commit, one
// fsync per flush interval whatever the event rate, which is the SD card's write budget.
// Retention and the cap run with the hourly maintenance, by bounded batches.

export const JOURNAL_KINDS = ["event", "alert"] as const
export type JournalKind = (typeof JOURNAL_KINDS)[number]

export const isJournalKind = (s: unknown): s is JournalKind => s === "event" || s === "alert"

export interface JournalLimits {
  /** Records older than this (by their `at`, from the clock's now) are deleted and never returned. */
  readonly retentionMs: number
  /** The most records kept; the oldest beyond it go at the next maintenance. */
  readonly capacity: number
}

const DAY = 86_400_000

/**
 * 30 days for both: a month answers "what happened while I was away" and matches the longest
 * uptime window but one; with the caps the journal stays small beside the aggregates (a body is
 * a few hundred bytes), and a crash loop (a start, a
 * die and a restart every few seconds) pushes out old records rather than growing the file. The
 * event cap is the timeline's in-memory read cache (EventStore), so the cache holds all the
 * stored timeline; GET /alerts shows the newest 200 of the alert history.
 */
export const DEFAULT_JOURNAL_LIMITS: Readonly<Record<JournalKind, JournalLimits>> = {
  event: { retentionMs: 30 * DAY, capacity: 10_000 },
  alert: { retentionMs: 30 * DAY, capacity: 1_000 }
}

/** The longest body, in UTF-8 bytes: an allowlisted event or transition is well under 2 KiB. */
export const MAX_BODY_BYTES = 8192

/** The most records one maintenance pass deletes per kind and per reason; the rest wait an hour. */
export const DELETE_BATCH = 5_000

export interface JournalRecord {
  /** Milliseconds since the epoch. */
  readonly at: number
  /** JSON text. */
  readonly body: string
}

/**
 * Records appended and not yet written, per kind, in arrival order. At most `keep` per kind: in
 * normal operation a flush empties it long before, while the disk fails it is the bounded tail
 * kept in memory (the oldest go first, counted in `dropped`).
 */
export class PendingJournal {
  private readonly byKind = new Map<JournalKind, Array<JournalRecord>>()
  dropped = 0
  readonly keep: number

  constructor(keep: number) {
    this.keep = Math.max(1, keep)
  }

  push(kind: JournalKind, record: JournalRecord): void {
    let records = this.byKind.get(kind)
    if (records === undefined) {
      records = []
      this.byKind.set(kind, records)
    }
    records.push(record)
    if (records.length > this.keep) {
      records.splice(0, records.length - this.keep)
      this.dropped++
    }
  }

  get size(): number {
    let n = 0
    for (const records of this.byKind.values()) n += records.length
    return n
  }

  of(kind: JournalKind): ReadonlyArray<JournalRecord> {
    return this.byKind.get(kind) ?? []
  }

  entries(): IterableIterator<[JournalKind, ReadonlyArray<JournalRecord>]> {
    return this.byKind.entries()
  }

  clear(): void {
    this.byKind.clear()
  }

  /** Drops what is past its kind's retention at `now`; how many went. */
  expire(limits: Readonly<Record<JournalKind, JournalLimits>>, now: number): number {
    let n = 0
    for (const [kind, records] of this.byKind) {
      const floor = now - limits[kind].retentionMs
      const kept = records.filter((r) => r.at >= floor)
      n += records.length - kept.length
      this.byKind.set(kind, kept)
    }
    return n
  }
}
