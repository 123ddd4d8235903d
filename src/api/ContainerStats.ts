import { Schema } from "effect"
import { ByteCount, Count, IsoTimestamp, Percent } from "./common.ts"

export const ContainerState = Schema.Literals([
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead"
])

export const ContainerHealth = Schema.Literals(["healthy", "unhealthy", "starting", "none"]).annotate({
  description: "The Docker healthcheck status; none when the container has no healthcheck"
})

export const ContainerMemory = Schema.Struct({
  usageBytes: ByteCount,
  limitBytes: ByteCount,
  usagePercent: Percent
})

export const ContainerNetwork = Schema.Struct({ rxBytes: ByteCount, txBytes: ByteCount })
export const ContainerBlockIo = Schema.Struct({ readBytes: ByteCount, writeBytes: ByteCount })

// Deliberately an allowlist: env vars, mounts, commands and labels have no field here, so they
// cannot reach a response even by accident.
export const ContainerInfo = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  image: Schema.String,
  state: ContainerState,
  status: Schema.String.annotate({ description: "Docker's human status, e.g. 'Up 2 hours (healthy)'" }),
  health: ContainerHealth,
  restartCount: Count,
  startedAt: Schema.NullOr(IsoTimestamp),
  uptimeSeconds: Schema.NullOr(Count).annotate({
    description: "Whole seconds since the container started; null when it is not running"
  }),
  cpuPercent: Schema.NullOr(Percent).annotate({
    description: "CPU % as docker stats computes it; null until two samples exist or when not running"
  }),
  memory: Schema.NullOr(ContainerMemory),
  network: Schema.NullOr(ContainerNetwork),
  blockIo: Schema.NullOr(ContainerBlockIo)
})
export type ContainerInfo = typeof ContainerInfo.Type

export const ContainerSummary = Schema.Struct({
  total: Count,
  running: Count,
  stopped: Count,
  unhealthy: Count
})

export const ContainerStats = Schema.Struct({
  sampledAt: IsoTimestamp,
  containers: Schema.Array(ContainerInfo),
  summary: ContainerSummary
}).annotate({ identifier: "ContainerStats" })
export type ContainerStats = typeof ContainerStats.Type
