import { Clock, Context, Duration, Effect, Layer, PubSub, Ref, Semaphore, Stream } from "effect"
import { type Env, readDuration } from "../config/values.ts"
import { AlertHistory, type AlertHistoryShape, DEFAULT_HISTORY_LIMIT, memoryHistory } from "./AlertHistory.ts"
import {
  type Alert,
  activeAlerts,
  DEFAULT_SETTINGS,
  type EngineSettings,
  idleChecker,
  initialState,
  MAX_GRACE_MILLIS,
  step,
  type Transition
} from "./engine.ts"
import type { Observation } from "./Observation.ts"
import type { Rule } from "./rules.ts"
import { ALERTS_FILE_VARIABLE, loadRules } from "./rulesFile.ts"

export const ALERTS_GRACE_VARIABLE = "SYSTEM_PROFILER_ALERTS_GRACE"

export interface AlertsOptions {
  readonly rules: ReadonlyArray<Rule>
  readonly settings?: Partial<EngineSettings>
  /** The most transitions `history` keeps (when no `history` is given). */
  readonly historyLimit?: number
  /** Where the history is kept; by default in memory, bounded by `historyLimit`. */
  readonly history?: AlertHistoryShape
}

export interface AlertsShape {
  /** The rules in force (disabled ones included, as loaded). */
  readonly rules: ReadonlyArray<Rule>
  /** Runs the rules on one observation, at the clock's time; returns what changed. Call it once per new reading. */
  readonly evaluate: (observation: Observation) => Effect.Effect<ReadonlyArray<Transition>>
  /**
   * Whether evaluating this observation at `now` would change nothing (no alert open, no
   * condition holding, no counter moved), answered at once: evaluate answers it first too.
   */
  readonly idle: (observation: Observation, now: number) => boolean
  /** The alerts pending or firing now: firing first, then the oldest first. */
  readonly current: Effect.Effect<ReadonlyArray<Alert>>
  /** The last firing and resolved transitions (not pending, cancelled or reminders), oldest first, bounded. */
  readonly history: Effect.Effect<ReadonlyArray<Transition>>
  /**
   * Every transition from the moment the stream is run, reminders included. A subscriber that
   * falls behind by more than TRANSITION_BUFFER loses the oldest ones, never slows evaluation.
   */
  readonly transitions: Stream.Stream<Transition>
}

export { DEFAULT_HISTORY_LIMIT }
export const TRANSITION_BUFFER = 256

const NOTHING: Effect.Effect<ReadonlyArray<Transition>> = Effect.succeed([])

// A broken observation is not idle: the step then meets it, and logs it as any other.
const guarded =
  (check: ReturnType<typeof idleChecker>): ReturnType<typeof idleChecker> =>
  (...args) => {
    try {
      return check(...args)
    } catch {
      return false
    }
  }

const kept = (t: Transition) => t.event === "firing" || t.event === "resolved"

export class Alerts extends Context.Service<Alerts, AlertsShape>()("system-profiler/alerts/Alerts") {
  /** The service over rules already loaded; the grace runs from the moment it is made. */
  static readonly make = Effect.fn("Alerts.make")(function* (options: AlertsOptions) {
    const { rules } = options
    const startedAt = yield* Clock.currentTimeMillis
    const state = yield* Ref.make(initialState(options.settings, startedAt))
    const history = options.history ?? (yield* memoryHistory(options.historyLimit ?? DEFAULT_HISTORY_LIMIT))
    const pubsub = yield* PubSub.sliding<Transition>(TRANSITION_BUFFER)
    yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
    // One evaluation at a time, so that transitions reach the history and the stream in order.
    const lock = yield* Semaphore.make(1)

    const evaluate = Effect.fn("Alerts.evaluate")(
      function* (observation: Observation) {
        const now = yield* Clock.currentTimeMillis
        const transitions = yield* Ref.modify(state, (s) => {
          const next = step(s, rules, observation, now)
          return [next.transitions, next.state] as const
        })
        if (transitions.length === 0) return transitions
        const recorded = transitions.filter(kept)
        if (recorded.length > 0) yield* history.record(recorded)
        yield* PubSub.publishAll(pubsub, transitions)
        return transitions
      },
      (effect) =>
        // A broken observation (or a bug here) costs one evaluation and leaves the state as it was;
        // it never reaches the sampling fiber that called.
        Effect.catchDefect(effect, (defect) =>
          Effect.logError("alert evaluation failed", defect).pipe(
            Effect.annotateLogs({ event: "alerts-evaluation-failed" }),
            Effect.as([] as ReadonlyArray<Transition>)
          )
        )
    )

    // At idle no alert is open and no condition holds: a reading costs a look at the figures
    // that changed.
    const quiet = guarded(idleChecker(rules))
    const idle = (observation: Observation, now: number) => quiet(Ref.getUnsafe(state), observation, now)
    return Alerts.of({
      rules,
      evaluate: (observation) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          idle(observation, now) ? NOTHING : lock.withPermit(evaluate(observation))
        ),
      idle,
      current: Effect.map(Ref.get(state), activeAlerts),
      history: history.recent,
      transitions: Stream.fromPubSub(pubsub)
    })
  })

  static readonly layer = (options: AlertsOptions) => Layer.effect(Alerts, Alerts.make(options))

  /**
   * Rules from SYSTEM_PROFILER_ALERTS_FILE (the defaults when unset) and the grace from
   * SYSTEM_PROFILER_ALERTS_GRACE, the history in the AlertHistory provided; a bad file or value
   * fails the layer, which stops the start.
   */
  static readonly layerFromEnv = (env: Env) =>
    Layer.effect(
      Alerts,
      Effect.gen(function* () {
        const grace = yield* readDuration(env, ALERTS_GRACE_VARIABLE, Duration.millis(DEFAULT_SETTINGS.graceMillis), {
          min: Duration.zero,
          max: Duration.millis(MAX_GRACE_MILLIS)
        })
        const rules = yield* loadRules(env[ALERTS_FILE_VARIABLE])
        const history = yield* AlertHistory
        return yield* Alerts.make({ rules, settings: { graceMillis: Duration.toMillis(grace) }, history })
      })
    )

  /** layerFromEnv over this process's environment, the history in the history store. */
  static readonly layerLive = Layer.suspend(() =>
    Alerts.layerFromEnv(process.env).pipe(Layer.provide(AlertHistory.layerStore()))
  )
}
