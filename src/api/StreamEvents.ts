import { Schema } from "effect"
import { AlertEvent } from "./Alerts.ts"
import { Stats } from "./Stats.ts"

// The events of GET /stats/stream. A snapshot is the default `message` event (what a browser's
// EventSource gives to `onmessage`), exactly as before alerts existed; an alert change is a named
// `alert` event, which `onmessage` never sees.

export const SnapshotEvent = Schema.Struct({
  id: Schema.optional(Schema.String),
  event: Schema.Literal("message"),
  data: Schema.fromJsonString(Stats)
}).annotate({ identifier: "SnapshotEvent", description: "A new snapshot: the JSON of GET /stats" })
export type SnapshotEvent = typeof SnapshotEvent.Type

export const AlertChangeEvent = Schema.Struct({
  id: Schema.optional(Schema.String),
  event: Schema.Literal("alert"),
  data: Schema.fromJsonString(AlertEvent)
}).annotate({
  identifier: "AlertChangeEvent",
  description: "An alert changed (pending, firing, reminder, resolved, cancelled): one GET /alerts history entry"
})
export type AlertChangeEvent = typeof AlertChangeEvent.Type

export const StatsStreamEvent = Schema.Union([SnapshotEvent, AlertChangeEvent])
export type StatsStreamEvent = typeof StatsStreamEvent.Type
