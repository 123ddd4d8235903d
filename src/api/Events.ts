import { Duration, Schema } from "effect"
import { HttpApiEndpoint } from "effect/http-api"
import { Count, IsoTimestamp, NonNegative } from "./common.ts"
import { CollectorUnavailable } from "./errors.ts"
import { InvalidQuery, WINDOW_FORMAT } from "./History.ts"

// GET /events: the stack's containers' timeline from Docker's event stream. An allowlist, as
// ContainerInfo is: an event's attributes carry every label of the container, and none of them has
// a field here.

export const TimelineAction = Schema.Literals([
  "create",
  "start",
  "restart",
  "stop",
  "kill",
  "die",
  "oom",
  "pause",
  "unpause",
  "health_status",
  "destroy"
]).annotate({ description: "What happened, as Docker names it; health_status carries the new status in `health`" })

export const TimelineEvent = Schema.Struct({
  time: IsoTimestamp.annotate({ description: "When the daemon logged it (to the millisecond)" }),
  timeNano: Schema.String.check(Schema.isPattern(/^\d{1,20}$/)).annotate({
    description: "The same time in nanoseconds since the epoch, exact: orders events and tells them apart",
    examples: ["1796212888495777461"]
  }),
  containerId: Schema.String,
  name: Schema.String.annotate({ description: "The container's name" }),
  action: TimelineAction,
  exitCode: Schema.NullOr(Schema.Int).annotate({ description: "On die: the exit code; null otherwise" }),
  oomKilled: Schema.NullOr(Schema.Boolean).annotate({
    description: "On die: whether the kernel's OOM killer struck during that run; null otherwise"
  }),
  signal: Schema.NullOr(Schema.Int).annotate({ description: "On kill: the signal number sent; null otherwise" }),
  health: Schema.NullOr(Schema.Literals(["starting", "healthy", "unhealthy"])).annotate({
    description: "On health_status: the new status; null otherwise"
  }),
  composeProject: Schema.NullOr(Schema.String).annotate({ description: "The com.docker.compose.project label" }),
  composeService: Schema.NullOr(Schema.String).annotate({ description: "The com.docker.compose.service label" })
}).annotate({ identifier: "TimelineEvent" })
export type TimelineEvent = typeof TimelineEvent.Type

export const Timeline = Schema.Struct({
  windowSeconds: NonNegative.annotate({ description: "The window these events cover, as asked" }),
  retentionSeconds: NonNegative.annotate({ description: "How far back events are kept: the longest window" }),
  capacity: Count.annotate({ description: "The most events the service keeps, whatever their age" }),
  events: Schema.Array(TimelineEvent).annotate({ description: "Oldest first" })
}).annotate({ identifier: "Timeline" })
export type Timeline = typeof Timeline.Type

export const EventsQuery = Schema.Struct({
  window: Schema.optionalKey(Schema.String).annotate({
    description: `How far back to go, ${WINDOW_FORMAT}; at most the retention, which is also the default`
  })
})

/** A container's restarts and last exit from its events, for /containers and the alert rules. */
export const CrashLoop = Schema.Struct({
  windowSeconds: NonNegative.annotate({ description: "The window restarts, exits and OOM events are counted in" }),
  restarts: Count.annotate({ description: "Starts that followed an exit, within the window" }),
  exits: Count.annotate({ description: "Exits (die events) within the window" }),
  oomEvents: Count.annotate({ description: "OOM-killer events within the window" }),
  lastExitCode: Schema.NullOr(Schema.Int).annotate({ description: "The last exit's code; null when none is kept" }),
  lastExitAt: Schema.NullOr(IsoTimestamp).annotate({ description: "The last exit's time; null when none is kept" }),
  lastExitOomKilled: Schema.Boolean.annotate({ description: "The last exit followed an OOM kill in that run" })
}).annotate({ identifier: "CrashLoop" })
export type CrashLoop = typeof CrashLoop.Type

/**
 * The route (in its own group behind the token, Api.ts): 400 for a bad window, 503 when the kept
 * timeline cannot be read.
 */
export const eventsEndpoint = HttpApiEndpoint.get("events", "/events", {
  success: Timeline,
  error: [InvalidQuery, CollectorUnavailable],
  query: EventsQuery
})

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const

/**
 * The window of GET /events in milliseconds, in /history's grammar ("90s", "15m", "24h"; a bare
 * number is seconds), at most `maxMillis` (the retention); the retention when absent.
 */
export const parseEventsWindow = (raw: string | undefined, maxMillis: number): number | InvalidQuery => {
  if (raw === undefined) return maxMillis
  const m = /^(\d{1,9})(s|m|h)?$/.exec(raw.trim())
  if (m === null) return new InvalidQuery({ error: `window must be ${WINDOW_FORMAT}; got "${raw.slice(0, 40)}"` })
  const ms = Number(m[1]) * UNIT_MS[(m[2] ?? "s") as keyof typeof UNIT_MS]
  if (ms <= 0) return new InvalidQuery({ error: "window must be longer than zero" })
  if (ms > maxMillis) {
    return new InvalidQuery({
      error: `window must be at most ${Duration.format(Duration.millis(maxMillis))}, the event history this service keeps`
    })
  }
  return ms
}
