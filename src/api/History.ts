import { Schema } from "effect"
import { ByteCount, Count, IsoTimestamp, NonNegative, Percent } from "./common.ts"

// One history point holds the figures a sparkline draws, not the whole snapshot: the full
// latest snapshot is /stats, and small points let an hour of them fit in well under a megabyte.
// A section is null in a point whose sample of it failed.

export const HostPoint = Schema.Struct({
  cpuPercent: Schema.NullOr(Percent),
  memoryPercent: Percent,
  swapPercent: Percent,
  load1: NonNegative,
  temperatureCelsius: Schema.NullOr(Schema.Finite),
  cpuPressure: Schema.optionalKey(Schema.NullOr(Percent)).annotate({
    description: "PSI: share of the last 10 s that some task waited for a CPU; null without PSI"
  }),
  rxBytes: ByteCount.annotate({ description: "Received bytes summed over the reported interfaces (a counter)" }),
  txBytes: ByteCount.annotate({ description: "Sent bytes summed over the reported interfaces (a counter)" }),
  disks: Schema.Array(Schema.Struct({ mountPoint: Schema.String, usagePercent: Percent }))
})
export type HostPoint = typeof HostPoint.Type

export const ContainerPoint = Schema.Struct({
  name: Schema.String,
  running: Schema.Boolean,
  cpuPercent: Schema.NullOr(Percent),
  memoryBytes: Schema.NullOr(ByteCount)
})

export const ContainersPoint = Schema.Struct({
  sampledAt: Schema.optionalKey(IsoTimestamp).annotate({
    description:
      "When the containers were read: the figures of one moment, which trails the point's timestamp by up " +
      "to the containers interval"
  }),
  running: Count,
  total: Count,
  unhealthy: Count,
  containers: Schema.Array(ContainerPoint)
})
export type ContainersPoint = typeof ContainersPoint.Type

export const ProbePoint = Schema.Struct({
  name: Schema.String,
  healthy: Schema.Boolean,
  latencyMs: Schema.NullOr(NonNegative)
})

export const ServicesPoint = Schema.Struct({
  healthy: Count,
  total: Count,
  services: Schema.Array(ProbePoint)
})
export type ServicesPoint = typeof ServicesPoint.Type

export const HistoryPoint = Schema.Struct({
  timestamp: IsoTimestamp,
  host: Schema.NullOr(HostPoint),
  containers: Schema.NullOr(ContainersPoint),
  services: Schema.NullOr(ServicesPoint)
}).annotate({ identifier: "HistoryPoint" })
export type HistoryPoint = typeof HistoryPoint.Type

export const History = Schema.Struct({
  windowSeconds: NonNegative.annotate({ description: "The window these points cover, as asked" }),
  intervalSeconds: NonNegative.annotate({ description: "The spacing of points: the host sampling interval" }),
  capacity: Count.annotate({ description: "The most points the service keeps" }),
  points: Schema.Array(HistoryPoint).annotate({ description: "Oldest first" })
}).annotate({ identifier: "History" })
export type History = typeof History.Type

export const WINDOW_FORMAT = "a duration such as 90s, 15m or 1h"

export const HistoryQuery = Schema.Struct({
  window: Schema.optionalKey(Schema.String).annotate({
    description: `How far back to go, ${WINDOW_FORMAT}; at most the kept window, which is also the default`
  })
})

// Same body shape as the 401s, so that a client reads every refusal the same way.
export class InvalidQuery extends Schema.Error<InvalidQuery>("InvalidQuery")(
  { error: Schema.String },
  { httpApiStatus: 400, description: "A query parameter is malformed or out of range" }
) {
  readonly _tag = "InvalidQuery"
}
