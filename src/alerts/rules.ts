import { Option, Schema } from "effect"
import { formatDuration, parseDuration } from "./duration.ts"
import { defaultResolve, FIGURE_IDS, type Figure, type FigureId, figure, type SubjectKind } from "./figures.ts"

export const SEVERITIES = ["info", "warning", "critical"] as const
export const Severity = Schema.Literals(SEVERITIES)
export type Severity = typeof Severity.Type

export const COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const
export const Comparison = Schema.Literals(COMPARISONS)
export type Comparison = typeof Comparison.Type

/** A rule as the engine runs it: every default applied, durations in milliseconds. */
export const Rule = Schema.Struct({
  name: Schema.String,
  figure: Schema.Literals(FIGURE_IDS),
  subjects: Schema.Union([Schema.Literal("*"), Schema.Array(Schema.String)]),
  comparison: Comparison,
  threshold: Schema.Union([Schema.Finite, Schema.Boolean]),
  /** Numbers compared with > >= < <=: while firing, the alert holds as long as the value passes this. */
  resolve: Schema.NullOr(Schema.Finite),
  forMillis: Schema.Int,
  /** increase figures: the window the growth is measured over. */
  windowMillis: Schema.NullOr(Schema.Int),
  severity: Severity,
  /** A reminder while firing this often; 0: none. */
  repeatMillis: Schema.Int,
  /** Names or URLs of where to send it, opaque here; empty: the service's default destinations. */
  destinations: Schema.Array(Schema.String),
  enabled: Schema.Boolean
}).annotate({ identifier: "AlertRule" })
export type Rule = typeof Rule.Type

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DEFAULT_REPEAT = 4 * HOUR

const base = {
  subjects: "*",
  windowMillis: null,
  repeatMillis: DEFAULT_REPEAT,
  destinations: [],
  enabled: true
} as const

const withResolve = (rule: Omit<Rule, "resolve">): Rule => ({ ...rule, resolve: computedResolve(rule) })

/** The rules that run out of the box, tuned for a Raspberry Pi. A rules file changes them by name. */
export const DEFAULT_RULES: ReadonlyArray<Rule> = [
  {
    ...base,
    name: "CpuTemperatureHigh",
    figure: "host.cpu_temperature",
    comparison: ">=",
    threshold: 80,
    forMillis: 2 * MINUTE,
    severity: "warning"
  },
  {
    ...base,
    name: "UnderVoltage",
    figure: "host.under_voltage",
    comparison: "==",
    threshold: true,
    forMillis: 0,
    severity: "critical"
  },
  {
    ...base,
    name: "DiskAlmostFull",
    figure: "disk.used",
    comparison: ">=",
    threshold: 90,
    forMillis: 5 * MINUTE,
    severity: "warning"
  },
  {
    ...base,
    name: "MemoryLow",
    figure: "host.memory_available",
    comparison: "<",
    threshold: 10,
    forMillis: 5 * MINUTE,
    severity: "warning"
  },
  {
    ...base,
    name: "ContainerNotRunning",
    figure: "container.running",
    comparison: "==",
    threshold: false,
    forMillis: MINUTE,
    severity: "critical"
  },
  {
    ...base,
    name: "ContainerUnhealthy",
    figure: "container.unhealthy",
    comparison: "==",
    threshold: true,
    forMillis: MINUTE,
    severity: "critical"
  },
  {
    ...base,
    name: "ContainerCrashLooping",
    figure: "container.restarts",
    comparison: ">=",
    threshold: 3,
    windowMillis: 10 * MINUTE,
    forMillis: 0,
    severity: "critical"
  },
  {
    ...base,
    name: "ProbeDown",
    figure: "probe.consecutive_failures",
    comparison: ">=",
    threshold: 2,
    forMillis: 0,
    severity: "critical"
  },
  {
    ...base,
    name: "TlsCertificateExpiring",
    figure: "probe.tls_days_left",
    comparison: "<",
    threshold: 14,
    forMillis: 0,
    severity: "warning",
    repeatMillis: 24 * HOUR
  }
].map((rule) => withResolve(rule as Omit<Rule, "resolve">))

function computedResolve(rule: Pick<Rule, "figure" | "comparison" | "threshold">): number | null {
  const { comparison, threshold } = rule
  if (typeof threshold !== "number" || comparison === "==" || comparison === "!=") return null
  return defaultResolve(figure(rule.figure), comparison, threshold)
}

// ---------------------------------------------------------------------------------------------
// The rules file

/** One thing wrong in a rules file: which rule, which field, what it accepts and what it holds. */
export const RuleProblem = Schema.Struct({
  rule: Schema.String.annotate({ description: 'The rule\'s name, or its position ("rules[3]") when it has none' }),
  field: Schema.String,
  accepts: Schema.String,
  problem: Schema.String
})
export type RuleProblem = typeof RuleProblem.Type

export const formatProblem = (p: RuleProblem): string =>
  p.rule === ""
    ? `${p.field}: ${p.problem}; it accepts ${p.accepts}`
    : `rule "${p.rule}", field "${p.field}": ${p.problem}; it accepts ${p.accepts}`

const RULE_FIELDS = [
  "name",
  "figure",
  "subjects",
  "comparison",
  "threshold",
  "resolve",
  "for",
  "window",
  "severity",
  "repeat",
  "destinations",
  "enabled"
] as const
const FILE_FIELDS = ["rules", "destinations"] as const

const MAX_RULES = 200
const MAX_SUBJECTS = 100
const MAX_DESTINATIONS = 16
const MAX_TEXT = 256

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/
const Name = Schema.String.check(Schema.isPattern(NAME_PATTERN))
const SubjectName = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_TEXT))
const Subjects = Schema.Union([
  Schema.Literal("*"),
  SubjectName,
  Schema.Array(SubjectName).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_SUBJECTS))
])
const DurationText = Schema.String.check(Schema.isMaxLength(32))
const Destinations = Schema.Array(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(2048))).check(
  Schema.isMaxLength(MAX_DESTINATIONS)
)
const FigureSchema = Schema.Literals(FIGURE_IDS)
const Entry = Schema.Record(Schema.String, Schema.Unknown)
const Document = Schema.Struct({
  rules: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  destinations: Schema.optionalKey(Schema.Unknown)
})

const decodes =
  <S extends Schema.ConstraintDecoder<unknown>>(schema: S) =>
  (input: unknown): Option.Option<S["Type"]> =>
    Schema.decodeUnknownOption(schema)(input)

const decodeName = decodes(Name)
const decodeFigure = decodes(FigureSchema)
const decodeSubjects = decodes(Subjects)
const decodeComparison = decodes(Comparison)
const decodeSeverity = decodes(Severity)
const decodeFinite = decodes(Schema.Finite)
const decodeBoolean = decodes(Schema.Boolean)
const decodeDurationText = decodes(DurationText)
const decodeDestinations = decodes(Destinations)
const decodeEntry = decodes(Entry)
const decodeDocument = decodes(Document)

/** How a bad value is shown in a message: short, and never a whole object. */
const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value)
  if (Array.isArray(value)) return "a list"
  return typeof value === "object" ? "a mapping" : typeof value
}

const DURATION_ACCEPTS = "a duration such as 30s, 2m or 1h"

const KIND_NOUN: Record<Exclude<SubjectKind, "host">, string> = {
  disk: "mount points",
  container: "container names",
  probe: "probe names"
}

const thresholdAccepts = (f: Figure): string => {
  if (f.type === "boolean") return "true or false"
  const unit = f.unit === "" ? "" : ` (${f.unit})`
  const { min, max } = f.range
  if (Number.isFinite(min) && Number.isFinite(max)) return `a number from ${min} to ${max}${unit}`
  if (Number.isFinite(min)) return `a number of at least ${min}${unit}`
  return `a number${unit}`
}

type Entry = Readonly<Record<string, unknown>>

type Report = (field: string, accepts: string, problem: string) => void

// The values are never shown: a destination URL may hold a token.
const destinationsOf = (raw: unknown, report: Report): ReadonlyArray<string> | undefined => {
  const d = decodeDestinations(raw)
  if (Option.isSome(d)) return d.value
  report(
    "destinations",
    `a list of at most ${MAX_DESTINATIONS} destination names or URLs`,
    "it is not a list of non-empty strings"
  )
  return undefined
}

const has = (entry: Entry, field: string) => Object.hasOwn(entry, field)

/**
 * Rules from a decoded rules file (YAML or JSON, already parsed): the defaults with the file's
 * changes applied by name, then the file's own rules. Every problem is reported, not only the first.
 */
export const decodeRulesDocument = (
  document: unknown,
  defaults: ReadonlyArray<Rule> = DEFAULT_RULES
): { readonly rules: ReadonlyArray<Rule> } | { readonly problems: ReadonlyArray<RuleProblem> } => {
  const problems: Array<RuleProblem> = []
  const fileProblem: Report = (field, accepts, problem) => {
    problems.push({ rule: "", field, accepts, problem })
  }

  if (document === null || document === undefined) return { rules: defaults }
  const top = decodeEntry(document)
  if (Option.isNone(top)) {
    fileProblem("(file)", `a mapping with the keys ${FILE_FIELDS.join(", ")}`, `it holds ${show(document)}`)
    return { problems }
  }
  for (const key of Object.keys(top.value)) {
    if (!(FILE_FIELDS as ReadonlyArray<string>).includes(key)) {
      fileProblem(key, `the keys ${FILE_FIELDS.join(", ")}`, "it is not a key of a rules file")
    }
  }
  const doc = decodeDocument(top.value)
  if (Option.isNone(doc)) {
    fileProblem("rules", "a list of rules", `it holds ${show(top.value.rules)}`)
    return { problems }
  }
  const fileDestinations = has(top.value, "destinations")
    ? (destinationsOf(top.value.destinations, fileProblem) ?? [])
    : []
  const entries = doc.value.rules ?? []
  if (entries.length > MAX_RULES) {
    fileProblem("rules", `at most ${MAX_RULES} rules`, `it holds ${entries.length}`)
    return { problems }
  }

  const byName = new Map(defaults.map((r) => [r.name, r]))
  const seen = new Set<string>()
  const added: Array<Rule> = []
  entries.forEach((raw, index) => {
    const decoded = decodeRule(raw, index, byName, fileDestinations)
    if ("problems" in decoded) {
      problems.push(...decoded.problems)
      return
    }
    const rule = decoded.rule
    if (seen.has(rule.name)) {
      problems.push({
        rule: rule.name,
        field: "name",
        accepts: "a name used by one rule of the file only",
        problem: `rules[${index}] repeats it`
      })
      return
    }
    seen.add(rule.name)
    if (byName.has(rule.name)) byName.set(rule.name, rule)
    else added.push(rule)
  })
  if (problems.length > 0) return { problems }
  return {
    rules: [
      ...defaults.map((d) => {
        const rule = byName.get(d.name)!
        return rule.destinations.length === 0 ? { ...rule, destinations: fileDestinations } : rule
      }),
      ...added
    ]
  }
}

const decodeRule = (
  raw: unknown,
  index: number,
  defaults: ReadonlyMap<string, Rule>,
  fileDestinations: ReadonlyArray<string>
): { readonly rule: Rule } | { readonly problems: ReadonlyArray<RuleProblem> } => {
  const position = `rules[${index}]`
  const entryOption = decodeEntry(raw)
  if (Option.isNone(entryOption)) {
    return {
      problems: [
        {
          rule: position,
          field: "(rule)",
          accepts: `a mapping with the fields ${RULE_FIELDS.join(", ")}`,
          problem: `it holds ${show(raw)}`
        }
      ]
    }
  }
  const entry = entryOption.value
  const problems: Array<RuleProblem> = []
  const name = decodeName(entry.name)
  const label = Option.isSome(name) ? name.value : position
  const problem: Report = (field, accepts, text) => {
    problems.push({ rule: label, field, accepts, problem: text })
  }

  if (Option.isNone(name)) {
    problem(
      "name",
      "a name of at most 64 letters, digits, _, . and -, starting with a letter",
      has(entry, "name") ? `${show(entry.name)} is not such a name` : "it is missing"
    )
  }
  for (const key of Object.keys(entry)) {
    if (!(RULE_FIELDS as ReadonlyArray<string>).includes(key)) {
      problem(key, `the fields ${RULE_FIELDS.join(", ")}`, "it is not a field of a rule")
    }
  }
  const known = Option.isSome(name) ? defaults.get(name.value) : undefined

  // The figure decides what every other field accepts, so it is settled first.
  let figureId: FigureId | undefined = known?.figure
  if (has(entry, "figure")) {
    const f = decodeFigure(entry.figure)
    if (Option.isNone(f)) {
      problem("figure", `one of ${FIGURE_IDS.join(", ")}`, `${show(entry.figure)} is not a figure`)
      figureId = undefined
    } else figureId = f.value
  } else if (known === undefined) {
    problem("figure", `one of ${FIGURE_IDS.join(", ")}`, "it is missing (a new rule needs it)")
  }
  if (figureId === undefined) return { problems }
  const f = figure(figureId)
  const figureChanged = known !== undefined && known.figure !== figureId

  // subjects
  let subjects: Rule["subjects"] = known !== undefined && !figureChanged ? known.subjects : "*"
  if (has(entry, "subjects")) {
    if (f.kind === "host") {
      problem("subjects", `nothing: ${f.id} is a figure of the host`, "it is given")
    } else {
      const s = decodeSubjects(entry.subjects)
      if (Option.isNone(s)) {
        problem(
          "subjects",
          `"*" for all, or a list of at most ${MAX_SUBJECTS} ${KIND_NOUN[f.kind]}`,
          `${show(entry.subjects)} is neither`
        )
      } else subjects = typeof s.value === "string" && s.value !== "*" ? [s.value] : s.value
    }
  }

  // comparison
  const comparisonAccepts = f.type === "boolean" ? "== or != (a boolean figure)" : COMPARISONS.join(", ")
  let comparison: Comparison | undefined = known !== undefined && !figureChanged ? known.comparison : undefined
  if (has(entry, "comparison")) {
    const c = decodeComparison(entry.comparison)
    if (Option.isNone(c)) problem("comparison", comparisonAccepts, `${show(entry.comparison)} is not a comparison`)
    comparison = Option.getOrUndefined(c)
  } else if (comparison === undefined) {
    problem("comparison", comparisonAccepts, "it is missing (a new rule, or one whose figure changed, needs it)")
  }
  if (comparison !== undefined && f.type === "boolean" && comparison !== "==" && comparison !== "!=") {
    problem("comparison", comparisonAccepts, `${comparison} does not compare true and false`)
    comparison = undefined
  }

  // threshold
  const accepts = thresholdAccepts(f)
  let threshold: number | boolean | undefined = known !== undefined && !figureChanged ? known.threshold : undefined
  if (has(entry, "threshold")) {
    const value = entry.threshold
    const t: Option.Option<number | boolean> = f.type === "boolean" ? decodeBoolean(value) : decodeFinite(value)
    threshold = undefined
    if (Option.isNone(t)) {
      problem("threshold", accepts, `${show(value)} is not ${f.type === "boolean" ? "true or false" : "a number"}`)
    } else if (typeof t.value === "number" && (t.value < f.range.min || t.value > f.range.max)) {
      problem("threshold", accepts, `${t.value} is out of range`)
    } else threshold = t.value
  } else if (threshold === undefined) {
    problem("threshold", accepts, "it is missing (a new rule, or one whose figure changed, needs it)")
  }

  // resolve
  let resolve: number | null = null
  if (comparison !== undefined && threshold !== undefined) {
    resolve = computedResolve({ figure: figureId, comparison, threshold })
    if (has(entry, "resolve")) {
      const r = decodeFinite(entry.resolve)
      if (f.type === "boolean" || comparison === "==" || comparison === "!=") {
        problem("resolve", "nothing for == and !=: they cannot hover", "it is given")
      } else if (Option.isNone(r)) {
        problem(
          "resolve",
          `a number on the safe side of the threshold ${threshold}`,
          `${show(entry.resolve)} is not a number`
        )
      } else {
        const upward = comparison === ">" || comparison === ">="
        const ok = upward ? r.value <= (threshold as number) : r.value >= (threshold as number)
        if (!ok) {
          problem(
            "resolve",
            `a number ${upward ? "at most" : "at least"} the threshold ${threshold}: the alert resolves once the value ${upward ? "falls below" : "rises above"} it`,
            `${r.value} is on the wrong side`
          )
        } else resolve = r.value
      }
    }
  }

  const duration = (field: string, fallback: number, min: number, max: number, accepts: string, zero = false) => {
    if (!has(entry, field)) return fallback
    const raw = entry[field]
    const text = decodeDurationText(raw)
    const millis = Option.isSome(text) ? parseDuration(text.value) : undefined
    if (millis === undefined) {
      problem(field, accepts, `${show(raw)} is not a duration${typeof raw === "number" ? " (it needs a unit)" : ""}`)
      return fallback
    }
    if (millis === 0 ? !zero && min > 0 : millis < min || millis > max) {
      problem(field, accepts, `${show(raw)} is out of range`)
      return fallback
    }
    return millis
  }

  const forMillis = duration(
    "for",
    known?.forMillis ?? 0,
    0,
    24 * HOUR,
    `${DURATION_ACCEPTS}, from 0s (at once) to 24h`
  )

  let windowMillis: number | null = null
  if (f.type === "increase") {
    windowMillis = duration(
      "window",
      known !== undefined && !figureChanged && known.windowMillis !== null ? known.windowMillis : f.window!,
      MINUTE,
      24 * HOUR,
      `${DURATION_ACCEPTS}, from 1m to 24h`
    )
  } else if (has(entry, "window")) {
    problem(
      "window",
      `nothing: only the increase figures (container.restarts, container.oom_kills) have one`,
      "it is given"
    )
  }

  const repeatMillis = duration(
    "repeat",
    known?.repeatMillis ?? DEFAULT_REPEAT,
    MINUTE,
    7 * 24 * HOUR,
    `${DURATION_ACCEPTS}, from 1m to 168h, or 0s for no reminders`,
    true
  )

  let severity: Severity = known?.severity ?? "warning"
  if (has(entry, "severity")) {
    const s = decodeSeverity(entry.severity)
    if (Option.isNone(s)) problem("severity", SEVERITIES.join(", "), `${show(entry.severity)} is not a severity`)
    else severity = s.value
  }

  let destinations =
    (has(entry, "destinations") ? destinationsOf(entry.destinations, problem) : undefined) ?? known?.destinations ?? []
  if (destinations.length === 0) destinations = fileDestinations

  let enabled = known?.enabled ?? true
  if (has(entry, "enabled")) {
    const e = decodeBoolean(entry.enabled)
    if (Option.isNone(e)) problem("enabled", "true or false", `${show(entry.enabled)} is not a boolean`)
    else enabled = e.value
  }

  if (problems.length > 0 || Option.isNone(name) || comparison === undefined || threshold === undefined) {
    return { problems }
  }
  return {
    rule: {
      name: name.value,
      figure: figureId,
      subjects: f.kind === "host" ? "*" : subjects,
      comparison,
      threshold,
      resolve,
      forMillis,
      windowMillis,
      severity,
      repeatMillis,
      destinations,
      enabled
    }
  }
}

/** "≥ 80 °C for 2m": the condition of a rule, as messages and summaries print it. */
export const describeCondition = (rule: Rule): string => {
  const f = figure(rule.figure)
  const symbol = { ">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "is", "!=": "is not" }[rule.comparison]
  const unit = f.unit === "" ? "" : f.unit === "%" || f.unit === "°C" ? f.unit : ` ${f.unit}`
  const within = rule.windowMillis === null ? "" : ` within ${formatDuration(rule.windowMillis)}`
  const lasting = rule.forMillis > 0 ? ` for ${formatDuration(rule.forMillis)}` : ""
  return `${f.title} ${symbol} ${String(rule.threshold)}${typeof rule.threshold === "number" ? unit : ""}${within}${lasting}`
}
