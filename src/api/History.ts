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

// The stored history (source=stored): aggregates from the SQLite store, in columns. A point is
// one step; every column of a series has one entry per entry of its `at`.

const GaugeColumns = Schema.Struct({
  min: Schema.Array(Schema.NullOr(Schema.Finite)),
  mean: Schema.Array(Schema.NullOr(Schema.Finite)),
  max: Schema.Array(Schema.NullOr(Schema.Finite)),
  count: Schema.Array(Count).annotate({ description: "Samples in each point; 0 where the gauge was not measured" })
}).annotate({ identifier: "StoredGauge", description: "A gauge per point: null where it was not measured" })

const CounterColumns = Schema.Struct({
  last: Schema.Array(Schema.NullOr(NonNegative)).annotate({ description: "The counter's last value in each point" }),
  increase: Schema.Array(Schema.NullOr(NonNegative)).annotate({
    description: "Growth inside each point, a reset counted as Prometheus' increase() does; never negative"
  }),
  ratePerSecond: Schema.Array(Schema.NullOr(NonNegative)).annotate({
    description: "increase / the seconds the point covers (the step, or up to `to` for the newest point)"
  })
}).annotate({ identifier: "StoredCounter", description: "A counter per point: null where it was not read" })

export const StoredSeries = Schema.Struct({
  kind: Schema.Literals(["host", "container", "probe"]),
  name: Schema.String.annotate({ description: "host: always `host`; a container's name; a probe's name" }),
  at: Schema.Array(Schema.Int).annotate({
    description: "The start of each point that has data, in Unix milliseconds, oldest first"
  }),
  gauges: Schema.Record(Schema.String, GaugeColumns).annotate({
    description:
      "host: cpuPercent, load1, load5, load15, memoryUsedBytes, memoryAvailableBytes, swapUsedBytes, " +
      "temperatureCelsius, disk:<mount point>:usedBytes; container: running (0/1), cpuPercent, memoryBytes, " +
      "pids; probe: healthy (0/1), latencyMs"
  }),
  counters: Schema.Record(Schema.String, CounterColumns).annotate({
    description:
      "host: cpuUserSeconds, cpuSystemSeconds, cpuIowaitSeconds, rxBytes, txBytes, diskReadBytes, " +
      "diskWriteBytes; container: cpuSeconds, rxBytes, txBytes, blockReadBytes, blockWriteBytes"
  })
}).annotate({ identifier: "StoredSeries" })

export const StoredHistory = Schema.Struct({
  source: Schema.Literal("stored"),
  windowSeconds: NonNegative.annotate({ description: "The window these points cover, as asked" }),
  stepSeconds: NonNegative.annotate({ description: "The time one point covers" }),
  tier: Schema.Literals(["1m", "15m", "2h", "1d"]).annotate({
    description: "The tier the points come from (the newest part may come from finer tiers or from memory)"
  }),
  from: IsoTimestamp.annotate({ description: "The start of the first step (aligned to the step)" }),
  to: IsoTimestamp.annotate({ description: "When the answer was made" }),
  series: Schema.Array(StoredSeries).annotate({ description: "The host, then containers, then probes, by name" })
}).annotate({ identifier: "StoredHistory" })
export type StoredHistory = typeof StoredHistory.Type

export const WINDOW_FORMAT = "a duration such as 90s, 15m or 1h"
export const HISTORY_SOURCES = ["memory", "stored"] as const

export const HistoryQuery = Schema.Struct({
  window: Schema.optionalKey(Schema.String).annotate({
    description:
      `How far back to go, ${WINDOW_FORMAT}. From memory: at most the kept window (1 hour by default), ` +
      "which is also the default. From the store: from 1m to 2y (s, m, h, d, w, y), 1h by default. " +
      "Without `source`, a window longer than the kept window is read from the store"
  }),
  // A string rather than literals, so that another value gets a 400 naming the two accepted.
  source: Schema.optionalKey(Schema.String).annotate({
    description:
      "`memory`: every sample of the kept window, as History. `stored`: aggregates from the stored history, " +
      "as StoredHistory, from the finest tier that holds the window. Without it: `memory`, unless the window " +
      "is longer than the kept window or a step is given, which only the store can answer"
  }),
  step: Schema.optionalKey(Schema.String).annotate({
    description:
      "Only for the store (it selects it without a source): the time one point covers, a multiple of the tier's bucket (1m up to 2 days, " +
      "15m up to 90 days, 2h beyond), at most the window and 5000 points; by default the smallest round " +
      "step giving at most about 500 points"
  })
})

/** GET /history's answer: History from memory, StoredHistory (with `source: "stored"`) from the store. */
export const HistoryAnswer = Schema.Union([History, StoredHistory])
export type HistoryAnswer = typeof HistoryAnswer.Type

// Same body shape as the 401s, so that a client reads every refusal the same way.
export class InvalidQuery extends Schema.Error<InvalidQuery>("InvalidQuery")(
  { error: Schema.String },
  { httpApiStatus: 400, description: "A query parameter is malformed or out of range" }
) {
  readonly _tag = "InvalidQuery"
}
