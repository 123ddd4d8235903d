import { Clock, type Duration, Effect } from "effect"
import type { ProbeTarget } from "../../config/services.ts"
import type { ProbeReading, ProbeResult, ServicesReading } from "../../domain/ProbeResult.ts"
import { type CheckResult, type CheckSettings, check, type Probe } from "./check.ts"
import { type Beat, type History, type HistoryLimits, record } from "./history.ts"

export interface CollectorSettings extends Omit<CheckSettings, "budget"> {
  readonly targets: ReadonlyArray<ProbeTarget>
  readonly history: HistoryLimits
}

const toBeat = (result: ProbeResult): Beat =>
  result.failure === undefined
    ? { at: result.at, healthy: true, latencyMs: result.latencyMs }
    : { at: result.at, healthy: false, latencyMs: result.latencyMs, reason: result.failure.reason }

const toResult = (result: CheckResult, at: number): ProbeResult => ({
  at,
  healthy: result.healthy,
  latencyMs: result.latencyMs,
  statusCode: result.statusCode,
  failure: result.error === undefined ? undefined : { reason: result.error.reason, message: result.error.message },
  attempts: result.attempts
})

/** A probe's reading: its last result and the beats of its window. */
export const probeReading = (target: ProbeTarget, last: ProbeResult, history: History): ProbeReading => ({
  name: target.name,
  kind: target.kind,
  target: target.target,
  last,
  beats: history.beats,
  lastChange: history.lastChange,
  consecutiveFailures: history.consecutiveFailures
})

/**
 * Probes every target at once on each reading and keeps each probe's history between readings.
 * A hanging target costs its own check at most the budget the sampler gives; the others finish
 * on their own.
 */
export const makeServiceReader = (settings: CollectorSettings, probe?: Probe) => {
  const histories = new Map<string, History>()
  const checkOne = (target: ProbeTarget, budget: Duration.Duration) =>
    Effect.gen(function* () {
      const result = yield* check(target, { ...settings, budget }, probe)
      return { target, result: toResult(result, yield* Clock.currentTimeMillis) }
    })
  return Effect.fn("ServiceCollector.read")(function* (budget: Duration.Duration) {
    const checked = yield* Effect.forEach(settings.targets, (t) => checkOne(t, budget), { concurrency: "unbounded" })
    const probes: Array<ProbeReading> = []
    for (const { target, result } of checked) {
      const previous = histories.get(target.name)
      const history = record(previous, toBeat(result), settings.history)
      histories.set(target.name, history)
      const wasHealthy = previous?.beats.at(-1)?.healthy
      // State changes only (and a probe that starts out failing): a dead target must not
      // write a line every interval.
      if (wasHealthy === undefined ? !result.healthy : wasHealthy !== result.healthy) {
        yield* (result.healthy ? Effect.logInfo("probe recovered") : Effect.logWarning("probe failing")).pipe(
          Effect.annotateLogs({ probe: target.name, attempts: result.attempts, error: result.failure?.message ?? "" })
        )
      }
      probes.push(probeReading(target, result, history))
    }
    const at = yield* Clock.currentTimeMillis
    return { at, probes, historyWindowMillis: settings.history.windowMillis } satisfies ServicesReading
  })
}
