import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { Authorization } from "./Authorization.ts"
import { IsoTimestamp } from "./common.ts"

// GET /alerts and GET /alerts/rules, and the `alert` events of /stats/stream. No destination URL
// appears here: it may hold a token; a destination is shown by its display form only.

export const AlertSeverity = Schema.Literals(["info", "warning", "critical"])

export const AlertSubjectKind = Schema.Literals(["host", "disk", "container", "probe"]).annotate({
  description: "What the figure is about; a disk is a host filesystem named by its mount point"
})

export const AlertComparison = Schema.Literals([">", ">=", "<", "<=", "==", "!="])

const AlertValue = Schema.Union([Schema.Finite, Schema.Boolean]).annotate({
  description: "A number in the figure's unit, or true/false for a boolean figure"
})

const alertFields = {
  alertname: Schema.String.annotate({ description: "The rule's name" }),
  severity: AlertSeverity,
  subjectKind: AlertSubjectKind,
  subject: Schema.String.annotate({
    description: 'A container, probe or mount point; "host" for the figures of the host'
  }),
  figure: Schema.String.annotate({
    description: "The figure the rule watches, e.g. host.cpu_temperature or disk.used (the README lists them all)"
  }),
  unit: Schema.String.annotate({ description: 'The figure\'s unit: "%", "°C", "ms", ...; "" for a bare number' }),
  comparison: AlertComparison,
  threshold: AlertValue,
  resolveThreshold: Schema.NullOr(Schema.Finite).annotate({
    description: "A firing alert resolves once the value is back past this (hysteresis); null for == and !="
  }),
  since: IsoTimestamp.annotate({ description: "When the condition began to hold" }),
  firedAt: Schema.NullOr(IsoTimestamp).annotate({ description: "When the alert fired; null while pending" }),
  summary: Schema.String.annotate({ description: "One line for a person: what, where, the value and the rule" })
}

export const ActiveAlert = Schema.Struct({
  ...alertFields,
  state: Schema.Literals(["pending", "firing"]).annotate({
    description: "pending: the condition holds, its `for` has not elapsed yet; firing: announced"
  }),
  value: AlertValue.annotate({ description: "The last value seen (restarts and OOM kills: the growth in the window)" })
}).annotate({ identifier: "ActiveAlert" })
export type ActiveAlert = typeof ActiveAlert.Type

export const AlertEvent = Schema.Struct({
  ...alertFields,
  event: Schema.Literals(["pending", "firing", "reminder", "resolved", "cancelled"]),
  state: Schema.Literals(["pending", "firing", "resolved", "inactive"]).annotate({
    description: "The alert's state after the event; inactive after a pending alert was cancelled"
  }),
  value: Schema.NullOr(AlertValue).annotate({ description: "null when the figure is no longer reported" }),
  at: IsoTimestamp.annotate({ description: "When the event happened" }),
  reason: Schema.NullOr(Schema.Literals(["recovered", "no-data", "subject-gone", "rule-removed"])).annotate({
    description:
      "Why a resolved or cancelled alert ended: the value came back, the figure was not reported for 10 minutes, " +
      "the container, probe or disk is gone, or the rule was switched off; null for the other events"
  })
}).annotate({ identifier: "AlertEvent" })
export type AlertEvent = typeof AlertEvent.Type

export const NotificationStatus = Schema.Struct({
  destination: Schema.String.annotate({
    description: "The destination's display form: scheme, host and port, secrets masked, no user info or query"
  }),
  kind: Schema.Literals(["ntfy", "gotify", "discord", "slack", "telegram", "smtp", "webhook"]),
  result: Schema.Literals(["never", "ok", "error"]).annotate({
    description: "never: nothing sent yet; ok or error: the outcome of the last message"
  }),
  at: Schema.NullOr(IsoTimestamp).annotate({ description: "When the last message was delivered or given up" }),
  attempts: Schema.Int.annotate({ description: "Attempts the last message took" }),
  error: Schema.NullOr(Schema.String).annotate({ description: "Why the last message failed, for a person to read" }),
  alertname: Schema.NullOr(Schema.String).annotate({ description: "The alert of the last message" }),
  queued: Schema.Int.annotate({ description: "Messages waiting for this destination" }),
  dropped: Schema.Int.annotate({ description: "Messages dropped since start because the queue was full" })
}).annotate({ identifier: "NotificationStatus" })
export type NotificationStatus = typeof NotificationStatus.Type

export const AlertsOverview = Schema.Struct({
  firing: Schema.Array(ActiveAlert).annotate({ description: "Oldest first" }),
  pending: Schema.Array(ActiveAlert).annotate({ description: "Oldest first" }),
  history: Schema.Array(AlertEvent).annotate({
    description: "The most recent firing and resolved events, oldest first (bounded)"
  }),
  notifications: Schema.Array(NotificationStatus).annotate({
    description: "The last delivery to each destination, in configured order; empty without destinations"
  })
}).annotate({ identifier: "Alerts" })
export type AlertsOverview = typeof AlertsOverview.Type

export const PROMETHEUS_RULES_CONTENT_TYPE = "application/yaml; charset=utf-8"

export const AlertRulesText = Schema.String.pipe(
  HttpApiSchema.asText({ contentType: PROMETHEUS_RULES_CONTENT_TYPE })
).annotate({
  description:
    "The enabled rules as a Prometheus alerting rules file over the /metrics names (promtool check rules accepts it)"
})

export class AlertsGroup extends HttpApiGroup.make("alerts", { topLevel: true })
  .add(
    HttpApiEndpoint.get("alerts", "/alerts", { success: AlertsOverview }),
    HttpApiEndpoint.get("alertRules", "/alerts/rules", { success: AlertRulesText })
  )
  .middleware(Authorization) {}
