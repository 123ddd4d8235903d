// One line of Docker's event stream to a ContainerEvent, through an allowlist. Every step that
// could quote the input (a JSON syntax error, a schema issue) is reduced to a fixed outcome here,
// so that nothing of a line (which holds every label of the container) is ever logged.

import { Result, Schema } from "effect"
import { type ContainerEvent, EVENT_ACTIONS, type EventAction, type EventHealth } from "./ContainerEvent.ts"

const Attribute = Schema.optionalKey(Schema.String)

/**
 * The shape of one event as read. Of Actor.Attributes only these keys: the container's name, a
 * die's exit code, a kill's signal, and the compose project and service labels. Decoding drops
 * every other attribute (the container's and image's labels) and every other top-level key
 * (`from`, the image; the deprecated `status` and `id`).
 */
export const DockerEventLine = Schema.Struct({
  Type: Schema.optionalKey(Schema.String),
  Action: Schema.String,
  Actor: Schema.Struct({
    ID: Schema.String,
    Attributes: Schema.optionalKey(
      Schema.NullOr(
        Schema.Struct({
          name: Attribute,
          exitCode: Attribute,
          signal: Attribute,
          "com.docker.compose.project": Attribute,
          "com.docker.compose.service": Attribute
        })
      )
    )
  }),
  time: Schema.optionalKey(Schema.Int),
  // A string of digits: the reviver below keeps the number's source text, as nanoseconds since
  // 1970 (about 1.8e18) are past 2^53 and JSON.parse would round them.
  timeNano: Schema.optionalKey(Schema.String)
})
export type DockerEventLine = typeof DockerEventLine.Type

export type LineOutcome =
  | { readonly _tag: "Event"; readonly event: ContainerEvent }
  /** A well-formed event of no interest here (another type, an action outside the allowlist). */
  | { readonly _tag: "Ignored" }
  /** Not JSON, or not an event's shape; `problem` is a fixed phrase, never a piece of the line. */
  | { readonly _tag: "Undecodable"; readonly problem: string }

const ID = /^[0-9a-f]{64}$/
// Docker's own rule for container names; compose derives project and service names within it.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/
const DIGITS = /^\d{1,19}$/
const SMALL_INT = /^-?\d{1,10}$/

// JSON.parse hands a reviver the source text of each primitive (Node 21 and later).
type Reviver = (this: unknown, key: string, value: unknown, context?: { readonly source?: string }) => unknown
const keepNanos: Reviver = (key, value, context) =>
  key === "timeNano" && typeof value === "number" && context?.source !== undefined ? context.source : value
const parseJson = JSON.parse as (text: string, reviver: Reviver) => unknown

const decodeLine = Schema.decodeUnknownResult(DockerEventLine)

const actions: ReadonlySet<string> = new Set(EVENT_ACTIONS)
const healths: ReadonlySet<string> = new Set(["starting", "healthy", "unhealthy"])

const intOrNull = (raw: string | undefined): number | null => {
  if (raw === undefined || !SMALL_INT.test(raw)) return null
  const n = Number(raw)
  return Number.isSafeInteger(n) ? n : null
}

const labelOrNull = (raw: string | undefined): string | null => (raw !== undefined && NAME.test(raw) ? raw : null)

/**
 * "health_status: healthy" is one action with its status after a colon; "exec_start: sh -c ..."
 * is another with a command line after it, which must go no further than this function.
 */
const splitAction = (
  raw: string
): { readonly action: EventAction; readonly health: EventHealth | null } | undefined => {
  const colon = raw.indexOf(":")
  const head = colon === -1 ? raw : raw.slice(0, colon)
  if (!actions.has(head)) return undefined
  if (head !== "health_status") return colon === -1 ? { action: head as EventAction, health: null } : undefined
  const status = colon === -1 ? "" : raw.slice(colon + 1).trim()
  return healths.has(status) ? { action: "health_status", health: status as EventHealth } : undefined
}

/** The daemon's time of the event in nanoseconds: timeNano, else `time` (whole seconds). */
const nanosOf = (line: DockerEventLine): bigint | undefined => {
  if (line.timeNano !== undefined && DIGITS.test(line.timeNano)) return BigInt(line.timeNano)
  if (line.time !== undefined && line.time >= 0) return BigInt(line.time) * 1_000_000_000n
  return undefined
}

/** One line of the stream (without its newline) to an event, or what kept it from being one. */
export const parseEventLine = (text: string): LineOutcome => {
  let json: unknown
  try {
    json = parseJson(text, keepNanos)
  } catch {
    return { _tag: "Undecodable", problem: "a line that is not JSON" }
  }
  const decoded = decodeLine(json)
  if (Result.isFailure(decoded)) return { _tag: "Undecodable", problem: "a line that is not an event's shape" }
  const line = decoded.success
  if (line.Type !== undefined && line.Type !== "container") return { _tag: "Ignored" }
  const action = splitAction(line.Action)
  if (action === undefined) return { _tag: "Ignored" }
  const timeNano = nanosOf(line)
  if (timeNano === undefined) return { _tag: "Undecodable", problem: "an event without its time" }
  if (!ID.test(line.Actor.ID))
    return { _tag: "Undecodable", problem: "an event whose container id is not 64 hex digits" }
  const attributes = line.Actor.Attributes ?? {}
  const name = attributes.name
  if (name === undefined || !NAME.test(name)) {
    return { _tag: "Undecodable", problem: "an event without a valid container name" }
  }
  return {
    _tag: "Event",
    event: {
      timeNano,
      id: line.Actor.ID,
      name,
      action: action.action,
      exitCode: action.action === "die" ? intOrNull(attributes.exitCode) : null,
      signal: action.action === "kill" ? intOrNull(attributes.signal) : null,
      health: action.health,
      // Known only from the events before it: set by OomTracker (oomKilled.ts) as events are admitted.
      oomKilled: null,
      composeProject: labelOrNull(attributes["com.docker.compose.project"]),
      composeService: labelOrNull(attributes["com.docker.compose.service"])
    }
  }
}
