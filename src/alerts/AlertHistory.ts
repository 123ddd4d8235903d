// Where the alert history (the firing and resolved transitions GET /alerts shows) is kept: in
// memory for the life of the process (tests, alerting without a store), or in the history
// store's journal, so that a restart keeps it. Either way the newest `limit` are held in memory
// for the reads; the store is only written to, and read once at start.

import { Clock, Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { HistoryStore } from "../history/store/HistoryStore.ts"
import type { Transition } from "./engine.ts"
import { isFigureId } from "./figures.ts"
import { Comparison, Severity } from "./rules.ts"

export const DEFAULT_HISTORY_LIMIT = 200

export interface AlertHistoryShape {
  /** Keeps these transitions, oldest first; the oldest beyond the limit go. */
  readonly record: (transitions: ReadonlyArray<Transition>) => Effect.Effect<void>
  /** The newest kept, oldest first, at most the limit. */
  readonly recent: Effect.Effect<ReadonlyArray<Transition>>
}

const Value = Schema.Union([Schema.Number, Schema.Boolean])

/**
 * A transition as the journal keeps it: what GET /alerts shows of it, and nothing else. The
 * destinations are left out (a URL there may hold a token): read back, a transition has none.
 */
export const StoredTransition = Schema.fromJsonString(
  Schema.Struct({
    alertname: Schema.String,
    severity: Severity,
    subjectKind: Schema.Literals(["host", "disk", "container", "probe"]),
    subject: Schema.String,
    figure: Schema.String,
    unit: Schema.String,
    comparison: Comparison,
    threshold: Value,
    resolveThreshold: Schema.NullOr(Schema.Number),
    since: Schema.Number,
    firedAt: Schema.NullOr(Schema.Number),
    summary: Schema.String,
    event: Schema.Literals(["pending", "firing", "reminder", "resolved", "cancelled"]),
    state: Schema.Literals(["pending", "firing", "resolved", "inactive"]),
    value: Schema.NullOr(Value),
    at: Schema.Number,
    reason: Schema.NullOr(Schema.Literals(["recovered", "no-data", "subject-gone", "rule-removed"]))
  })
)
const encodeStored = Schema.encodeSync(StoredTransition)
const decodeStored = Schema.decodeUnknownOption(StoredTransition)

const decodeTransition = (body: string): Transition | undefined => {
  const decoded = decodeStored(body)
  if (Option.isNone(decoded) || !isFigureId(decoded.value.figure)) return undefined
  return { ...decoded.value, figure: decoded.value.figure, destinations: [] }
}

const keepNewest = (kept: ReadonlyArray<Transition>, added: ReadonlyArray<Transition>, limit: number) => {
  const all = [...kept, ...added]
  return all.length > limit ? all.slice(all.length - limit) : all
}

/** The history in memory only, bounded by `limit`. */
export const memoryHistory = Effect.fnUntraced(function* (limit: number = DEFAULT_HISTORY_LIMIT) {
  const bound = Math.max(1, limit)
  const kept = yield* Ref.make<ReadonlyArray<Transition>>([])
  return AlertHistory.of({
    record: (transitions) => Ref.update(kept, (h) => keepNewest(h, transitions, bound)),
    recent: Ref.get(kept)
  })
})

export class AlertHistory extends Context.Service<AlertHistory, AlertHistoryShape>()(
  "system-profiler/alerts/AlertHistory"
) {
  static readonly layerMemory = (limit: number = DEFAULT_HISTORY_LIMIT): Layer.Layer<AlertHistory> =>
    Layer.effect(AlertHistory, memoryHistory(limit))

  /**
   * In the history store's journal (kind "alert", with its retention and cap); the newest
   * `limit` (at most the cap) are loaded at start and held in memory for the reads. A transition
   * is on the disk after the store's next flush.
   */
  static readonly layerStore = (
    limit: number = DEFAULT_HISTORY_LIMIT
  ): Layer.Layer<AlertHistory, never, HistoryStore> =>
    Layer.effect(
      AlertHistory,
      Effect.gen(function* () {
        const store = yield* HistoryStore
        const { retentionMs, capacity } = store.journalLimits.alert
        const bound = Math.max(1, Math.min(limit, capacity))
        const now = yield* Clock.currentTimeMillis
        const loaded: Array<Transition> = []
        for (const record of yield* store.journal("alert", now - retentionMs, bound)) {
          const transition = decodeTransition(record.body)
          if (transition !== undefined) loaded.push(transition)
        }
        const kept = yield* Ref.make<ReadonlyArray<Transition>>(loaded)
        const append = (t: Transition) =>
          Effect.suspend(() => store.append("alert", t.at, encodeStored(t))).pipe(
            Effect.catchCause((cause) =>
              Effect.logWarning("alert transition not stored").pipe(
                Effect.annotateLogs({ alertname: t.alertname, error: String(cause) })
              )
            )
          )
        return AlertHistory.of({
          record: (transitions) =>
            Effect.andThen(
              Ref.update(kept, (h) => keepNewest(h, transitions, bound)),
              Effect.forEach(transitions, append, { discard: true })
            ),
          // Past the retention by the clock, as the journal answers after a restart.
          recent: Effect.flatMap(Clock.currentTimeMillis, (at) =>
            Effect.map(Ref.get(kept), (h) => h.filter((t) => t.at >= at - retentionMs))
          )
        })
      })
    )
}
