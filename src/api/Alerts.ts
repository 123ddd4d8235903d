import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { Authorization } from "./Authorization.ts"
import { IsoTimestamp } from "./common.ts"

// GET /alerts and GET /alerts/rules. Not part of ProfilerApi yet: the lead adds AlertsGroup there.
// No destination appears here: a destination URL may hold a token.

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

export const AlertsOverview = Schema.Struct({
  firing: Schema.Array(ActiveAlert).annotate({ description: "Oldest first" }),
  pending: Schema.Array(ActiveAlert).annotate({ description: "Oldest first" }),
  history: Schema.Array(AlertEvent).annotate({
    description: "The most recent firing and resolved events, oldest first (bounded)"
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
