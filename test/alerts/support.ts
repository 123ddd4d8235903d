import { Effect } from "effect"
import { Alerts, type AlertsOptions } from "../../src/alerts/Alerts.ts"
import type { Transition } from "../../src/alerts/engine.ts"
import { makeObservation, type ObservationInput } from "../../src/alerts/Observation.ts"
import { decodeRulesDocument, type Rule } from "../../src/alerts/rules.ts"

/** Rules through the file decoder, without the defaults, as a file would give them. */
export const rulesOf = (...entries: ReadonlyArray<Record<string, unknown>>): ReadonlyArray<Rule> => {
  const decoded = decodeRulesDocument({ rules: entries }, [])
  if ("problems" in decoded) throw new Error(JSON.stringify(decoded.problems))
  return decoded.rules
}

/** CPU temperature >= 80 °C for 2 minutes, critical, sent to `destination`. */
export const hotRule = (destination = "ntfy://example/topic") =>
  rulesOf({
    name: "Hot",
    figure: "host.cpu_temperature",
    comparison: ">=",
    threshold: 80,
    for: "2m",
    severity: "critical",
    destinations: [destination]
  })

/** The Alerts service over these rules, with no start-up grace unless asked. */
export const alertsWith = (rules: ReadonlyArray<Rule>, options: Omit<AlertsOptions, "rules"> = {}) =>
  Alerts.make({ ...options, rules, settings: { graceMillis: 0, ...options.settings } })

export const observe = (alerts: Alerts["Service"], input: ObservationInput) => alerts.evaluate(makeObservation(input))

/** event:subject pairs, the shape most assertions compare. */
export const events = (transitions: ReadonlyArray<Transition>) => transitions.map((t) => `${t.event}:${t.subject}`)

export const MINUTE = 60_000

export const scoped = Effect.scoped
