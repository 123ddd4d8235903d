// The tiers of stored history, and how a query's window and step are read and planned.

import { InvalidHistoryQuery } from "./errors.ts"

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export type TierName = "1m" | "15m" | "2h"

export interface Tier {
  readonly name: TierName
  readonly table: string
  /** The time one aggregate covers. */
  readonly bucketMs: number
  /** The time one row covers: a row holds chunkMs / bucketMs consecutive buckets. */
  readonly chunkMs: number
  /** A bucket is deleted once it ended this long ago (rows go whole: up to one chunk later). */
  readonly retentionMs: number
}

// 1-minute buckets one per row: the open minute is rewritten at every flush, so it must stay a
// small row. 15-minute buckets 8 to a row (2 h, which is exactly one bucket of the next tier);
// 2-hour buckets 12 to a row (a day): a 2-year query reads 730 rows.
export const TIERS: readonly [Tier, Tier, Tier] = [
  { name: "1m", table: "tier_1m", bucketMs: MINUTE, chunkMs: MINUTE, retentionMs: 2 * DAY },
  { name: "15m", table: "tier_15m", bucketMs: 15 * MINUTE, chunkMs: 2 * HOUR, retentionMs: 90 * DAY },
  { name: "2h", table: "tier_2h", bucketMs: 2 * HOUR, chunkMs: DAY, retentionMs: 730 * DAY }
]

/** Points per series a query returns when it names no step. */
export const DEFAULT_POINTS = 500
/** The most points per series a query may ask for with `step`. */
export const MAX_POINTS = 5000
export const MIN_WINDOW_MS = MINUTE
export const MAX_WINDOW_MS = TIERS[2].retentionMs

const UNIT_MS: Record<string, number> = { s: 1000, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY, y: 365 * DAY }
const DURATION_FORMAT = "a whole number and a unit: s, m, h, d, w or y (365 days), such as 30m, 6h, 7d or 2y"

/** "90s", "15m", "7d", "2y" as milliseconds; undefined when it is not such a duration. */
export const parseSpan = (raw: string): number | undefined => {
  const m = /^(\d{1,9})(s|m|h|d|w|y)$/.exec(raw.trim())
  if (m === null) return undefined
  return Number(m[1]) * (UNIT_MS[m[2]!] ?? Number.NaN)
}

/** The shortest exact spelling of a span, for messages: 7200000 -> "2h". */
export const formatSpan = (ms: number): string => {
  for (const unit of ["y", "w", "d", "h", "m", "s"]) {
    const size = UNIT_MS[unit]!
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

export interface Plan {
  /** The finest tier that holds the whole window: the resolution of the answer. */
  readonly tier: Tier
  readonly tierIndex: number
  readonly windowMs: number
  readonly stepMs: number
  /**
   * The coarsest tier whose buckets divide the step: the same figures as the finer tiers (the
   * roll-ups are exact) for less to read. A 2-year answer reads 730 rows, not 8760.
   */
  readonly sourceIndex: number
  /** The step is whole days: each 2-hour row's day summary stands for its 12 buckets. */
  readonly daySummaries: boolean
}

// Steps a default can take: divisors of a day, then whole days, so that points fall on round
// times and long windows can be read from coarse rows (see Plan.sourceIndex).
const NICE_STEPS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720].map((m) => m * MINUTE)

/** The smallest nice multiple of `bucket` that keeps `windowMs` (and a partial first step) within `points`. */
const niceStep = (windowMs: number, bucket: number, points: number): number => {
  const fits = (step: number) => Math.ceil(windowMs / step) + 1 <= points
  const divisor = NICE_STEPS.find((step) => step % bucket === 0 && fits(step))
  if (divisor !== undefined) return divisor
  return DAY * Math.max(1, Math.ceil(windowMs / ((points - 1) * DAY)))
}

const planOf = (tierIndex: number, windowMs: number, stepMs: number): Plan => {
  let sourceIndex = tierIndex
  while (sourceIndex + 1 < TIERS.length && stepMs % TIERS[sourceIndex + 1]!.bucketMs === 0) sourceIndex++
  const source = TIERS[sourceIndex]!
  return {
    tier: TIERS[tierIndex]!,
    tierIndex,
    windowMs,
    stepMs,
    sourceIndex,
    daySummaries: sourceIndex === TIERS.length - 1 && stepMs % source.chunkMs === 0
  }
}

const shown = (raw: string) => (raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)

/** Reads `window` and `step` as a query gives them; a bad value is an error naming what is accepted. */
export const planQuery = (window: string, step: string | undefined): Plan | InvalidHistoryQuery => {
  const windowMs = parseSpan(window)
  const windowAccepts = `${DURATION_FORMAT}, from ${formatSpan(MIN_WINDOW_MS)} to ${formatSpan(MAX_WINDOW_MS)}`
  if (windowMs === undefined) {
    return new InvalidHistoryQuery({
      parameter: "window",
      accepts: windowAccepts,
      problem: `"${shown(window)}" is not a duration`
    })
  }
  if (windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS) {
    return new InvalidHistoryQuery({
      parameter: "window",
      accepts: windowAccepts,
      problem: `${window} is out of range`
    })
  }
  const tierIndex = TIERS.findIndex((t) => t.retentionMs >= windowMs)
  const tier = TIERS[tierIndex]!
  const bucket = tier.bucketMs
  if (step === undefined) return planOf(tierIndex, windowMs, niceStep(windowMs, bucket, DEFAULT_POINTS))
  const finest = bucket * Math.max(1, Math.ceil(windowMs / (MAX_POINTS * bucket)))
  const stepAccepts =
    `a multiple of ${formatSpan(bucket)} (the resolution kept over ${formatSpan(windowMs)}) from ` +
    `${formatSpan(finest)} (at most ${MAX_POINTS} points) to the window, ${DURATION_FORMAT}`
  const stepMs = parseSpan(step)
  if (stepMs === undefined) {
    return new InvalidHistoryQuery({
      parameter: "step",
      accepts: stepAccepts,
      problem: `"${shown(step)}" is not a duration`
    })
  }
  if (stepMs % bucket !== 0 || stepMs < finest || stepMs > windowMs) {
    return new InvalidHistoryQuery({ parameter: "step", accepts: stepAccepts, problem: `${step} is not one of them` })
  }
  return planOf(tierIndex, windowMs, stepMs)
}
