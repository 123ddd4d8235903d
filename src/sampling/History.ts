import { Cause, Clock, Context, Duration, Effect, Layer, Result, Schema, Stream } from "effect"
import {
  ContainersPoint,
  type HistoryPoint,
  HostPoint,
  InvalidQuery,
  ServicesPoint,
  WINDOW_FORMAT
} from "../api/History.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { parseDuration } from "../config/duration.ts"
import type { HostReading } from "../domain/HostReading.ts"
import {
  accumulateNetwork,
  containersPointOf,
  hostPointOf,
  type NetworkTotals,
  pointTime,
  servicesPointOf
} from "../views/history.ts"
import { Ring } from "./Ring.ts"
import { type Readings, Sampler } from "./Sampler.ts"

export interface HistorySettingsShape {
  /** The most points kept, whatever the window and interval. */
  readonly maxPoints: number
  /** The most characters of encoded points kept: the memory bound (2 bytes a character at worst). */
  readonly maxChars: number
}

// 24 h at the default 5 s host interval; 4 Mi characters is at most 8 MiB of strings, and about
// 5 times what an hour of a 10-container, 4-probe host takes.
export class HistorySettings extends Context.Reference<HistorySettingsShape>(
  "system-profiler/sampling/HistorySettings",
  {
    defaultValue: () => ({ maxPoints: 17_280, maxChars: 4 * 1024 * 1024 })
  }
) {}

export interface HistoryShape {
  /** The JSON body of GET /history for a window such as "15m"; the whole kept window by default. */
  readonly read: (window: string | undefined) => Effect.Effect<string, InvalidQuery>
  /** Points kept now, and their characters. */
  readonly size: Effect.Effect<{ readonly points: number; readonly chars: number }>
  readonly capacity: number
}

export class History extends Context.Service<History, HistoryShape>()("system-profiler/sampling/History") {
  static readonly layer = Layer.effect(
    History,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const sampler = yield* Sampler
      const settings = yield* HistorySettings
      const kept = config.historyWindow
      const interval = config.intervals.host
      // One point per host sample: "1 hour at the sampling interval", and never more than the cap.
      const capacity = Math.min(
        settings.maxPoints,
        Math.max(1, Math.ceil(Duration.toMillis(kept) / Duration.toMillis(interval)))
      )
      const ring = new Ring(capacity, settings.maxChars)

      // One point per host sample. Before the first one there is nothing to draw, so nothing is kept.
      let lastHost: Readings["host"] | undefined
      let totals: NetworkTotals | undefined
      let totalsOf: HostReading | undefined
      let lastDropped = ""
      let containersSeen: Readings["containers"] | undefined
      let containersJson: SectionJson = sectionJson("containers", null)
      let servicesSeen: Readings["services"] | undefined
      let servicesJson: SectionJson = sectionJson("services", null)
      const record = (r: Readings) =>
        Effect.suspend(() => {
          if (r.host === lastHost) return Effect.void
          lastHost = r.host
          const host = r.host.current
          if (Result.isFailure(host) && host.failure.reason._tag === "NotSampledYet") return Effect.void
          if (Result.isSuccess(host)) {
            totals = accumulateNetwork(totals, totalsOf, host.success)
            totalsOf = host.success
          }
          // The containers and the probes change less often than the host, and a point is made at
          // every host reading: their JSON is made again only when the sampler replaced them.
          if (r.containers !== containersSeen) {
            containersJson = sectionJson("containers", containersPointOf(r))
            containersSeen = r.containers
          }
          if (r.services !== servicesSeen) {
            servicesJson = sectionJson("services", servicesPointOf(r))
            servicesSeen = r.services
          }
          const hostJson = sectionJson("host", hostPointOf(r, totals))
          const timestamp = pointTime(r)
          ring.push(
            Date.parse(timestamp),
            `{"timestamp":"${timestamp}","host":${hostJson.json},` +
              `"containers":${containersJson.json},"services":${servicesJson.json}}`
          )
          const dropped = [hostJson, containersJson, servicesJson].flatMap((x) => (x.dropped ? [x.section] : []))
          const now = dropped.join(",")
          if (now === lastDropped) return Effect.void
          // Logged when it starts and when it ends, never at every point.
          const log =
            now === ""
              ? Effect.logInfo("history points whole again").pipe(Effect.annotateLogs({ sections: lastDropped }))
              : Effect.logWarning("history points without sections outside the API contract").pipe(
                  Effect.annotateLogs({ sections: now })
                )
          lastDropped = now
          return log
        }).pipe(
          // Figures outside the contract cost one point, never the history.
          Effect.catchCause((cause) => Effect.logWarning("history point dropped", Cause.pretty(cause)))
        )

      yield* sampler.changes.pipe(Stream.runForEach(record), Effect.forkScoped)

      const head = `{"intervalSeconds":${Duration.toMillis(interval) / 1000},"capacity":${capacity},`

      const read = (window: string | undefined) =>
        Effect.gen(function* () {
          const ms = window === undefined ? Duration.toMillis(kept) : parseWindow(window, kept)
          if (typeof ms !== "number") return yield* ms
          const now = yield* Clock.currentTimeMillis
          return `${head}"windowSeconds":${ms / 1000},"points":[${ring.since(now - ms).join(",")}]}`
        })

      return History.of({
        read,
        size: Effect.sync(() => ({ points: ring.size, chars: ring.totalChars })),
        capacity
      })
    })
  )
}

/** Parses a window such as "90s", "15m", "1h" (a bare number is seconds), at most `max`. */
const parseWindow = (raw: string, max: Duration.Duration): number | InvalidQuery => {
  const ms = parseDuration(raw, "s")
  if (ms === undefined) return new InvalidQuery({ error: `window must be ${WINDOW_FORMAT}; got "${raw.slice(0, 40)}"` })
  if (ms <= 0) return new InvalidQuery({ error: "window must be longer than zero" })
  if (ms > Duration.toMillis(max)) {
    return new InvalidQuery({
      error: `window must be at most ${Duration.format(max)}, the history kept in memory; source=stored reads up to 2y`
    })
  }
  return ms
}

const encoders = {
  host: Schema.encodeSync(HostPoint),
  containers: Schema.encodeSync(ContainersPoint),
  services: Schema.encodeSync(ServicesPoint)
} as const

interface SectionJson {
  readonly section: keyof typeof encoders
  /** The section's JSON in a point, "null" when it has none or it was dropped. */
  readonly json: string
  readonly dropped: boolean
}

/**
 * A point's section encoded on its own: figures outside the contract in one section (a negative
 * count from the daemon) make that section null in the point, never cost the others theirs;
 * `dropped` tells the caller, to log when that starts and ends.
 */
const sectionJson = <K extends keyof typeof encoders>(section: K, value: HistoryPoint[K]): SectionJson => {
  if (value === null) return { section, json: "null", dropped: false }
  try {
    return { section, json: JSON.stringify(encoders[section](value as never)), dropped: false }
  } catch {
    return { section, json: "null", dropped: true }
  }
}
