import { Clock, Duration, Effect } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import { DURATION_UNITS } from "../../config/duration.ts"
import { PI_SITE_SERVICES, type ProbeTarget, parseProbeTargets } from "../../config/services.ts"
import type { ServicesReading } from "../../domain/ProbeResult.ts"
import { drift, round } from "../drift.ts"
import { probeReading } from "./collector.ts"
import { type Beat, type History, historyLimits, record } from "./history.ts"

export interface MockTiming {
  readonly intervalMillis: number
  readonly windowMillis: number
  readonly timeoutMillis: number
}

// The second probe drops out for one minute in every twenty, so that a dashboard shows a red
// beat, an uptime below 100 % and a recent state change; at the epoch every probe is healthy.
const isBlip = (index: number, at: number) => index === 1 && Math.floor(at / 60_000) % 20 === 7

const beatAt = (index: number, at: number): Beat =>
  isBlip(index, at)
    ? { at, healthy: false, latencyMs: null, reason: "timeout" }
    : { at, healthy: true, latencyMs: round(Math.max(0.2, drift(at, 4 + index * 3, 2 + index, 60, index)), 2) }

const DAY = DURATION_UNITS.d
// A certificate renewed well ahead, as an ACME client keeps it: 60 days left and the same notAfter
// all day, so that the default TlsCertificateExpiring rule stays quiet in mock mode.
const certificateNotAfter = (at: number) => Math.floor(at / DAY) * DAY + 60 * DAY

/** Readings that are a function of the clock: the history is what a live collector would have seen. */
export const mockServicesReading = (
  targets: ReadonlyArray<ProbeTarget>,
  now: number,
  timing: MockTiming
): ServicesReading => {
  const limits = historyLimits(timing.windowMillis, timing.intervalMillis)
  const count = Math.max(1, limits.maxBeats - 1)
  // Checks on the interval grid, the latest at or before now, as a sampler started at the epoch.
  const latest = Math.floor(now / timing.intervalMillis) * timing.intervalMillis
  const probes = targets.map((t, i) => {
    let history: History | undefined
    for (let k = count - 1; k >= 0; k--) {
      history = record(history, beatAt(i, latest - k * timing.intervalMillis), limits)
    }
    const last = history!.beats.at(-1)!
    const http = t.kind === "http" || t.kind === "https"
    return probeReading(
      t,
      {
        at: latest,
        healthy: last.healthy,
        latencyMs: last.latencyMs,
        statusCode: last.healthy && http ? 200 : undefined,
        tlsNotAfter: last.healthy && t.kind === "https" ? certificateNotAfter(latest) : undefined,
        failure: last.healthy
          ? undefined
          : { reason: "timeout", message: `no answer within ${timing.timeoutMillis} ms` },
        attempts: last.healthy ? 1 : 3
      },
      history!
    )
  })
  return { at: now, probes, historyWindowMillis: timing.windowMillis }
}

/** The pi-site probes when SYSTEM_PROFILER_SERVICES is empty, so that a laptop shows a list. */
export const makeMockReader = Effect.gen(function* () {
  const config = yield* AppConfig
  const targets =
    config.services.length > 0 ? config.services : yield* parseProbeTargets(PI_SITE_SERVICES).pipe(Effect.orDie)
  const timing: MockTiming = {
    intervalMillis: Duration.toMillis(config.intervals.services),
    windowMillis: Duration.toMillis(config.historyWindow),
    timeoutMillis: Duration.toMillis(config.probeTimeout)
  }
  return (_budget: Duration.Duration) =>
    Effect.map(Clock.currentTimeMillis, (now) => mockServicesReading(targets, now, timing))
})
