// The alert rules joined to the running service: every new set of readings becomes an
// observation (views/observation.ts), the Alerts service evaluates it, and each firing, reminder
// and resolving goes to the notifier for the rule's destinations. The sampler only asks whether a
// reading is idle (the usual answer, given at once); every evaluation runs in the loop's own
// fiber: the sampling never waits for one, and the notifier's send only queues. Every change is
// also kept for the readers: the /metrics gauge of the open alerts, and `event: alert` frames for
// /stats/stream, each encoded once for every client.

import * as os from "node:os"
import { Cause, Clock, Context, Effect, Latch, Layer, PubSub, Result, Stream } from "effect"
import type { Env } from "../config/values.ts"
import { readBoolean } from "../config/values.ts"
import { Notifier } from "../notify/Notifier.ts"
import { NOTIFY_VARIABLE, parseNotifyConfig } from "../notify/settings.ts"
import type { Readings } from "../sampling/Sampler.ts"
import { Sampler } from "../sampling/Sampler.ts"
import { observer } from "../views/observation.ts"
import { AlertHistory } from "./AlertHistory.ts"
import { Alerts, TRANSITION_BUFFER } from "./Alerts.ts"
import type { Transition } from "./engine.ts"
import { messageOf } from "./notification.ts"
import { renderAlertsGauge } from "./prometheus.ts"
import { type Routing, routeDestinations } from "./routing.ts"
import { ALERTS_FILE_VARIABLE } from "./rulesFile.ts"
import { transitionView } from "./view.ts"

/** `off` switches alerting off: no rules loaded, nothing evaluated or sent, /alerts empty. */
export const ALERTS_VARIABLE = "SYSTEM_PROFILER_ALERTS"

export interface AlertLoopShape {
  /** The system_profiler_alerts gauge of the alerts open now ("" when none), re-rendered when they change. */
  readonly gauge: Effect.Effect<string>
  /** Every alert change from the moment the stream is run, as SSE `alert` events (bytes shared by every client). */
  readonly events: Stream.Stream<Uint8Array>
  /** How many sets of readings have been evaluated since the start. */
  readonly evaluations: Effect.Effect<number>
}

const utf8 = new TextEncoder()

/** One change as an SSE event named `alert`: the JSON of one GET /alerts history entry. */
export const alertFrame = (t: Transition): Uint8Array =>
  utf8.encode(`event: alert\ndata: ${JSON.stringify(transitionView(t))}\n\n`)

// Only these are announced and logged; pending and cancelled alerts show in /alerts and the stream.
const announced = (t: Transition) => t.event === "firing" || t.event === "resolved"

export class AlertLoop extends Context.Service<AlertLoop, AlertLoopShape>()("system-profiler/alerts/AlertLoop") {
  /** The loop over the Sampler, Alerts and Notifier in context, sending as `routing` says. */
  static readonly layer = (routing: Routing) =>
    Layer.effect(
      AlertLoop,
      Effect.gen(function* () {
        const sampler = yield* Sampler
        const alerts = yield* Alerts
        const notifier = yield* Notifier
        const rules = new Map(alerts.rules.map((r) => [r.name, r]))
        const hub = yield* PubSub.sliding<Uint8Array>(TRANSITION_BUFFER)
        let gauge = ""
        let evaluations = 0
        // The host reading names the host; before its first sample, the kernel does.
        let hostname = os.hostname()

        const observe = observer(alerts.rules.filter((r) => r.enabled).map((r) => r.figure))

        const announce = Effect.fn("AlertLoop.announce")(function* (transitions: ReadonlyArray<Transition>) {
          if (transitions.some((t) => t.event !== "reminder")) gauge = renderAlertsGauge(yield* alerts.current)
          for (const t of transitions) {
            yield* PubSub.publish(hub, alertFrame(t))
            const rule = rules.get(t.alertname)
            const message = rule === undefined ? undefined : messageOf(t, hostname, rule)
            if (message === undefined) continue
            const only = routing.byRule.get(t.alertname) ?? []
            if (only.length > 0) yield* notifier.send(message, only)
            if (announced(t)) {
              yield* Effect.logInfo(`alert ${t.event}`).pipe(
                Effect.annotateLogs({
                  event: "alert",
                  alertname: t.alertname,
                  subject: t.subject,
                  severity: t.severity,
                  summary: t.summary,
                  destinations: only.length
                })
              )
            }
          }
        })

        // A broken reading (or a bug here) costs one evaluation; the loop goes on with the next.
        const failed = (cause: Cause.Cause<unknown>) =>
          Effect.logError("alert loop failed on one reading", Cause.pretty(cause)).pipe(
            Effect.annotateLogs({ event: "alerts-loop-failed" })
          )

        // Not an Effect.fn: it runs for every reading that is not idle, and a span and a stack
        // capture each time cost more than a comparison.
        const handle = (readings: Readings) =>
          Effect.suspend(() => alerts.evaluate(observe(readings))).pipe(
            Effect.flatMap((transitions) => {
              evaluations++
              return transitions.length === 0 ? Effect.void : announce(transitions)
            }),
            Effect.catchCause(failed)
          )

        // The readings the loop is to evaluate next, and whether it is evaluating now.
        let pending: Readings | undefined
        let busy = false
        const wake = yield* Latch.make(false)
        const clock = yield* Clock.Clock

        // In the sampling fiber, at every new set of readings: at idle the rules have nothing to
        // say, and that is answered here without waking the loop. Anything else, or anything
        // while the loop is busy or has readings waiting, goes to the loop, which takes only the
        // newest: every figure is a gauge or a running total, so it holds all the others would
        // have told, and the readings are evaluated in the order they came.
        const look = (readings: Readings) => {
          try {
            if (Result.isSuccess(readings.host.current)) hostname = readings.host.current.success.system.hostname.value
            if (!busy && pending === undefined && alerts.idle(observe(readings), clock.currentTimeMillisUnsafe())) {
              evaluations++
              return
            }
          } catch {
            // A broken reading is not idle: the loop's evaluation meets it and logs it.
          }
          pending = readings
          Latch.openUnsafe(wake)
        }

        const next = Effect.suspend(() => {
          Latch.closeUnsafe(wake)
          const readings = pending
          pending = undefined
          if (readings === undefined) return Effect.void
          busy = true
          return Effect.ensuring(
            handle(readings),
            Effect.sync(() => {
              busy = false
            })
          )
        })
        yield* Latch.await(wake).pipe(Effect.andThen(next), Effect.forever, Effect.forkScoped)
        yield* sampler.look(look)

        return AlertLoop.of({
          gauge: Effect.sync(() => gauge),
          events: Stream.fromPubSub(hub),
          evaluations: Effect.sync(() => evaluations)
        })
      })
    )

  /** Alerting switched off: no rules, no loop, no notifier. */
  static readonly layerOff: Layer.Layer<AlertLoop | Alerts | Notifier> = Layer.mergeAll(
    Layer.succeed(
      AlertLoop,
      AlertLoop.of({ gauge: Effect.succeed(""), events: Stream.empty, evaluations: Effect.succeed(0) })
    ),
    Alerts.layer({ rules: [] }),
    Notifier.layerNone
  )

  /**
   * The rules (SYSTEM_PROFILER_ALERTS_FILE, SYSTEM_PROFILER_ALERTS_GRACE), the notifier
   * (SYSTEM_PROFILER_NOTIFY and its settings, plus the URLs the rules file names) and the loop, from
   * environment values. A bad value, rules file or destination fails the layer, which stops the start.
   */
  static readonly layerFromEnv = (env: Env) =>
    Layer.unwrap(
      Effect.gen(function* () {
        if (!(yield* readBoolean(env, ALERTS_VARIABLE, true))) return AlertLoop.layerOff
        const notifierAndLoop = Layer.unwrap(
          Effect.gen(function* () {
            const alerts = yield* Alerts
            const notify = yield* parseNotifyConfig(env)
            const routing = yield* routeDestinations(
              alerts.rules,
              notify.destinations,
              env[NOTIFY_VARIABLE] ?? "",
              env[ALERTS_FILE_VARIABLE] ?? ""
            )
            // Without a destination there is nothing to queue: no HTTP client, no fibers.
            const notifier =
              routing.destinations.length === 0
                ? Notifier.layerNone
                : Notifier.layerWith({ destinations: routing.destinations, settings: notify.settings })
            return AlertLoop.layer(routing).pipe(Layer.provideMerge(notifier))
          })
        )
        return notifierAndLoop.pipe(Layer.provideMerge(Alerts.layerFromEnv(env)))
      })
    )

  /** layerFromEnv over this process's environment, the alert history in the history store. */
  static readonly layerLive = Layer.suspend(() =>
    AlertLoop.layerFromEnv(process.env).pipe(Layer.provide(AlertHistory.layerStore()))
  )
}
