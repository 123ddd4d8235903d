// The store's data model, independent of the API's JSON: a series is what a set of figures
// belongs to (the host, a container by name, a probe), a sample is one reading of its gauges and
// counters, and an aggregate is what a time bucket keeps of them.

export type SeriesKind = "host" | "container" | "probe"
export const SERIES_KINDS: ReadonlyArray<SeriesKind> = ["host", "container", "probe"]

/** Containers are named, not identified: a re-created container continues its series. */
export interface Series {
  readonly kind: SeriesKind
  readonly name: string
}

export interface Sample {
  /** Epoch milliseconds of the reading. */
  readonly at: number
  readonly series: Series
  /** Values that go up and down (CPU %, bytes in use, latency); null when not measured. */
  readonly gauges: Readonly<Record<string, number | null>>
  /** Totals that only grow until they reset (bytes sent, CPU seconds); null when not measured. */
  readonly counters: Readonly<Record<string, number | null>>
}

// A series name or metric name longer than this is refused: names come from Docker and the
// probe list, and one unbounded name would be stored in every row that mentions it.
export const MAX_NAME_LENGTH = 200

export const seriesKey = (series: Series): string => `${series.kind}\u0000${series.name}`

export const seriesOfKey = (key: string): Series => {
  const i = key.indexOf("\u0000")
  return { kind: key.slice(0, i) as SeriesKind, name: key.slice(i + 1) }
}

export const isSeries = (series: unknown): series is Series =>
  typeof series === "object" &&
  series !== null &&
  SERIES_KINDS.includes((series as Series).kind) &&
  typeof (series as Series).name === "string" &&
  (series as Series).name.length > 0 &&
  (series as Series).name.length <= MAX_NAME_LENGTH

/** What a bucket keeps of a gauge: the mean is sum / count, so roll-ups stay exact. */
export interface GaugeAgg {
  count: number
  sum: number
  min: number
  max: number
}

/** What a bucket keeps of a counter: its last value and how much it grew inside the bucket. */
export interface CounterAgg {
  last: number
  increase: number
}

/** One series in one bucket; metrics keyed by name in memory, by dictionary id in the database. */
export interface SeriesAgg<K = string> {
  readonly gauges: Map<K, GaugeAgg>
  readonly counters: Map<K, CounterAgg>
}

export const emptySeriesAgg = <K = string>(): SeriesAgg<K> => ({ gauges: new Map(), counters: new Map() })

export const addGauge = <K>(gauges: Map<K, GaugeAgg>, name: K, value: number): void => {
  const agg = gauges.get(name)
  if (agg === undefined) {
    gauges.set(name, { count: 1, sum: value, min: value, max: value })
    return
  }
  agg.count++
  agg.sum += value
  if (value < agg.min) agg.min = value
  if (value > agg.max) agg.max = value
}

/** Folds `later` into `into`: min of mins, max of maxes, summed counts and sums (a weighted mean). */
export const mergeGauge = (into: GaugeAgg, later: GaugeAgg): void => {
  into.count += later.count
  into.sum += later.sum
  if (later.min < into.min) into.min = later.min
  if (later.max > into.max) into.max = later.max
}

/** Folds a later bucket's counter into an earlier one: the last of lasts, the sum of increases. */
export const mergeCounter = (into: CounterAgg, later: CounterAgg): void => {
  into.last = later.last
  into.increase += later.increase
}

/** Folds a later bucket's aggregates of one series into an earlier one's. */
export const mergeSeriesAgg = <K>(into: SeriesAgg<K>, later: SeriesAgg<K>): void => {
  for (const [name, g] of later.gauges) {
    const agg = into.gauges.get(name)
    if (agg === undefined) into.gauges.set(name, { ...g })
    else mergeGauge(agg, g)
  }
  for (const [name, c] of later.counters) {
    const agg = into.counters.get(name)
    if (agg === undefined) into.counters.set(name, { ...c })
    else mergeCounter(agg, c)
  }
}

/** The last reading of one counter of one series: the baseline of its next increase. */
export interface CounterBaseline {
  value: number
  at: number
}

/**
 * How much a counter grew from `previous` to `value`, the way Prometheus' increase() counts it:
 * a decrease is a reset, after which the new value is what it grew by. Never negative. A reading
 * more than `maxGap` after the previous one adds nothing: what happened in a long gap (the
 * service stopped, the host slept) cannot be placed in any one bucket, and lumping it into the
 * first bucket after the gap would draw a rate that never was.
 */
export const counterIncrease = (previous: CounterBaseline | undefined, value: number, at: number, maxGap: number) => {
  if (previous === undefined || at - previous.at > maxGap) return 0
  return value >= previous.value ? value - previous.value : value
}

/** A gauge value the store keeps: finite numbers only (NaN or Infinity are "not measured"). */
export const isGaugeValue = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v)

/** A counter value the store keeps: finite and not negative. */
export const isCounterValue = (v: number | null | undefined): v is number =>
  typeof v === "number" && Number.isFinite(v) && v >= 0
