// Where each rule's notifications go. A rule names its destinations in the rules file as URLs,
// or as names of destinations configured in SYSTEM_PROFILER_NOTIFY: a kind (`ntfy`, `telegram`...,
// every configured destination of that kind) or a display form (`ntfy://ntfy.sh/***`). A rule
// that names none sends to every SYSTEM_PROFILER_NOTIFY destination. The notifier serves the
// configured destinations and, after them, each URL the file adds, once however many rules name it.

import { Effect } from "effect"
import { type Destination, type DestinationKind, parseDestination, splitList } from "../notify/Destination.ts"
import { AlertRulesInvalid, RulesRejected } from "./AlertRulesInvalid.ts"
import type { Rule } from "./rules.ts"
import { ALERTS_FILE_VARIABLE } from "./rulesFile.ts"

export interface Routing {
  /** Every destination the notifier serves: the configured ones, then the file's own URLs. */
  readonly destinations: ReadonlyArray<Destination>
  /** The display forms each rule sends to, by rule name; empty when there is nowhere to send. */
  readonly byRule: ReadonlyMap<string, ReadonlyArray<string>>
}

const KINDS: ReadonlyArray<DestinationKind> = ["ntfy", "gotify", "discord", "slack", "telegram", "smtp", "webhook"]

const isUrl = (entry: string) => /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry)

/** A display form not taken yet: the same service twice is told apart by a #n suffix. */
const unique = (display: string, taken: ReadonlySet<string>) => {
  if (!taken.has(display)) return display
  let n = 2
  while (taken.has(`${display}#${n}`)) n++
  return `${display}#${n}`
}

/**
 * The routing of `rules` over the destinations configured in SYSTEM_PROFILER_NOTIFY (`configured`,
 * parsed from `configuredRaw`); `file` is the rules file, for errors. A URL that cannot be used, or a name that matches no configured
 * destination, stops the start with an error naming the rule and the entry's position, never
 * quoting the entry (it may hold a token).
 */
export const routeDestinations = Effect.fn("Alerts.routeDestinations")(function* (
  rules: ReadonlyArray<Rule>,
  configured: ReadonlyArray<Destination>,
  configuredRaw: string,
  file: string
) {
  // parseDestinations keeps the order and the count of the split entries.
  const rawConfigured = splitList(configuredRaw).map((s) => s.trim())
  const byRaw = new Map<string, string>()
  rawConfigured.forEach((raw, i) => {
    const d = configured[i]
    if (d !== undefined) byRaw.set(raw, d.display)
  })
  const destinations: Array<Destination> = [...configured]
  const taken = new Set(configured.map((d) => d.display))
  const everyConfigured = configured.map((d) => d.display)
  const byRule = new Map<string, ReadonlyArray<string>>()

  for (const rule of rules) {
    if (rule.destinations.length === 0) {
      byRule.set(rule.name, everyConfigured)
      continue
    }
    const displays: Array<string> = []
    for (const [index, entry] of rule.destinations.entries()) {
      const position = index + 1
      // A display form looks like a URL too, so it is looked for first.
      const named = configured.find((d) => d.display === entry.trim())
      if (named !== undefined) {
        displays.push(named.display)
        continue
      }
      if (isUrl(entry)) {
        const raw = entry.trim()
        let display = byRaw.get(raw)
        if (display === undefined) {
          const parsed = yield* parseDestination(
            raw,
            `${ALERTS_FILE_VARIABLE}, rule "${rule.name}", destinations`,
            position
          )
          display = unique(parsed.display, taken)
          taken.add(display)
          byRaw.set(raw, display)
          // A disabled rule's URLs are checked, but the notifier gets no queue for them.
          if (rule.enabled) destinations.push({ ...parsed, display })
        } else if (rule.enabled && !destinations.some((d) => d.display === display)) {
          // Checked for a disabled rule first, now named by an enabled one.
          const parsed = yield* parseDestination(
            raw,
            `${ALERTS_FILE_VARIABLE}, rule "${rule.name}", destinations`,
            position
          )
          destinations.push({ ...parsed, display })
        }
        displays.push(display)
        continue
      }
      const name = entry.trim()
      const matched = KINDS.includes(name as DestinationKind)
        ? configured.filter((d) => d._tag === name).map((d) => d.display)
        : []
      if (matched.length === 0) {
        return yield* new AlertRulesInvalid({
          variable: ALERTS_FILE_VARIABLE,
          file,
          reason: new RulesRejected({
            problems: [
              {
                rule: rule.name,
                field: "destinations",
                accepts: `destination URLs, or the kind (${KINDS.join(", ")}) or display form of a destination in SYSTEM_PROFILER_NOTIFY`,
                problem: `entry ${position} is neither a URL nor the kind or display form of a configured destination`
              }
            ]
          })
        })
      }
      displays.push(...matched)
    }
    byRule.set(rule.name, [...new Set(displays)])
  }
  return { destinations, byRule } satisfies Routing
})
