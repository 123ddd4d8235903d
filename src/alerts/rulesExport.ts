// The rules as a Prometheus alerting rules file (GET /alerts/rules). A module of its own because
// it needs the yaml library, which was about a quarter of the service's main chunk and over a
// megabyte of memory once loaded: the handler imports this module on the first request, so a
// service that is never asked for the file (and reads no rules file) never loads it.

import { stringify } from "yaml"
import { formatDuration } from "./duration.ts"
import { figure, SUBJECT_LABEL } from "./figures.ts"
import { ruleExpression } from "./prometheus.ts"
import { describeCondition, type Rule } from "./rules.ts"

const summaryTemplate = (rule: Rule): string => {
  const f = figure(rule.figure)
  const label = SUBJECT_LABEL[f.kind]
  const where =
    label === undefined ? "{{ $labels.instance }}" : `${f.kind} {{ $labels.${label} }} on {{ $labels.instance }}`
  const unit = f.unit === "" ? "" : f.unit === "%" || f.unit === "°C" ? f.unit : ` ${f.unit}`
  const now = f.type === "boolean" ? "" : ` is {{ $value | humanize }}${unit}`
  return `${where}: ${f.title}${now} (alert when ${describeCondition(rule)})`
}

/** The enabled rules as a Prometheus alerting rules file, which `promtool check rules` accepts. */
export const toPrometheusRules = (rules: ReadonlyArray<Rule>, group = "system-profiler"): string =>
  stringify(
    {
      groups: [
        {
          name: group,
          rules: rules
            .filter((r) => r.enabled)
            .map((rule) => ({
              alert: rule.name,
              expr: ruleExpression(rule),
              ...(rule.forMillis > 0 ? { for: formatDuration(rule.forMillis) } : {}),
              labels: { severity: rule.severity },
              annotations: { summary: summaryTemplate(rule), description: figure(rule.figure).description }
            }))
        }
      ]
    },
    { lineWidth: 0 }
  )
