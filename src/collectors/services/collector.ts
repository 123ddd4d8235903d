import { Clock, type Duration, Effect, Schedule } from "effect"
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
  tlsNotAfter: result.tlsNotAfter,
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
 * The probes and their histories. `read` checks every target at once and answers when all are
 * done (tests, and a one-off reading); `run` gives each probe its own schedule, so a slow target
 * delays only itself: every result is published as soon as it is in, with the latest of the
 * others. A hanging target costs its own check at most the budget the sampler gives.
 */
export const makeServiceReader = (settings: CollectorSettings, probe?: Probe) => {
  const histories = new Map<string, History>()
  const latest = new Map<string, ProbeReading>()
  const checkOne = Effect.fn("ServiceCollector.check")(function* (target: ProbeTarget, budget: Duration.Duration) {
    const result = toResult(yield* check(target, { ...settings, budget }, probe), yield* Clock.currentTimeMillis)
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
    latest.set(target.name, probeReading(target, result, history))
  })
  // The probes in configuration order; one not checked yet is left out until its first result.
  const reading = Effect.map(
    Clock.currentTimeMillis,
    (at): ServicesReading => ({
      at,
      probes: settings.targets.flatMap((t) => {
        const p = latest.get(t.name)
        return p === undefined ? [] : [p]
      }),
      historyWindowMillis: settings.history.windowMillis
    })
  )
  const read = Effect.fn("ServiceCollector.read")(function* (budget: Duration.Duration) {
    yield* Effect.forEach(settings.targets, (t) => checkOne(t, budget), { concurrency: "unbounded", discard: true })
    return yield* reading
  })
  /** Every probe on its own schedule until interrupted; `publish` gets each new reading. */
  const run = (
    interval: Duration.Duration,
    budget: Duration.Duration,
    publish: (reading: ServicesReading) => Effect.Effect<void>
  ): Effect.Effect<void> =>
    settings.targets.length === 0
      ? Effect.flatMap(reading, publish)
      : Effect.forEach(
          settings.targets,
          (target) =>
            checkOne(target, budget).pipe(
              Effect.andThen(Effect.flatMap(reading, publish)),
              Effect.repeat(Schedule.spaced(interval)),
              Effect.asVoid
            ),
          { concurrency: "unbounded", discard: true }
        )
  return { read, run }
}
