// The Prometheus side of the alerts, checked by Prometheus's own tool: promtool (Debian's
// prometheus package, installed by scripts/ensure-test-tools.sh). Without it these tests fail:
// they must not pass by skipping.

import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { FIGURE_IDS, figure } from "../../src/alerts/figures.ts"
import { renderAlertsGauge, ruleExpression } from "../../src/alerts/prometheus.ts"
import { DEFAULT_RULES, type Rule } from "../../src/alerts/rules.ts"
import { toPrometheusRules } from "../../src/alerts/rulesExport.ts"
import { alertsWith, MINUTE, observe, rulesOf } from "./support.ts"

const promtool = (args: ReadonlyArray<string>, input?: string) => {
  const r = spawnSync("promtool", args, { input, encoding: "utf8" })
  if (r.error !== undefined) {
    throw new Error(`promtool could not run (bash scripts/ensure-test-tools.sh): ${r.error.message}`)
  }
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

const inDir = <A>(use: (dir: string) => A): A => {
  const dir = mkdtempSync(join(tmpdir(), "alerts-promtool-"))
  try {
    return use(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const checkRules = (yaml: string) =>
  inDir((dir) => {
    const file = join(dir, "rules.yml")
    writeFileSync(file, yaml)
    return promtool(["check", "rules", file])
  })

/** One rule on every figure, over awkward subject names, to exercise every expression and escape. */
const everyFigure: ReadonlyArray<Rule> = rulesOf(
  ...FIGURE_IDS.map((id) => {
    const f = figure(id)
    const subjects = f.kind === "host" ? {} : { subjects: ["web.v2", 'odd "name" (1)', "a|b\\c"] }
    return f.type === "boolean"
      ? { name: `R_${id.replace(/\W/g, "_")}`, figure: id, comparison: "!=", threshold: true, ...subjects }
      : {
          name: `R_${id.replace(/\W/g, "_")}`,
          figure: id,
          comparison: "<=",
          threshold: 1,
          resolve: f.kind === "disk" ? 1 : 2,
          for: "90s",
          ...subjects
        }
  })
)

describe("rules exported for Prometheus", () => {
  it("the default rules pass promtool check rules", () => {
    const yaml = toPrometheusRules(DEFAULT_RULES)
    const check = checkRules(yaml)
    assert.strictEqual(check.status, 0, check.output)
    assert.include(check.output, `SUCCESS: ${DEFAULT_RULES.length} rules found`)
    assert.include(yaml, "alert: CpuTemperatureHigh")
    assert.include(yaml, "for: 2m")
    assert.include(yaml, "severity: warning")
  })

  it("a rule on every figure, over subjects that need escaping, passes promtool check rules", () => {
    const check = checkRules(toPrometheusRules(everyFigure))
    assert.strictEqual(check.status, 0, check.output)
    assert.include(check.output, `SUCCESS: ${FIGURE_IDS.length} rules found`)
  })

  it("promtool is strict enough to reject a broken expression (so the checks above mean something)", () => {
    const broken = toPrometheusRules(DEFAULT_RULES).replace("system_profiler_host_temperature_celsius", "rate(")
    assert.notStrictEqual(checkRules(broken).status, 0)
  })

  it("the README's excerpt of the export is what the service exports", () => {
    const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8")
    const excerpt = /```yaml\n(groups:\n[\s\S]*?)```/.exec(readme)![1]!
    const [head, rule] = excerpt.split("      - alert: ")
    const exported = toPrometheusRules(DEFAULT_RULES)
    assert.isTrue(exported.startsWith(head!))
    assert.include(exported, `      - alert: ${rule}`)
  })

  it("disabled rules are left out", () => {
    const yaml = toPrometheusRules(DEFAULT_RULES.map((r) => (r.name === "UnderVoltage" ? { ...r, enabled: false } : r)))
    assert.notInclude(yaml, "UnderVoltage")
  })

  it("expressions: subjects select by their label; hysteresis holds a firing alert through ALERTS", () => {
    const disk = DEFAULT_RULES.find((r) => r.name === "DiskAlmostFull")!
    assert.strictEqual(
      ruleExpression({ ...disk, subjects: ["/"] }),
      '(100 * system_profiler_host_filesystem_usage_ratio{mountpoint="/"}) >= 90 or ' +
        '((100 * system_profiler_host_filesystem_usage_ratio{mountpoint="/"}) >= 88 and ignoring (alertname, alertstate, severity) ' +
        'ALERTS{alertname="DiskAlmostFull", alertstate="firing"})'
    )
    const down = DEFAULT_RULES.find((r) => r.name === "ContainerNotRunning")!
    assert.strictEqual(
      ruleExpression({ ...down, subjects: ["web", "db.1"] }),
      '(system_profiler_container_running{container=~"web|db\\\\.1"}) == 0'
    )
    const loop = DEFAULT_RULES.find((r) => r.name === "ContainerCrashLooping")!
    assert.strictEqual(ruleExpression(loop), "(increase(system_profiler_container_restarts_total[10m])) >= 3")
  })

  // What promtool check cannot see: that Prometheus evaluates the exported rules as this service
  // does. promtool test rules runs them over series given minute by minute.
  it("Prometheus runs them as the engine does: `for`, hysteresis, booleans (promtool test rules)", () =>
    inDir((dir) => {
      writeFileSync(join(dir, "rules.yml"), toPrometheusRules(DEFAULT_RULES))
      const labels = 'instance="pi:8787", job="system-profiler"'
      const diskAlert = (value: string) => ({
        exp_labels: { severity: "warning", mountpoint: "/", instance: "pi:8787", job: "system-profiler" },
        exp_annotations: {
          summary: `disk / on pi:8787: disk use is ${value}% (alert when disk use ≥ 90% for 5m)`,
          description: figure("disk.used").description
        }
      })
      const tests = {
        rule_files: ["rules.yml"],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: [
              {
                // 50 %, then 91 % from minute 1 to 7, 89 % (inside the margin) to 10, 87 % after.
                series: `system_profiler_host_filesystem_usage_ratio{mountpoint="/", ${labels}}`,
                values: "0.5 0.91 0.91 0.91 0.91 0.91 0.91 0.91 0.89 0.89 0.89 0.87 0.87"
              },
              {
                series: `system_profiler_container_running{container="web", ${labels}}`,
                values: "1 1 0 0 0 0 1 1"
              }
            ],
            alert_rule_test: [
              { eval_time: "5m", alertname: "DiskAlmostFull", exp_alerts: [] },
              { eval_time: "6m", alertname: "DiskAlmostFull", exp_alerts: [diskAlert("91")] },
              { eval_time: "9m", alertname: "DiskAlmostFull", exp_alerts: [diskAlert("89")] },
              { eval_time: "11m", alertname: "DiskAlmostFull", exp_alerts: [] },
              { eval_time: "2m", alertname: "ContainerNotRunning", exp_alerts: [] },
              {
                eval_time: "3m",
                alertname: "ContainerNotRunning",
                exp_alerts: [
                  {
                    exp_labels: {
                      severity: "critical",
                      container: "web",
                      instance: "pi:8787",
                      job: "system-profiler"
                    },
                    exp_annotations: {
                      summary: "container web on pi:8787: running (alert when running is false for 1m)",
                      description: figure("container.running").description
                    }
                  }
                ]
              },
              { eval_time: "6m", alertname: "ContainerNotRunning", exp_alerts: [] }
            ]
          }
        ]
      }
      writeFileSync(join(dir, "tests.yml"), JSON.stringify(tests))
      const run = promtool(["test", "rules", join(dir, "tests.yml")])
      assert.strictEqual(run.status, 0, run.output)
      assert.include(run.output, "SUCCESS")
    }))
})

describe("the alerts gauge for /metrics", () => {
  it.effect("one line per open alert, labelled as Prometheus's ALERTS, which promtool check metrics accepts", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf(
          { name: "Down", figure: "container.running", comparison: "==", threshold: false, for: "1m" },
          { name: "Full", figure: "disk.used", comparison: ">=", threshold: 90, severity: "critical" },
          { name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80 }
        )
      )
      const observation = {
        host: { "host.cpu_temperature": 85 },
        disk: { "/": { "disk.used": 95 } },
        container: { 'we"b': { "container.running": false } }
      }
      yield* observe(alerts, observation)
      assert.strictEqual(renderAlertsGauge([]), "")
      const text = renderAlertsGauge(yield* alerts.current)
      assert.strictEqual(
        text,
        [
          "# HELP system_profiler_alerts Alerts pending or firing now, 1 for each, labelled as Prometheus labels its ALERTS series",
          "# TYPE system_profiler_alerts gauge",
          'system_profiler_alerts{alertname="Full",alertstate="firing",severity="critical",mountpoint="/"} 1',
          'system_profiler_alerts{alertname="Hot",alertstate="firing",severity="warning"} 1',
          'system_profiler_alerts{alertname="Down",alertstate="pending",severity="warning",container="we\\"b"} 1',
          ""
        ].join("\n")
      )
      const check = promtool(["check", "metrics"], text)
      assert.strictEqual(check.output, "")
      assert.strictEqual(check.status, 0)
      yield* TestClock.adjust(MINUTE)
      yield* observe(alerts, observation)
      assert.include(renderAlertsGauge(yield* alerts.current), 'alertstate="firing",severity="warning",container=')
    }).pipe(Effect.scoped)
  )
})
