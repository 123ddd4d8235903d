// The rule engine: a pure function from (state, rules, observation, time) to the next state and
// the transitions that happened. No clock, no I/O: the Alerts service owns the state and the time.
//
// One alert instance per (rule, subject) whose condition holds:
//   (none) --breach--> pending --breach for `for`--> firing --back past the resolve threshold--> resolved
//                      pending --no breach--> cancelled (back to inactive; nothing was announced)
// A rule with `for: 0s` fires on its first breach, without a pending step. While firing, a reminder
// every `repeat`. During the start-up grace nothing fires (pending may start, so that `for` counts
// from the first breach seen); firing waits for the first evaluation after the grace.
//
// An unsampled figure (undefined) is never a breach and never a recovery: the instance holds as it
// is. Only when a pending or firing instance has had no data for `staleMillis` does it end, with
// the reason "no-data". A subject that disappears (a container removed, a probe or disk no longer
// configured) ends its instances at once: a firing one is resolved with the reason
// "subject-gone", a pending one cancelled. When a kind's subjects are not known at all (its
// collector has not sampled yet, or failed), its instances hold as for undefined values.

import { type Figure, type FigureId, figure, HOST_SUBJECT, type SubjectKind } from "./figures.ts"
import type { Observation, ObservationInput } from "./Observation.ts"
import { type Comparison, describeCondition, type Rule, type Severity } from "./rules.ts"

export interface EngineSettings {
  /** From the start (initialState's startedAt, else the first evaluation), how long nothing fires. At most a minute. */
  readonly graceMillis: number
  /** How long a pending or firing alert holds without data before it ends ("no-data"). */
  readonly staleMillis: number
  /** The most change points kept per counter for increase figures. */
  readonly maxSeriesPoints: number
}

export const MAX_GRACE_MILLIS = 60_000

export const DEFAULT_SETTINGS: EngineSettings = {
  graceMillis: 30_000,
  staleMillis: 10 * 60_000,
  maxSeriesPoints: 64
}

export type AlertState = "pending" | "firing"
type Value = number | boolean

export interface Instance {
  readonly rule: Rule
  readonly subject: string
  readonly state: AlertState
  /** When the condition was first seen to hold. */
  readonly activeAt: number
  readonly firedAt: number | null
  /** The last firing or reminder. */
  readonly lastSentAt: number | null
  readonly value: Value
  /** Since when the figure has not been sampled; null while it is. */
  readonly missingSince: number | null
}

interface Point {
  readonly t: number
  readonly v: number
}

export interface EngineState {
  readonly settings: EngineSettings
  /** The time of the first evaluation: the grace runs from it. */
  readonly startedAt: number | null
  readonly instances: ReadonlyMap<string, Instance>
  /** Change points of the counters behind increase figures, by figure and subject. */
  readonly series: ReadonlyMap<string, ReadonlyArray<Point>>
}

/** A fresh state; the grace runs from `startedAt`, or from the first evaluation when it is null. */
export const initialState = (settings: Partial<EngineSettings> = {}, startedAt: number | null = null): EngineState => {
  const merged = { ...DEFAULT_SETTINGS, ...settings }
  return {
    settings: { ...merged, graceMillis: Math.min(Math.max(0, merged.graceMillis), MAX_GRACE_MILLIS) },
    startedAt,
    instances: new Map(),
    series: new Map()
  }
}

export type TransitionEvent = "pending" | "firing" | "reminder" | "resolved" | "cancelled"
export type EndReason = "recovered" | "no-data" | "subject-gone" | "rule-removed"

/** An alert that is pending or firing now. */
export interface Alert {
  readonly alertname: string
  readonly severity: Severity
  readonly state: AlertState
  readonly subjectKind: SubjectKind
  /** HOST_SUBJECT, a mount point, a container name or a probe name. */
  readonly subject: string
  readonly figure: FigureId
  readonly unit: string
  readonly comparison: Comparison
  readonly threshold: Value
  /** The value the figure must come back past to resolve; null for == and !=. */
  readonly resolveThreshold: number | null
  /** The last value seen (an increase figure's growth within its window). */
  readonly value: Value
  /** When the condition began to hold (ms since the epoch). */
  readonly since: number
  readonly firedAt: number | null
  /** One line for a person: what, where, the value and the rule. */
  readonly summary: string
  readonly destinations: ReadonlyArray<string>
}

/** A change of one alert: what a notification, the stream and the history need. */
export interface Transition extends Omit<Alert, "state" | "value"> {
  readonly event: TransitionEvent
  /** The state after the change. */
  readonly state: AlertState | "resolved" | "inactive"
  /** null when the figure is no longer reported (reason no-data, subject-gone). */
  readonly value: Value | null
  /** When this transition happened. */
  readonly at: number
  /** Why an alert ended: set on resolved and cancelled, null otherwise. */
  readonly reason: EndReason | null
}

export interface StepResult {
  readonly state: EngineState
  readonly transitions: ReadonlyArray<Transition>
}

const keyOf = (name: string, subject: string) => `${name}\u0000${subject}`

const holds = (comparison: Comparison, value: Value, threshold: Value): boolean => {
  switch (comparison) {
    case "==":
      return value === threshold
    case "!=":
      return value !== threshold
    case ">":
      return (value as number) > (threshold as number)
    case ">=":
      return (value as number) >= (threshold as number)
    case "<":
      return (value as number) < (threshold as number)
    case "<=":
      return (value as number) <= (threshold as number)
  }
}

/** The value as the figure's type wants it, or undefined: a wrong type counts as not sampled. */
const typed = (f: Figure, value: unknown): Value | undefined => {
  if (f.type === "boolean") return typeof value === "boolean" ? value : undefined
  return typeof value === "number" && Number.isFinite(value) ? value : undefined
}

const matches = (rule: Rule, subject: string) => rule.subjects === "*" || rule.subjects.includes(subject)

// ---------------------------------------------------------------------------------------------
// Counters for increase figures

/** Keeps the change points inside the window, plus the last one before it as the baseline. */
const prune = (points: ReadonlyArray<Point>, cutoff: number, cap: number): ReadonlyArray<Point> => {
  let first = 0
  for (let i = 0; i < points.length; i++) if (points[i]!.t <= cutoff) first = i
  const kept = first > 0 ? points.slice(first) : points
  return kept.length > cap ? kept.slice(kept.length - cap) : kept
}

/** Growth within the window; a counter that went down was reset (a re-created container) and counts from 0. */
const increase = (points: ReadonlyArray<Point>, now: number, window: number): number => {
  const cutoff = now - window
  let start = 0
  for (let i = 0; i < points.length; i++) if (points[i]!.t <= cutoff) start = i
  let total = 0
  let previous = points[start]!.v
  for (let i = start + 1; i < points.length; i++) {
    const v = points[i]!.v
    total += v >= previous ? v - previous : v
    previous = v
  }
  return total
}

const updateSeries = (
  state: EngineState,
  rules: ReadonlyArray<Rule>,
  observation: Observation,
  now: number
): Map<string, ReadonlyArray<Point>> => {
  const windows = new Map<FigureId, number>()
  for (const rule of rules) {
    if (rule.windowMillis === null || figure(rule.figure).type !== "increase") continue
    windows.set(rule.figure, Math.max(windows.get(rule.figure) ?? 0, rule.windowMillis))
  }
  const next = new Map<string, ReadonlyArray<Point>>()
  const cap = Math.max(2, state.settings.maxSeriesPoints)
  for (const [id, window] of windows) {
    const f = figure(id)
    const subjects = f.kind === "host" ? [HOST_SUBJECT] : observation.subjects(f.kind)
    if (subjects === undefined) {
      const prefix = `${id}\u0000`
      for (const [key, points] of state.series) {
        if (key.startsWith(prefix)) next.set(key, prune(points, now - window, cap))
      }
      continue
    }
    for (const subject of subjects) {
      const key = keyOf(id, subject)
      const previous = state.series.get(key) ?? []
      const v = typed(f, observation.value(id, subject))
      const last = previous.at(-1)
      const points =
        v === undefined || (last !== undefined && last.v === v) ? previous : [...previous, { t: now, v: v as number }]
      if (points.length > 0) next.set(key, prune(points, now - window, cap))
    }
  }
  return next
}

// ---------------------------------------------------------------------------------------------
// Messages

const round = (n: number) => Math.round(n * 100) / 100

const formatValue = (f: Figure, value: Value): string => {
  if (typeof value === "boolean") return String(value)
  const unit = f.unit === "" ? "" : f.unit === "%" || f.unit === "°C" ? f.unit : ` ${f.unit}`
  return `${round(value)}${unit}`
}

const who = (kind: SubjectKind, subject: string) => (kind === "host" ? "" : `${kind} ${subject}: `)

const summarize = (
  rule: Rule,
  subject: string,
  value: Value | null,
  event: TransitionEvent,
  reason: EndReason | null
) => {
  const f = figure(rule.figure)
  const where = who(f.kind, subject)
  const condition = `alert when ${describeCondition(rule)}`
  if (reason === "no-data") return `${where}${f.title} is no longer reported (${condition})`
  if (reason === "subject-gone") return `${where}gone (${condition})`
  if (reason === "rule-removed") return `${where}${f.title}: the rule was switched off (${condition})`
  const shown = value === null ? "not reported" : formatValue(f, value)
  if (event === "resolved" && rule.resolve !== null) {
    return `${where}${f.title} is ${shown}, back past ${formatValue(f, rule.resolve)} (${condition})`
  }
  return `${where}${f.title} is ${shown} (${condition})`
}

const alertOf = (instance: Instance): Alert => {
  const { rule, subject } = instance
  const f = figure(rule.figure)
  return {
    alertname: rule.name,
    severity: rule.severity,
    state: instance.state,
    subjectKind: f.kind,
    subject,
    figure: rule.figure,
    unit: f.unit,
    comparison: rule.comparison,
    threshold: rule.threshold,
    resolveThreshold: rule.resolve,
    value: instance.value,
    since: instance.activeAt,
    firedAt: instance.firedAt,
    summary: summarize(rule, subject, instance.value, instance.state, null),
    destinations: rule.destinations
  }
}

const transitionOf = (
  instance: Instance,
  event: TransitionEvent,
  at: number,
  value: Value | null,
  reason: EndReason | null
): Transition => {
  const state = event === "resolved" ? "resolved" : event === "cancelled" ? "inactive" : instance.state
  return {
    ...alertOf(instance),
    event,
    state,
    value,
    at,
    reason,
    summary: summarize(instance.rule, instance.subject, value, event, reason)
  }
}

// ---------------------------------------------------------------------------------------------
// The step

export const step = (
  state: EngineState,
  rules: ReadonlyArray<Rule>,
  observation: Observation,
  now: number
): StepResult => {
  const { settings } = state
  const startedAt = state.startedAt ?? now
  const inGrace = now < startedAt + settings.graceMillis
  const enabled = rules.filter((r) => r.enabled)
  const series = updateSeries(state, enabled, observation, now)
  const instances = new Map<string, Instance>()
  const transitions: Array<Transition> = []
  const seen = new Set<string>()

  const end = (instance: Instance, reason: EndReason, value: Value | null) => {
    const event = instance.state === "firing" ? "resolved" : "cancelled"
    transitions.push(transitionOf(instance, event, now, value, reason))
  }

  const fire = (instance: Instance) => {
    const firing: Instance = { ...instance, state: "firing", firedAt: now, lastSentAt: now }
    instances.set(keyOf(instance.rule.name, instance.subject), firing)
    transitions.push(transitionOf(firing, "firing", now, firing.value, null))
  }

  const advance = (rule: Rule, subject: string, current: Instance | undefined, value: Value | undefined) => {
    const key = keyOf(rule.name, subject)
    // The rule as loaded now: a changed severity or destination applies to alerts already open.
    const instance = current === undefined ? undefined : { ...current, rule }
    if (instance === undefined) {
      if (value === undefined || !holds(rule.comparison, value, rule.threshold)) return
      const pending: Instance = {
        rule,
        subject,
        state: "pending",
        activeAt: now,
        firedAt: null,
        lastSentAt: null,
        value,
        missingSince: null
      }
      if (rule.forMillis === 0 && !inGrace) return fire(pending)
      instances.set(key, pending)
      transitions.push(transitionOf(pending, "pending", now, value, null))
      return
    }
    if (value === undefined) {
      const missingSince = instance.missingSince ?? now
      if (now - missingSince >= settings.staleMillis) return end(instance, "no-data", null)
      instances.set(key, { ...instance, missingSince })
      return
    }
    const updated: Instance = { ...instance, value, missingSince: null }
    if (instance.state === "pending") {
      if (!holds(rule.comparison, value, rule.threshold)) return end(updated, "recovered", value)
      if (now - instance.activeAt >= rule.forMillis && !inGrace) return fire(updated)
      instances.set(key, updated)
      return
    }
    if (!holds(rule.comparison, value, rule.resolve ?? rule.threshold)) return end(updated, "recovered", value)
    if (rule.repeatMillis > 0 && now - (instance.lastSentAt ?? instance.activeAt) >= rule.repeatMillis) {
      const reminded: Instance = { ...updated, lastSentAt: now }
      instances.set(key, reminded)
      transitions.push(transitionOf(reminded, "reminder", now, value, null))
      return
    }
    instances.set(key, updated)
  }

  for (const rule of enabled) {
    const f = figure(rule.figure)
    const subjects = f.kind === "host" ? [HOST_SUBJECT] : observation.subjects(f.kind)
    if (subjects === undefined) {
      for (const [key, instance] of state.instances) {
        if (instance.rule.name !== rule.name || seen.has(key)) continue
        seen.add(key)
        advance(rule, instance.subject, instance, undefined)
      }
      continue
    }
    for (const subject of subjects) {
      const key = keyOf(rule.name, subject)
      if (!matches(rule, subject) || seen.has(key)) continue
      seen.add(key)
      let value: Value | undefined
      if (f.type === "increase") {
        const points = series.get(keyOf(rule.figure, subject))
        const sampled = typed(f, observation.value(rule.figure, subject)) !== undefined
        value = sampled && points !== undefined ? increase(points, now, rule.windowMillis ?? f.window!) : undefined
      } else value = typed(f, observation.value(rule.figure, subject))
      advance(rule, subject, state.instances.get(key), value)
    }
  }

  const enabledNames = new Set(enabled.map((r) => r.name))
  for (const [key, instance] of state.instances) {
    if (seen.has(key)) continue
    end(instance, enabledNames.has(instance.rule.name) ? "subject-gone" : "rule-removed", null)
  }

  return { state: { settings, startedAt, instances, series }, transitions }
}

// ---------------------------------------------------------------------------------------------
// Evaluations that cannot change anything

/**
 * Whether `step(state, rules, observation, now)` would change nothing: no alert is open, no
 * enabled rule's condition holds for any of its subjects, and no counter behind an increase
 * figure has a new value or lost its subject. The step would then return no transitions, no
 * instances and the same counter points (only pruned, which the next step does as well), so
 * the caller may skip it. The grace must have a start (the first step sets it).
 */
export const idle = (state: EngineState, rules: ReadonlyArray<Rule>, observation: Observation, now: number): boolean =>
  state.startedAt !== null && state.instances.size === 0 && quietRules(state, rules, observation, now)

const HOST_SUBJECTS: ReadonlyArray<string> = [HOST_SUBJECT]

/** No rule of `rules` holds nor has a counter to take (idle, without the state's own conditions). */
const quietRules = (state: EngineState, rules: ReadonlyArray<Rule>, observation: Observation, now: number) => {
  for (const rule of rules) {
    if (!rule.enabled) continue
    const f = figure(rule.figure)
    const subjects = f.kind === "host" ? HOST_SUBJECTS : observation.subjects(f.kind)
    if (subjects === undefined) continue
    if (f.type !== "increase") {
      for (const subject of subjects) {
        if (!matches(rule, subject)) continue
        const value = typed(f, observation.value(rule.figure, subject))
        if (value !== undefined && holds(rule.comparison, value, rule.threshold)) return false
      }
      continue
    }
    // A rule with a window keeps the figure's counter points; one without reads them (as in step).
    const tracked = rule.windowMillis !== null
    const prefix = `${rule.figure}\u0000`
    for (const key of tracked ? state.series.keys() : []) {
      if (key.startsWith(prefix) && !subjects.includes(key.slice(prefix.length))) return false
    }
    for (const subject of subjects) {
      const value = typed(f, observation.value(rule.figure, subject))
      if (value === undefined) continue
      const points = state.series.get(keyOf(rule.figure, subject))
      if (tracked && (points === undefined || points.at(-1)!.v !== value)) return false
      if (points === undefined || !matches(rule, subject)) continue
      if (holds(rule.comparison, increase(points, now, rule.windowMillis ?? f.window!), rule.threshold)) return false
    }
  }
  return true
}

/** The part of an observation a rule of each kind reads: its figures, one record per kind. */
const KINDS: ReadonlyArray<SubjectKind> = ["host", "disk", "container", "probe"]

/**
 * idle, remembering what it found, for a caller that checks every new observation: the rules of
 * a kind whose figures are the same record as at the last check, with no step in between (the
 * same state), cannot have begun to hold, so only the kinds whose figures were replaced are read
 * again. So are rules on increase figures compared with "more than": an increase only falls as
 * its window slides on. Other rules on increase figures are read every time: a counter sliding
 * out of its window can make "fewer than" hold with nothing new observed. Observations without
 * `sections` are read whole.
 */
export const idleChecker = (rules: ReadonlyArray<Rule>) => {
  const enabled = rules.filter((r) => r.enabled)
  const sliding = enabled.filter(
    (r) => figure(r.figure).type === "increase" && r.comparison !== ">" && r.comparison !== ">="
  )
  const byKind = new Map(
    KINDS.map((kind) => [kind, enabled.filter((r) => figure(r.figure).kind === kind && !sliding.includes(r))])
  )
  let quietState: EngineState | undefined
  let quietSections: ObservationInput | undefined
  return (state: EngineState, observation: Observation, now: number): boolean => {
    if (state.startedAt === null || state.instances.size > 0) return false
    const sections = observation.sections
    const known = state === quietState && sections !== undefined && quietSections !== undefined
    let quiet = true
    for (const kind of KINDS) {
      if (known && sections[kind] === quietSections![kind]) continue
      if (!quietRules(state, byKind.get(kind)!, observation, now)) {
        quiet = false
        break
      }
    }
    quiet &&= quietRules(state, sliding, observation, now)
    quietState = quiet ? state : undefined
    quietSections = quiet ? sections : undefined
    return quiet
  }
}

/** The alerts pending or firing now: firing first, then the oldest first. */
export const activeAlerts = (state: EngineState): ReadonlyArray<Alert> =>
  [...state.instances.values()]
    .sort((a, b) => (a.state === b.state ? a.activeAt - b.activeAt : a.state === "firing" ? -1 : 1))
    .map(alertOf)
