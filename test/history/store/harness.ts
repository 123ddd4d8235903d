// Shared pieces of the store's tests: temporary data directories on the real disk, a look into
// a closed database file, log capture, and the expected aggregates computed from raw samples.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Duration, type Layer, Logger } from "effect"
import type { HistoryResult } from "../../../src/history/store/engine.ts"
import { HistoryStore, type HistoryStoreSettings } from "../../../src/history/store/HistoryStore.ts"
import type { Sample } from "../../../src/history/store/model.ts"
import { TIERS, type TierName } from "../../../src/history/store/tiers.ts"

const made: Array<string> = []

/** A fresh directory under the system's temp dir (a real disk here: SQLite, WAL and fsync for real). */
export const tempDir = (prefix = "sp-store-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export const removeTempDirs = (): void => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

export const settings = (dataDir: string, overrides: Partial<HistoryStoreSettings> = {}): HistoryStoreSettings => ({
  dataDir,
  // Flushes are explicit unless a test lets the fiber do them: no wake-ups over long clock jumps.
  flushInterval: Duration.days(3650),
  maxSizeBytes: 200_000_000,
  ...overrides
})

export const storeLayer = (dataDir: string, overrides: Partial<HistoryStoreSettings> = {}) =>
  HistoryStore.layerWith(settings(dataDir, overrides))

/** Every log line, as text with its level, for the lines a test expects. */
export const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    const message = Array.isArray(options.message) ? options.message.join(" ") : String(options.message)
    lines.push(`${options.logLevel}: ${message}`)
  })
  return { lines, layer: Logger.layer([logger]) as Layer.Layer<never> }
}

export type StoredBuckets = Readonly<Record<TierName, ReadonlyArray<number>>>

/** The bucket numbers (start / length) each tier holds, in a database file no store holds open. */
export const storedBuckets = (dir: string, file = "history.db"): StoredBuckets => {
  const db = new DatabaseSync(join(dir, file), { readOnly: true })
  try {
    const buckets = (table: string) =>
      (db.prepare(`SELECT bucket FROM ${table} ORDER BY bucket`).all() as Array<{ bucket: number }>).map(
        (r) => r.bucket
      )
    return Object.fromEntries(TIERS.map((t) => [t.name, buckets(t.table)])) as unknown as StoredBuckets
  } finally {
    db.close()
  }
}

export interface Expected {
  readonly count: number
  readonly sum: number
  readonly min: number
  readonly max: number
}

/** Per bucket start: what a gauge's aggregate must be, computed from the raw samples. */
export const expectedGauges = (
  samples: ReadonlyArray<Sample>,
  seriesName: string,
  gauge: string,
  bucketMs: number
): Map<number, Expected> => {
  const out = new Map<number, { count: number; sum: number; min: number; max: number }>()
  for (const s of samples) {
    const v = s.gauges[gauge]
    if (s.series.name !== seriesName || typeof v !== "number") continue
    const b = Math.floor(s.at / bucketMs) * bucketMs
    const e = out.get(b)
    if (e === undefined) out.set(b, { count: 1, sum: v, min: v, max: v })
    else {
      e.count++
      e.sum += v
      e.min = Math.min(e.min, v)
      e.max = Math.max(e.max, v)
    }
  }
  return out
}

/**
 * Per bucket start: a counter's last value and its increase, Prometheus-style, from the raw
 * readings in time order (a decrease is a reset: the new value is the increase).
 */
export const expectedCounter = (
  samples: ReadonlyArray<Sample>,
  seriesName: string,
  counter: string,
  bucketMs: number
): Map<number, { last: number; increase: number }> => {
  const out = new Map<number, { last: number; increase: number }>()
  let previous: number | undefined
  for (const s of samples) {
    const v = s.counters[counter]
    if (s.series.name !== seriesName || typeof v !== "number") continue
    const increase = previous === undefined ? 0 : v >= previous ? v - previous : v
    previous = v
    const b = Math.floor(s.at / bucketMs) * bucketMs
    const e = out.get(b)
    if (e === undefined) out.set(b, { last: v, increase })
    else {
      e.last = v
      e.increase += increase
    }
  }
  return out
}

export interface PointView {
  readonly gauges: Record<string, { min: number; mean: number; max: number; count: number }>
  readonly counters: Record<string, { last: number; increase: number; ratePerSecond: number }>
}

/** A series' columns as one object per point, keyed by the point's time; metrics absent there left out. */
export const pointsOf = (result: HistoryResult, name: string): Map<number, PointView> => {
  const history = result.series.find((s) => s.series.name === name)
  const out = new Map<number, PointView>()
  if (history === undefined) return out
  history.at.forEach((at, k) => {
    const gauges: PointView["gauges"] = {}
    for (const [metric, g] of Object.entries(history.gauges)) {
      if (g.count[k]! > 0) gauges[metric] = { min: g.min[k]!, mean: g.mean[k]!, max: g.max[k]!, count: g.count[k]! }
    }
    const counters: PointView["counters"] = {}
    for (const [metric, c] of Object.entries(history.counters)) {
      if (c.last[k] !== null) {
        counters[metric] = { last: c.last[k]!, increase: c.increase[k]!, ratePerSecond: c.ratePerSecond[k]! }
      }
    }
    out.set(at, { gauges, counters })
  })
  return out
}
