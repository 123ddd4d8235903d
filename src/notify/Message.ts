import { Schema } from "effect"

export const Severity = Schema.Literals(["critical", "warning", "info"])
export type Severity = typeof Severity.Type

export const AlertState = Schema.Literals(["firing", "resolved"])
export type AlertState = typeof AlertState.Type

/**
 * One notification: an alert that started firing or resolved. Every field is already a string
 * for a person to read: the rules engine formats figures with their unit ("81.3 °C", "≥ 80 °C",
 * "exited"), so that each destination only lays them out. Nothing in it links to this service:
 * a link would need the API token, which never leaves the host.
 */
export const Message = Schema.Struct({
  alertname: Schema.String.annotate({ description: "The rule's name, e.g. CpuTemperatureHigh" }),
  severity: Severity,
  state: AlertState,
  host: Schema.String.annotate({ description: "The host name of the machine the alert is about" }),
  subject: Schema.NullOr(Schema.String).annotate({
    description: "The container or probe the alert is about; null for the host itself"
  }),
  figure: Schema.String.annotate({ description: "What is measured, e.g. CPU temperature" }),
  value: Schema.String.annotate({ description: "The figure now, with its unit, e.g. 81.3 °C" }),
  threshold: Schema.String.annotate({ description: "The condition, with its unit, e.g. ≥ 80 °C for 2m" }),
  since: Schema.String.annotate({ description: "ISO 8601: when the alert started firing" }),
  summary: Schema.String.annotate({ description: "One sentence for a person, e.g. The CPU is hot" })
}).annotate({ identifier: "NotifyMessage" })
export type Message = typeof Message.Type

/**
 * A message as queued: the message and when it was handed to the notifier. A resolved message
 * says when it resolved with this time, which stays the same across retries.
 */
export interface Stamped {
  readonly message: Message
  readonly at: Date
}

const stateWord = (state: AlertState) => (state === "firing" ? "FIRING" : "RESOLVED")

/** "web on pi" or "pi": where the alert is. */
export const where = (message: Message): string =>
  message.subject === null ? message.host : `${message.subject} on ${message.host}`

/** One line: "[FIRING] CpuTemperatureHigh on pi (critical)". */
export const title = (message: Message): string =>
  `[${stateWord(message.state)}] ${message.alertname} on ${where(message)}` +
  (message.state === "firing" ? ` (${message.severity})` : "")

/** The figure against its threshold: "CPU temperature 81.3 °C (threshold ≥ 80 °C)". */
export const figureLine = (message: Message): string =>
  `${message.figure}: ${message.value} (threshold ${message.threshold})`

/** "since 2026-…" for a firing alert; "resolved at …, firing since …" for a resolved one. */
export const timeLine = (stamped: Stamped): string =>
  stamped.message.state === "firing"
    ? `Firing since ${stamped.message.since}`
    : `Resolved at ${stamped.at.toISOString()}, firing since ${stamped.message.since}`

/** The plain-text body every text destination sends under the title. */
export const bodyLines = (stamped: Stamped): ReadonlyArray<string> => {
  const m = stamped.message
  return [
    m.summary,
    figureLine(m),
    m.subject === null ? `Host: ${m.host}` : `Host: ${m.host}, ${m.subject}`,
    timeLine(stamped),
    ...(m.state === "firing" ? [`Severity: ${m.severity}`] : [])
  ]
}

export const bodyText = (stamped: Stamped): string => bodyLines(stamped).join("\n")

/** Cuts a text to a service's limit, marking the cut. */
export const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`
