import { Clock, Duration, Effect, Layer } from "effect"
import type { ServiceHealth, ServiceHealthStats } from "../../api/ServiceStats.ts"
import { AppConfig } from "../../config/AppConfig.ts"
import { PI_SITE_SERVICES, type ProbeTarget, parseProbeTargets } from "../../config/services.ts"
import { drift, round } from "../drift.ts"
import { type Beat, type History, historyLimits, historySummary, record } from "./history.ts"
import { ServiceCollector } from "./ServiceCollector.ts"

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

/** Figures that are a function of the clock: the history is what a live collector would have seen. */
export const mockServiceStats = (
  targets: ReadonlyArray<ProbeTarget>,
  now: number,
  timing: MockTiming
): ServiceHealthStats => {
  const limits = historyLimits(timing.windowMillis, timing.intervalMillis)
  const count = Math.max(1, limits.maxBeats - 1)
  // Checks on the interval grid, the latest at or before now, as a sampler started at the epoch.
  const latest = Math.floor(now / timing.intervalMillis) * timing.intervalMillis
  const services = targets.map((t, i): ServiceHealth => {
    let history: History | undefined
    for (let k = count - 1; k >= 0; k--) {
      history = record(history, beatAt(i, latest - k * timing.intervalMillis), limits)
    }
    const last = history!.beats.at(-1)!
    const http = t.kind === "http" || t.kind === "https"
    return {
      name: t.name,
      kind: t.kind,
      target: t.target,
      healthy: last.healthy,
      latencyMs: last.latencyMs,
      ...(last.healthy
        ? http
          ? { statusCode: 200 }
          : {}
        : { error: `no answer within ${timing.timeoutMillis} ms`, reason: "timeout" as const }),
      checkedAt: new Date(latest).toISOString(),
      attempts: last.healthy ? 1 : 3,
      ...historySummary(history!)
    }
  })
  return {
    sampledAt: new Date(now).toISOString(),
    services,
    allHealthy: services.every((s) => s.healthy),
    historyWindowSeconds: timing.windowMillis / 1000
  }
}

export const layerMock = Layer.effect(
  ServiceCollector,
  Effect.gen(function* () {
    const config = yield* AppConfig
    // The pi-site probes when SYSTEM_PROFILER_SERVICES is empty, so that a laptop shows a list.
    const targets =
      config.services.length > 0 ? config.services : yield* parseProbeTargets(PI_SITE_SERVICES).pipe(Effect.orDie)
    const timing: MockTiming = {
      intervalMillis: Duration.toMillis(config.intervals.services),
      windowMillis: Duration.toMillis(config.historyWindow),
      timeoutMillis: Duration.toMillis(config.probeTimeout)
    }
    return ServiceCollector.of({
      sample: Effect.map(Clock.currentTimeMillis, (now) => mockServiceStats(targets, now, timing))
    })
  })
)
