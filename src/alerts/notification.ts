// A transition as the notifier's Message: every figure already written for a person, with its
// unit ("81.3 °C", "≥ 80 °C for 2m"), so that each destination only lays it out. Only firing,
// reminders and resolving are announced; pending and cancelled alerts stay in /alerts and the stream.

import type { Message } from "../notify/Message.ts"
import { formatDuration } from "./duration.ts"
import type { Transition } from "./engine.ts"
import { type Figure, figure } from "./figures.ts"

const round = (n: number) => Math.round(n * 100) / 100

const withUnit = (f: Figure, n: number) => {
  const unit = f.unit === "" ? "" : f.unit === "%" ? "%" : ` ${f.unit}`
  return `${round(n)}${unit}`
}

/** A value as a message prints it: "81.3 °C", "95.2%", "false"; "not reported" when there is none. */
export const formatFigureValue = (f: Figure, value: number | boolean | null): string =>
  value === null ? "not reported" : typeof value === "boolean" ? String(value) : withUnit(f, value)

const SYMBOLS = { ">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "=", "!=": "≠" } as const

/** The condition a transition's rule fires on: "≥ 80 °C for 2m", "≥ 3 restarts within 10m", "= false for 1m". */
export const formatCondition = (t: Transition, forMillis: number, windowMillis: number | null): string => {
  const f = figure(t.figure)
  const threshold = typeof t.threshold === "boolean" ? String(t.threshold) : withUnit(f, t.threshold)
  const within = windowMillis === null ? "" : ` within ${formatDuration(windowMillis)}`
  const lasting = forMillis > 0 ? ` for ${formatDuration(forMillis)}` : ""
  return `${SYMBOLS[t.comparison]} ${threshold}${within}${lasting}`
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** Where, besides the host: "web" for a container or probe, "disk /" for a mount point. */
const subjectOf = (t: Transition): string | null => {
  switch (t.subjectKind) {
    case "host":
      return null
    case "disk":
      return `disk ${t.subject}`
    default:
      return t.subject
  }
}

export interface RuleTiming {
  readonly forMillis: number
  readonly windowMillis: number | null
}

/**
 * The message for a transition on `host`, or undefined when it is not announced (pending,
 * cancelled). A reminder is a firing message whose summary says it is still firing.
 */
export const messageOf = (t: Transition, host: string, rule: RuleTiming): Message | undefined => {
  if (t.event !== "firing" && t.event !== "reminder" && t.event !== "resolved") return undefined
  const f = figure(t.figure)
  return {
    alertname: t.alertname,
    severity: t.severity,
    state: t.event === "resolved" ? "resolved" : "firing",
    host,
    subject: subjectOf(t),
    figure: capitalized(f.title),
    value: formatFigureValue(f, t.value),
    threshold: formatCondition(t, rule.forMillis, rule.windowMillis),
    since: new Date(t.firedAt ?? t.since).toISOString(),
    summary: t.event === "reminder" ? `Still firing: ${t.summary}` : t.summary
  }
}
