// The tiers of stored history, and how a query's window and step are read and planned.

import { InvalidHistoryQuery } from "./errors.ts"

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export type TierName = "1m" | "15m" | "2h" | "1d"

export interface Tier {
  readonly name: TierName
  readonly table: string
  /** The time one aggregate covers. */
  readonly bucketMs: number
  /** A bucket is kept this long after it ends... */
  readonly retentionMs: number
  /** ...so the table is a ring of this many rows: bucket b lives in row b mod slots. */
  readonly slots: number
}

const tier = (name: TierName, bucketMs: number, retentionMs: number): Tier => ({
  name,
  table: `tier_${name}`,
  bucketMs,
  retentionMs,
  slots: retentionMs / bucketMs
})

// One bucket per row, every series of the bucket packed in it (codec.ts). Each table is a ring:
// a new bucket overwrites the row of the bucket one retention older, in place, so a flush
// rewrites the pages of the rows it writes and nothing else (no free-list, header or B-tree
// reshaping as appends and deletes would cause), and the file stops growing once full.
// The day tier answers only: it is a roll-up of the 2-hour one, kept as long, so that a year
// in whole-day steps reads 365 rows.
export const TIERS: readonly [Tier, Tier, Tier, Tier] = [
  tier("1m", MINUTE, 2 * DAY),
  tier("15m", 15 * MINUTE, 90 * DAY),
  tier("2h", 2 * HOUR, 730 * DAY),
  tier("1d", DAY, 730 * DAY)
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
  return { tier: TIERS[tierIndex]!, tierIndex, windowMs, stepMs, sourceIndex }
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
