import { Clock, Effect } from "effect"
import type { ServiceHealth, ServiceHealthStats } from "../../api/ServiceStats.ts"
import type { ProbeTarget } from "../../config/services.ts"
import { type CheckResult, type CheckSettings, check, type Probe } from "./check.ts"
import { type Beat, type History, type HistoryLimits, historySummary, record } from "./history.ts"
import type { ServiceCollectorShape } from "./ServiceCollector.ts"

export interface CollectorSettings extends CheckSettings {
  readonly targets: ReadonlyArray<ProbeTarget>
  readonly history: HistoryLimits
}

const iso = (millis: number) => new Date(millis).toISOString()

const toBeat = (at: number, result: CheckResult): Beat =>
  result.error === undefined
    ? { at, healthy: true, latencyMs: result.latencyMs }
    : { at, healthy: false, latencyMs: result.latencyMs, reason: result.error.reason }

const toServiceHealth = (target: ProbeTarget, result: CheckResult, at: number, history: History): ServiceHealth => ({
  name: target.name,
  kind: target.kind,
  target: target.target,
  healthy: result.healthy,
  latencyMs: result.latencyMs,
  ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
  ...(result.error === undefined ? {} : { error: result.error.message, reason: result.error.reason }),
  checkedAt: iso(at),
  attempts: result.attempts,
  ...historySummary(history)
})

/**
 * Probes every target at once on each sample and keeps each probe's history between samples.
 * A hanging target costs its own check at most `budget`; the others finish on their own.
 */
export const makeServiceCollector = (settings: CollectorSettings, probe?: Probe): ServiceCollectorShape => {
  const histories = new Map<string, History>()
  const checkOne = (target: ProbeTarget) =>
    Effect.gen(function* () {
      const result = yield* check(target, settings, probe)
      return { target, result, at: yield* Clock.currentTimeMillis }
    })
  return {
    sample: Effect.gen(function* () {
      const checked = yield* Effect.forEach(settings.targets, checkOne, { concurrency: "unbounded" })
      const services: Array<ServiceHealth> = []
      for (const { target, result, at } of checked) {
        const previous = histories.get(target.name)
        const history = record(previous, toBeat(at, result), settings.history)
        histories.set(target.name, history)
        const wasHealthy = previous?.beats.at(-1)?.healthy
        // State changes only (and a probe that starts out failing): a dead target must not
        // write a line every interval.
        if (wasHealthy === undefined ? !result.healthy : wasHealthy !== result.healthy) {
          yield* (result.healthy ? Effect.logInfo("probe recovered") : Effect.logWarning("probe failing")).pipe(
            Effect.annotateLogs({ probe: target.name, attempts: result.attempts, error: result.error?.message ?? "" })
          )
        }
        services.push(toServiceHealth(target, result, at, history))
      }
      const sampledAt = yield* Clock.currentTimeMillis
      return {
        sampledAt: iso(sampledAt),
        services,
        allHealthy: services.every((s) => s.healthy),
        historyWindowSeconds: settings.history.windowMillis / 1000
      } satisfies ServiceHealthStats
    })
  }
}
