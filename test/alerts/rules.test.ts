import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { AlertHistory } from "../../src/alerts/AlertHistory.ts"
import { AlertRulesInvalid } from "../../src/alerts/AlertRulesInvalid.ts"
import { Alerts } from "../../src/alerts/Alerts.ts"
import {
  DEFAULT_RULES,
  decodeRulesDocument,
  formatProblem,
  type Rule,
  type RuleProblem
} from "../../src/alerts/rules.ts"
import { loadRules } from "../../src/alerts/rulesFile.ts"

const decode = (document: unknown) => decodeRulesDocument(document)

const README = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8")
const README_EXAMPLE = /```yaml\n(# alerts\.yaml\n[\s\S]*?)```/.exec(README)![1]!

const rulesOf = (document: unknown): ReadonlyArray<Rule> => {
  const r = decode(document)
  if ("problems" in r) throw new Error(r.problems.map(formatProblem).join("\n"))
  return r.rules
}

const problemsOf = (document: unknown): ReadonlyArray<RuleProblem> => {
  const r = decode(document)
  if (!("problems" in r)) throw new Error("expected problems, the document was accepted")
  return r.problems
}

/** The single problem of a one-rule file, checked to name the rule and the field. */
const problemOf = (entry: Record<string, unknown>, field: string): RuleProblem => {
  const problems = problemsOf({ rules: [entry] })
  assert.strictEqual(problems.length, 1, problems.map(formatProblem).join("\n"))
  const p = problems[0]!
  assert.strictEqual(p.field, field)
  assert.strictEqual(p.rule, typeof entry.name === "string" && /^[A-Za-z]/.test(entry.name) ? entry.name : "rules[0]")
  return p
}

const byName = (rules: ReadonlyArray<Rule>, name: string) => rules.find((r) => r.name === name)!

const newRule = { name: "WebSlow", figure: "probe.latency", comparison: ">", threshold: 800 }

describe("default rules", () => {
  it("are the Pi defaults of the issue, all on", () => {
    const brief = DEFAULT_RULES.map((r) =>
      [r.name, r.figure, r.comparison, r.threshold, r.forMillis / 1000, r.windowMillis, r.enabled].join(" ")
    )
    assert.deepStrictEqual(brief, [
      "CpuTemperatureHigh host.cpu_temperature >= 80 120  true",
      "UnderVoltage host.under_voltage == true 0  true",
      "DiskAlmostFull disk.used >= 90 300  true",
      "MemoryLow host.memory_available < 10 300  true",
      "ContainerNotRunning container.running == false 60  true",
      "ContainerUnhealthy container.unhealthy == true 60  true",
      "ContainerCrashLooping container.restarts >= 3 0 600000 true",
      "ProbeDown probe.consecutive_failures >= 2 0  true",
      "TlsCertificateExpiring probe.tls_days_left < 14 0  true"
    ])
    // Default resolve margins: 5 °C, 2 points of disk, 3 points of memory.
    assert.strictEqual(byName(DEFAULT_RULES, "CpuTemperatureHigh").resolve, 75)
    assert.strictEqual(byName(DEFAULT_RULES, "DiskAlmostFull").resolve, 88)
    assert.strictEqual(byName(DEFAULT_RULES, "MemoryLow").resolve, 13)
  })

  it.effect("are what runs without a rules file", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* loadRules(undefined), DEFAULT_RULES)
      assert.strictEqual(yield* loadRules(""), DEFAULT_RULES)
    })
  )

  it("an empty file, or one with no rules, keeps them", () => {
    assert.deepStrictEqual(rulesOf(null), DEFAULT_RULES)
    assert.deepStrictEqual(rulesOf({}), DEFAULT_RULES)
    assert.deepStrictEqual(rulesOf({ rules: [] }), DEFAULT_RULES)
  })
})

describe("a rules file", () => {
  it("changes a default by name: only the fields it gives, the resolve threshold following the new threshold", () => {
    const rules = rulesOf({ rules: [{ name: "DiskAlmostFull", threshold: 85, for: "10m", subjects: ["/"] }] })
    const disk = byName(rules, "DiskAlmostFull")
    assert.strictEqual(disk.threshold, 85)
    assert.strictEqual(disk.resolve, 83)
    assert.strictEqual(disk.forMillis, 600_000)
    assert.deepStrictEqual(disk.subjects, ["/"])
    assert.strictEqual(disk.comparison, ">=")
    assert.strictEqual(disk.severity, "warning")
    assert.strictEqual(rules.length, DEFAULT_RULES.length)
  })

  it("switches a default off by name", () => {
    const rules = rulesOf({ rules: [{ name: "UnderVoltage", enabled: false }] })
    assert.isFalse(byName(rules, "UnderVoltage").enabled)
    assert.isTrue(byName(rules, "CpuTemperatureHigh").enabled)
  })

  it("adds rules after the defaults; the file's destinations go to every rule that names none", () => {
    const rules = rulesOf({
      destinations: ["ntfy://ntfy.example/pi"],
      rules: [
        { ...newRule, subjects: "web", for: "1m", severity: "critical", repeat: "1h", resolve: 500 },
        { name: "ProbeDown", destinations: ["phone"] }
      ]
    })
    assert.strictEqual(rules.length, DEFAULT_RULES.length + 1)
    const web = rules.at(-1)!
    assert.deepStrictEqual(web, {
      name: "WebSlow",
      figure: "probe.latency",
      subjects: ["web"],
      comparison: ">",
      threshold: 800,
      resolve: 500,
      forMillis: 60_000,
      windowMillis: null,
      severity: "critical",
      repeatMillis: 3_600_000,
      destinations: ["ntfy://ntfy.example/pi"],
      enabled: true
    })
    assert.deepStrictEqual(byName(rules, "ProbeDown").destinations, ["phone"])
    assert.deepStrictEqual(byName(rules, "DiskAlmostFull").destinations, ["ntfy://ntfy.example/pi"])
  })

  it("a new rule's resolve threshold defaults to the figure's margin (20 % of a latency threshold)", () => {
    const web = rulesOf({ rules: [newRule] }).at(-1)!
    assert.strictEqual(web.resolve, 640)
    assert.strictEqual(web.forMillis, 0)
    assert.strictEqual(web.severity, "warning")
    assert.strictEqual(web.repeatMillis, 4 * 3_600_000)
  })
})

describe("rules file errors name the rule, the field and what it accepts", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string, RegExp, RegExp]> = [
    [
      "an unknown figure",
      { ...newRule, figure: "cpu" },
      "figure",
      /"cpu" is not a figure/,
      /host\.cpu_usage, .*disk\.used/
    ],
    ["a missing figure", { name: "New", comparison: ">", threshold: 1 }, "figure", /missing/, /host\.cpu_temperature/],
    ["an unknown comparison", { ...newRule, comparison: "=>" }, "comparison", /"=>"/, /^>, >=, <, <=, ==, !=$/],
    [
      "an ordering of a boolean",
      { name: "UnderVoltage", comparison: ">" },
      "comparison",
      /does not compare true and false/,
      /== or !=/
    ],
    [
      "a threshold as text",
      { ...newRule, threshold: "fast" },
      "threshold",
      /"fast" is not a number/,
      /a number of at least 0 \(ms\)/
    ],
    [
      "a percentage over 100",
      { name: "DiskAlmostFull", threshold: 120 },
      "threshold",
      /120 is out of range/,
      /from 0 to 100 \(%\)/
    ],
    [
      "a number for a boolean figure",
      { name: "ContainerNotRunning", threshold: 0 },
      "threshold",
      /0 is not true or false/,
      /true or false/
    ],
    [
      "a resolve threshold past the threshold",
      { name: "CpuTemperatureHigh", resolve: 85 },
      "resolve",
      /85 is on the wrong side/,
      /at most the threshold 80/
    ],
    ["a resolve threshold for ==", { name: "UnderVoltage", resolve: 1 }, "resolve", /given/, /nothing for == and !=/],
    [
      "a duration in words",
      { name: "MemoryLow", for: "5 minutes" },
      "for",
      /"5 minutes" is not a duration/,
      /30s, 2m or 1h/
    ],
    [
      "a duration without its unit",
      { name: "MemoryLow", for: 300 },
      "for",
      /needs a unit/,
      /from 0s \(at once\) to 24h/
    ],
    ["a duration too long", { name: "MemoryLow", for: "48h" }, "for", /"48h" is out of range/, /to 24h/],
    ["a window on a gauge", { name: "MemoryLow", window: "10m" }, "window", /given/, /container\.restarts/],
    [
      "a window too short",
      { name: "ContainerCrashLooping", window: "10s" },
      "window",
      /out of range/,
      /from 1m to 24h/
    ],
    ["a repeat too short", { name: "ProbeDown", repeat: "30s" }, "repeat", /out of range/, /0s for no reminders/],
    [
      "an unknown severity",
      { name: "ProbeDown", severity: "urgent" },
      "severity",
      /"urgent"/,
      /^info, warning, critical$/
    ],
    [
      "subjects on a host figure",
      { name: "MemoryLow", subjects: ["web"] },
      "subjects",
      /given/,
      /a figure of the host/
    ],
    [
      "subjects as a number",
      { name: "ProbeDown", subjects: 5 },
      "subjects",
      /5 is neither/,
      /a list of at most 100 probe names/
    ],
    ["enabled as text", { name: "ProbeDown", enabled: "yes" }, "enabled", /"yes" is not a boolean/, /true or false/],
    ["a misspelt field", { name: "ProbeDown", treshold: 3 }, "treshold", /not a field of a rule/, /threshold/],
    [
      "a missing name",
      { figure: "disk.used", comparison: ">", threshold: 1 },
      "name",
      /missing/,
      /starting with a letter/
    ],
    ["a bad name", { ...newRule, name: "1st rule" }, "name", /"1st rule" is not such a name/, /at most 64 letters/]
  ]
  for (const [what, entry, field, problem, accepts] of cases) {
    it(what, () => {
      const p = problemOf(entry, field)
      assert.match(p.problem, problem)
      assert.match(p.accepts, accepts)
      const line = formatProblem(p)
      assert.include(line, `field "${field}"`)
      assert.include(line, `rule "${p.rule}"`)
      assert.include(line, "it accepts")
    })
  }

  it("a destination is never echoed: it may hold a token", () => {
    const secret = "telegram://123456:AAE-secret-token@telegram?chats=1"
    const p = problemOf({ name: "ProbeDown", destinations: secret }, "destinations")
    assert.notInclude(JSON.stringify(p), "secret-token")
    const nested = problemsOf({ destinations: [secret, ""], rules: [] })
    assert.notInclude(JSON.stringify(nested), "secret-token")
    assert.strictEqual(nested[0]!.field, "destinations")
  })

  it("every problem of the file is reported at once, the duplicate name included", () => {
    const problems = problemsOf({
      rules: [
        { name: "DiskAlmostFull", threshold: "high" },
        { name: "WebSlow", figure: "probe.latency", comparison: ">", threshold: 800, severity: "loud" },
        { ...newRule },
        { name: "New" }
      ]
    })
    assert.deepStrictEqual(
      problems.map((p) => `${p.rule}.${p.field}`),
      ["DiskAlmostFull.threshold", "WebSlow.severity", "New.figure"]
    )
    const duplicate = problemsOf({ rules: [newRule, newRule] })
    assert.deepStrictEqual(
      duplicate.map((p) => `${p.rule}.${p.field}: ${p.problem}`),
      ["WebSlow.name: rules[1] repeats it"]
    )
  })

  it("file-level mistakes name the key", () => {
    assert.deepStrictEqual(
      problemsOf({ rules: [], alerts: [] }).map((p) => p.field),
      ["alerts"]
    )
    assert.deepStrictEqual(
      problemsOf([newRule]).map((p) => [p.field, p.accepts]),
      [["(file)", "a mapping with the keys rules, destinations"]]
    )
    assert.deepStrictEqual(
      problemsOf({ rules: newRule }).map((p) => p.field),
      ["rules"]
    )
    assert.deepStrictEqual(
      problemsOf({ rules: ["ProbeDown"] }).map((p) => [p.rule, p.field]),
      [["rules[0]", "(rule)"]]
    )
  })
})

describe("loading SYSTEM_PROFILER_ALERTS_FILE", () => {
  const withFile = <A, E>(name: string, content: string, use: (path: string) => Effect.Effect<A, E>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "alerts-"))),
      (dir) => {
        const path = join(dir, name)
        writeFileSync(path, content)
        return use(path)
      },
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )

  const failure = (path: string) =>
    loadRules(path).pipe(
      Effect.flip,
      Effect.tap((e) => Effect.sync(() => assert.instanceOf(e, AlertRulesInvalid)))
    )

  it.effect("reads YAML: the README's example", () =>
    withFile("alerts.yaml", README_EXAMPLE, (path) =>
      Effect.gen(function* () {
        const rules = yield* loadRules(path)
        assert.strictEqual(byName(rules, "DiskAlmostFull").threshold, 85)
        assert.isFalse(byName(rules, "UnderVoltage").enabled)
        const web = byName(rules, "WebSlow")
        assert.deepStrictEqual(web.subjects, ["web"])
        assert.strictEqual(web.resolve, 500)
        assert.strictEqual(web.repeatMillis, 3_600_000)
        assert.deepStrictEqual(web.destinations, ["ntfy://ntfy.sh/my-pi-alerts"])
        assert.deepStrictEqual(byName(rules, "ProbeDown").destinations, ["ntfy://ntfy.sh/my-pi-alerts"])
      })
    )
  )

  it.effect("reads JSON", () =>
    withFile("alerts.json", JSON.stringify({ rules: [{ name: "MemoryLow", threshold: 5 }] }), (path) =>
      Effect.map(loadRules(path), (rules) => assert.strictEqual(byName(rules, "MemoryLow").threshold, 5))
    )
  )

  it.effect("YAML 1.2: `enabled: no` is the text no, which the rule refuses, not a silent false", () =>
    withFile("alerts.yml", "rules:\n  - name: ProbeDown\n    enabled: no\n", (path) =>
      Effect.map(failure(path), (e) => {
        assert.strictEqual(e.reason._tag, "RulesRejected")
        assert.include(e.message, 'rule "ProbeDown", field "enabled": "no" is not a boolean; it accepts true or false')
        assert.include(e.message, `SYSTEM_PROFILER_ALERTS_FILE (${path})`)
      })
    )
  )

  it.effect("a syntax error names the line and never quotes it (it may hold a token)", () =>
    withFile(
      "alerts.yaml",
      "rules:\n  - name: ProbeDown\n    destinations: [telegram://123:AAE-secret-token@telegram\n",
      (path) =>
        Effect.map(failure(path), (e) => {
          assert.strictEqual(e.reason._tag, "RulesFileSyntax")
          assert.match(e.message, /is not valid YAML at line \d+/)
          assert.notInclude(e.message, "secret-token")
        })
    )
  )

  it.effect("a JSON syntax error does not quote the text either", () =>
    withFile("alerts.json", '{"destinations": ["ntfy://user:secret-token@ntfy.sh/x"] "rules": []}', (path) =>
      Effect.map(failure(path), (e) => {
        assert.strictEqual(e.reason._tag, "RulesFileSyntax")
        assert.match(e.message, /is not valid JSON at line 1/)
        assert.notInclude(e.message, "secret-token")
      })
    )
  )

  it.effect("a key given twice is a syntax error, not a silent override", () =>
    withFile("alerts.yaml", "rules:\n  - name: ProbeDown\n    threshold: 2\n    threshold: 5\n", (path) =>
      Effect.map(failure(path), (e) => assert.match(e.message, /line 4.*DUPLICATE_KEY/))
    )
  )

  it.effect("a missing file, a directory, or a huge file is unreadable", () =>
    Effect.gen(function* () {
      const missing = yield* failure("/nonexistent/alerts.yaml")
      assert.strictEqual(missing.reason._tag, "RulesFileUnreadable")
      assert.include(missing.message, "no such file")
      const dir = yield* failure(tmpdir())
      assert.include(dir.message, "directory")
      yield* withFile("big.yaml", `# ${"x".repeat(300 * 1024)}\n`, (path) =>
        Effect.map(failure(path), (e) => assert.match(e.message, /more than the 262144 accepted/))
      )
    })
  )

  it.effect("a bad file fails the Alerts layer, which stops the start", () =>
    withFile("alerts.yaml", "rules:\n  - name: DiskAlmostFull\n    threshold: 101\n", (path) =>
      Effect.gen(function* () {
        const error = yield* Layer.build(
          Alerts.layerFromEnv({ SYSTEM_PROFILER_ALERTS_FILE: path }).pipe(Layer.provide(AlertHistory.layerMemory()))
        ).pipe(Effect.scoped, Effect.flip)
        assert.strictEqual(error._tag, "AlertRulesInvalid")
        assert.include(error.message, 'rule "DiskAlmostFull", field "threshold": 101 is out of range')
        const grace = yield* Layer.build(
          Alerts.layerFromEnv({ SYSTEM_PROFILER_ALERTS_GRACE: "2m" }).pipe(Layer.provide(AlertHistory.layerMemory()))
        ).pipe(Effect.scoped, Effect.flip)
        assert.strictEqual(grace._tag, "ConfigInvalid")
        assert.include(grace.message, "SYSTEM_PROFILER_ALERTS_GRACE")
        const ok = yield* Layer.build(
          Alerts.layerFromEnv({ SYSTEM_PROFILER_ALERTS_FILE: "", SYSTEM_PROFILER_ALERTS_GRACE: "10s" }).pipe(
            Layer.provide(AlertHistory.layerMemory())
          )
        ).pipe(
          Effect.scoped,
          Effect.map(() => "built")
        )
        assert.strictEqual(ok, "built")
      })
    )
  )
})
