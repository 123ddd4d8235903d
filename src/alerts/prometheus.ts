// What Prometheus sees of the alerts: the gauge of the alerts open now, for /metrics, and the
// PromQL of each rule over the /metrics names, which rulesExport.ts writes out as a Prometheus
// alerting rules file, so that an owner who outgrows one Pi runs the same rules in Prometheus +
// Alertmanager across every host.

import { Exposition } from "../views/exposition.ts"
import { formatDuration } from "./duration.ts"
import type { Alert } from "./engine.ts"
import { type Figure, figure, METRICS, SUBJECT_LABEL } from "./figures.ts"
import type { Rule } from "./rules.ts"

// Prometheus's own ALERTS series names its labels alertname and alertstate, and carries the
// alert's labels (here severity and the subject's label): a dashboard or query written for ALERTS
// works on this gauge by changing the metric name only. The name itself is ours, not ALERTS: a
// Prometheus that scrapes this service and also runs the exported rules would otherwise hold two
// ALERTS series per alert (one scraped, one its own), and exporters keep their prefix.
export const renderAlertsGauge = (alerts: ReadonlyArray<Alert>): string =>
  new Exposition()
    .gauge(
      METRICS.alerts,
      "Alerts pending or firing now, 1 for each, labelled as Prometheus labels its ALERTS series",
      alerts.map((a) => {
        const label = SUBJECT_LABEL[a.subjectKind]
        return {
          labels: {
            alertname: a.alertname,
            alertstate: a.state,
            severity: a.severity,
            ...(label === undefined ? {} : { [label]: a.subject })
          },
          value: 1
        }
      })
    )
    .toString()

const escapeString = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
// RE2, which PromQL anchors at both ends.
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const selectorFor = (f: Figure, rule: Rule): string => {
  const label = SUBJECT_LABEL[f.kind]
  if (label === undefined || rule.subjects === "*") return ""
  if (rule.subjects.length === 1) return `{${label}="${escapeString(rule.subjects[0]!)}"}`
  return `{${label}=~"${escapeString(rule.subjects.map(escapeRegex).join("|"))}"}`
}

const PROMQL_OPERATOR = { ">": ">", ">=": ">=", "<": "<", "<=": "<=", "==": "==", "!=": "!=" } as const

/** The PromQL of a rule: the figure's expression compared with the threshold, with its hysteresis. */
export const ruleExpression = (rule: Rule): string => {
  const f = figure(rule.figure)
  const range = formatDuration(rule.windowMillis ?? f.window ?? 0)
  const value = `(${f.promql(selectorFor(f, rule), range)})`
  const op = PROMQL_OPERATOR[rule.comparison]
  const literal = (t: number | boolean) => (typeof t === "boolean" ? (t ? "1" : "0") : String(t))
  const breach = `${value} ${op} ${literal(rule.threshold)}`
  if (rule.resolve === null || rule.resolve === rule.threshold) return breach
  // Once firing, the alert holds while the value is past the resolve threshold: Prometheus's
  // ALERTS series of the previous evaluation tells which series are firing. Pending alerts do not
  // match it, so they need the threshold itself, as in this service's engine.
  return (
    `${breach} or (${value} ${op} ${literal(rule.resolve)}` +
    ` and ignoring (alertname, alertstate, severity) ALERTS{alertname="${escapeString(rule.name)}", alertstate="firing"})`
  )
}
