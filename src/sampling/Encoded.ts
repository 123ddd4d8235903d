import { Schema } from "effect"
import type { CollectorFailure, CollectorName } from "../api/errors.ts"
import { ContainersSection, HostSection, ServicesSection, Stats } from "../api/Stats.ts"
import { renderSnapshot } from "../metrics/render.ts"

// Encode once, serve many: every reader of one snapshot (/stats, each stream client, each
// scrape) gets the same bytes, made the first time one of them asks. A snapshot nobody reads
// is never encoded, which keeps an idle service idle.

const encodeStats = Schema.encodeSync(Stats)
const encodeSection = {
  host: Schema.encodeSync(HostSection),
  containers: Schema.encodeSync(ContainersSection),
  services: Schema.encodeSync(ServicesSection)
} as const
const utf8 = new TextEncoder()

// A collector that returns figures outside the contract (say, a negative byte count) is a bug,
// but it must cost only its own section: that section is served as a failure everywhere
// (/stats, the stream, /metrics), the rest as is.
const validate = (stats: Stats): { readonly stats: Stats; readonly encoded: unknown } => {
  try {
    return { stats, encoded: encodeStats(stats) }
  } catch {
    const section = <K extends CollectorName>(key: K): Stats[K] => {
      try {
        encodeSection[key](stats[key] as never)
        return stats[key]
      } catch {
        return {
          collector: key,
          reason: "internal",
          error: "the collector returned figures outside the API contract",
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

  readonly stats: Stats

  constructor(stats: Stats) {
    this.stats = stats
  }

  private get checked(): ReturnType<typeof validate> {
    if (this.valid === undefined) this.valid = validate(this.stats)
    return this.valid
  }

  /** The snapshot as the JSON of GET /stats. */
  get text(): string {
    if (this.jsonText === undefined) this.jsonText = JSON.stringify(this.checked.encoded)
    return this.jsonText
  }

  get json(): Uint8Array {
    if (this.jsonBytes === undefined) this.jsonBytes = utf8.encode(this.text)
    return this.jsonBytes
  }

  /** The snapshot as one SSE `message` event (JSON has no raw newline, so one data line). */
  get frame(): Uint8Array {
    if (this.sseFrame === undefined) this.sseFrame = utf8.encode(`data: ${this.text}\n\n`)
    return this.sseFrame
  }

  /** The snapshot's figures in the Prometheus text format. */
  get metrics(): string {
    if (this.metricsText === undefined) this.metricsText = renderSnapshot(this.checked.stats)
    return this.metricsText
  }
}

// Keyed by the snapshot object itself: a new snapshot is a new object, and an old one's bytes
// go with it when nothing holds it any more.
const cache = new WeakMap<Stats, Encoded>()

export const encoded = (stats: Stats): Encoded => {
  let e = cache.get(stats)
  if (e === undefined) {
    e = new Encoded(stats)
    cache.set(stats, e)
  }
  return e
}
