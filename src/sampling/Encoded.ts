import { Schema } from "effect"
import type { CollectorFailure } from "../api/errors.ts"
import { ContainersSection, HostSection, ServicesSection, Stats } from "../api/Stats.ts"
import type { Section } from "../domain/SampleError.ts"
import { renderReadings } from "../views/prometheus.ts"
import { statsView } from "../views/stats.ts"
import type { Readings } from "./Sampler.ts"

// Encode once, serve many: every reader of one set of readings (/stats, each stream client, each
// scrape) gets the same bytes, made the first time one of them asks. Readings nobody reads are
// never encoded, which keeps an idle service idle.

const encodeStats = Schema.encodeSync(Stats)
const encodeSection = {
  host: Schema.encodeSync(HostSection),
  containers: Schema.encodeSync(ContainersSection),
  services: Schema.encodeSync(ServicesSection)
} as const
const utf8 = new TextEncoder()

// A collector that returns figures outside the contract (say, a negative byte count from the
// daemon) costs only its own section: that section is served as a failure naming the field
// everywhere (/stats, the stream, the single-section routes), the rest as is.
const validate = (stats: Stats): { readonly stats: Stats; readonly encoded: unknown } => {
  try {
    return { stats, encoded: encodeStats(stats) }
  } catch {
    const section = <K extends Section>(key: K): Stats[K] => {
      try {
        encodeSection[key](stats[key] as never)
        return stats[key]
      } catch (error) {
        const issue = error instanceof Error ? error.message.split("\n").slice(0, 6).join(" ").slice(0, 400) : ""
        return {
          collector: key,
          reason: "internal",
          error: `the collector returned figures outside the API contract: ${issue}`,
          sampledAt: stats.timestamp
        } satisfies CollectorFailure
      }
    }
    const fixed: Stats = {
      timestamp: stats.timestamp,
      host: section("host"),
      containers: section("containers"),
      services: section("services")
    }
    return { stats: fixed, encoded: encodeStats(fixed) }
  }
}

export class Encoded {
  private valid: ReturnType<typeof validate> | undefined
  private jsonText: string | undefined
  private jsonBytes: Uint8Array | undefined
  private sseFrame: Uint8Array | undefined
  private metricsText: string | undefined

  readonly readings: Readings

  constructor(readings: Readings) {
    this.readings = readings
  }

  private get checked(): ReturnType<typeof validate> {
    if (this.valid === undefined) this.valid = validate(statsView(this.readings))
    return this.valid
  }

  /** The API's JSON of every section, each one its figures or its failure (validated). */
  get stats(): Stats {
    return this.checked.stats
  }

  /** The readings as the JSON of GET /stats. */
  get text(): string {
    if (this.jsonText === undefined) this.jsonText = JSON.stringify(this.checked.encoded)
    return this.jsonText
  }

  get json(): Uint8Array {
    if (this.jsonBytes === undefined) this.jsonBytes = utf8.encode(this.text)
    return this.jsonBytes
  }

  /** The readings as one SSE `message` event (JSON has no raw newline, so one data line). */
  get frame(): Uint8Array {
    if (this.sseFrame === undefined) this.sseFrame = utf8.encode(`data: ${this.text}\n\n`)
    return this.sseFrame
  }

  /** The readings' figures in the Prometheus text format. */
  get metrics(): string {
    if (this.metricsText === undefined) this.metricsText = renderReadings(this.readings)
    return this.metricsText
  }
}

// Keyed by the readings object itself: new readings are a new object, and an old one's bytes
// go with it when nothing holds it any more.
const cache = new WeakMap<Readings, Encoded>()

export const encoded = (readings: Readings): Encoded => {
  let e = cache.get(readings)
  if (e === undefined) {
    e = new Encoded(readings)
    cache.set(readings, e)
  }
  return e
}
