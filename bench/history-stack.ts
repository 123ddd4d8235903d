// The reference stack of issue 14 for bench/history.ts: one host, 10 containers and 4 probes at
// the service's default intervals, with the figures the readings of issue 13 hold per series.
// Imports no store code (types only), so that the idle child without the store loads none.

import type { Sample, Series } from "../src/history/store/model.ts"

export const SECOND = 1000

export type Kind = "gauge" | "counter"
export type Form = "float" | "int" | "flag"
export interface MetricSpec {
  readonly name: string
  readonly kind: Kind
  readonly form: Form
  /** A typical value (gauges) or growth per second (counters). */
  readonly level: number
}

const g = (name: string, form: Form, level: number): MetricSpec => ({ name, kind: "gauge", form, level })
const c = (name: string, level: number): MetricSpec => ({ name, kind: "counter", form: "int", level })

// Raw counters in base units, gauges as read. Floats are full doubles (a CPU share, a
// temperature from millidegrees, a load average): the store's worst case, 8 bytes each.
export const HOST: ReadonlyArray<MetricSpec> = [
  g("cpuPercent", "float", 20),
  g("load1", "float", 0.8),
  g("load5", "float", 0.7),
  g("load15", "float", 0.6),
  g("memoryUsedBytes", "int", 2.5e9),
  g("memoryAvailableBytes", "int", 1.4e9),
  g("swapUsedBytes", "int", 1e8),
  g("temperatureCelsius", "float", 48),
  g("disk:/:usedBytes", "int", 2.1e10),
  g("disk:/data:usedBytes", "int", 3.4e11),
  c("rxBytes", 4e4),
  c("txBytes", 2e4),
  c("diskReadBytes", 5e4),
  c("diskWriteBytes", 8e4),
  c("cpuUserTicks", 40),
  c("cpuSystemTicks", 15)
]
export const CONTAINER: ReadonlyArray<MetricSpec> = [
  g("cpuPercent", "float", 3),
  g("memoryBytes", "int", 1.5e8),
  g("running", "flag", 1),
  g("pids", "int", 12),
  c("cpuNanoseconds", 3e7),
  c("rxBytes", 3e3),
  c("txBytes", 2e3),
  c("blockReadBytes", 1e3),
  c("blockWriteBytes", 4e3)
]
export const PROBE: ReadonlyArray<MetricSpec> = [g("healthy", "flag", 1), g("latencyMs", "float", 12)]
export const PROBES = ["web", "ai-img-validator", "db", "cloudflared"]

export const STACK: ReadonlyArray<{
  readonly series: Series
  readonly metrics: ReadonlyArray<MetricSpec>
  readonly intervalMs: number
}> = [
  { series: { kind: "host", name: "pi" }, metrics: HOST, intervalMs: 5 * SECOND },
  ...Array.from({ length: 10 }, (_, i) => ({
    series: { kind: "container" as const, name: `pi-site-service-${i}` },
    metrics: CONTAINER,
    intervalMs: 10 * SECOND
  })),
  ...PROBES.map((name) => ({ series: { kind: "probe" as const, name }, metrics: PROBE, intervalMs: 30 * SECOND }))
]

// A small seeded generator: the same figures on every run.
let seed = 0x2026_1202
export const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

export const gaugeValue = (m: MetricSpec): number => {
  if (m.form === "flag") return random() < 0.995 ? 1 : 0
  const v = m.level * (0.7 + 0.6 * random())
  return m.form === "int" ? Math.round(v) : v
}

/** Samples of the whole stack as the sampler would take them, counters growing. */
export class LiveStack {
  private readonly totals = new Map<string, number>()
  private last = Number.NaN

  /** The samples due at `at` (a series is due when its interval has passed since the last call). */
  samplesAt(at: number): Array<Sample> {
    const out: Array<Sample> = []
    for (const s of STACK) {
      if (Math.floor(at / s.intervalMs) === Math.floor(this.last / s.intervalMs)) continue
      const gauges: Record<string, number> = {}
      const counters: Record<string, number> = {}
      for (const m of s.metrics) {
        if (m.kind === "gauge") gauges[m.name] = gaugeValue(m)
        else {
          const key = `${s.series.name}/${m.name}`
          const total =
            (this.totals.get(key) ?? Math.round(1e9 * random())) +
            Math.round(m.level * (s.intervalMs / 1000) * 2 * random())
          this.totals.set(key, total)
          counters[m.name] = total
        }
      }
      out.push({ at, series: s.series, gauges, counters })
    }
    this.last = at
    return out
  }
}
