import { Schema } from "effect"
import { ByteCount, Count, IsoTimestamp, NonNegative, Percent } from "./common.ts"
import { CrashLoop } from "./Events.ts"

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

export const ContainerLimits = Schema.Struct({
  cpus: Schema.NullOr(NonNegative).annotate({
    description: "CPUs its CFS quota allows (0.2 for --cpus 0.2); null when it has no CPU limit"
  }),
  memoryBytes: Schema.NullOr(ByteCount).annotate({
    description: "Its memory limit; null when it has none, and memory.limitBytes is then the machine's memory"
  }),
  pids: Schema.NullOr(Count).annotate({ description: "The most tasks it may run (--pids-limit); null when unlimited" })
}).annotate({
  description: "What the container is allowed: from its cgroup, else from Docker's inspect answer (HostConfig)"
})

export const ContainerThrottling = Schema.Struct({
  periods: Count.annotate({ description: "CFS enforcement periods elapsed while it had work (nr_periods): a counter" }),
  throttledPeriods: Count.annotate({
    description: "Periods in which it used up its quota and was held (nr_throttled)"
  }),
  throttledSeconds: NonNegative.annotate({ description: "Time it was held, in seconds (throttled_time): a counter" })
}).annotate({ description: "CFS bandwidth throttling from cpu.stat, counters since the container started" })

const ContainerPressureLine = Schema.Struct({
  avg10: Percent.annotate({ description: "Share of the last 10 seconds its tasks were stalled, in percent" }),
  avg60: Percent,
  avg300: Percent,
  totalSeconds: NonNegative.annotate({ description: "Stall time since its cgroup was created, in seconds: a counter" })
})

const ContainerPressureResource = Schema.NullOr(
  Schema.Struct({
    some: ContainerPressureLine.annotate({ description: "Time some of its tasks were stalled" }),
    full: Schema.NullOr(ContainerPressureLine).annotate({
      description: "Time all of its non-idle tasks were stalled at once; null where the kernel has no full line"
    })
  })
)

export const ContainerPressure = Schema.Struct({
  cpu: ContainerPressureResource,
  memory: ContainerPressureResource,
  io: ContainerPressureResource
}).annotate({ description: "Pressure stall information of the container's cgroup (cgroup v2; null where PSI is off)" })

// Deliberately an allowlist: env vars, mounts, commands and labels have no field here, so they
// cannot reach a response even by accident. The compose project and service are the values of two
// named labels, the only ones read.
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
  blockIo: Schema.NullOr(ContainerBlockIo),
  composeProject: Schema.NullOr(Schema.String).annotate({
    description: "The com.docker.compose.project label; null without it"
  }),
  composeService: Schema.NullOr(Schema.String).annotate({
    description: "The com.docker.compose.service label; null without it"
  }),
  exitCode: Schema.NullOr(Schema.Int).annotate({
    description: "The last run's exit code (docker inspect State.ExitCode); null while running or never started"
  }),
  oomKilled: Schema.NullOr(Schema.Boolean).annotate({
    description: "Whether the OOM killer ended the last run (State.OOMKilled); null while running or never started"
  }),
  limits: Schema.NullOr(ContainerLimits),
  cpuLimitPercent: Schema.NullOr(Percent).annotate({
    description:
      "CPU use as a share of its CPU limit: 100 when it uses all its quota allows; null without a limit or a CPU figure"
  }),
  throttling: Schema.NullOr(ContainerThrottling),
  oomKills: Schema.NullOr(Count).annotate({
    description:
      "Processes the OOM killer ended in its cgroup (memory.events oom_kill, memory.oom_control): a counter; null when unknown"
  }),
  pids: Schema.NullOr(Count).annotate({ description: "Tasks in its cgroup now; null when unknown or not running" }),
  pressure: Schema.NullOr(ContainerPressure),
  crashLoop: Schema.NullOr(CrashLoop).annotate({
    description:
      "Restarts, exits and OOM events in the window, and the last exit, from Docker's event stream (by container name); null without it"
  })
})
export type ContainerInfo = typeof ContainerInfo.Type

export const ContainerSummary = Schema.Struct({
  total: Count,
  running: Count,
  stopped: Count,
  unhealthy: Count
})

export const MissingService = Schema.Struct({
  project: Schema.NullOr(Schema.String).annotate({ description: "Its compose project; null when not known" }),
  service: Schema.String.annotate({ description: "The compose service that has no container" }),
  lastSeenAt: Schema.NullOr(IsoTimestamp).annotate({
    description: "When a container of it was last seen; null when it is expected by configuration and never seen"
  })
}).annotate({ identifier: "MissingService" })
export type MissingService = typeof MissingService.Type

export const ContainerStats = Schema.Struct({
  sampledAt: IsoTimestamp,
  containers: Schema.Array(ContainerInfo),
  summary: ContainerSummary,
  missing: Schema.Array(MissingService).annotate({
    description:
      "Services of the stack with no container: expected ones (SYSTEM_PROFILER_EXPECTED_SERVICES) and ones seen before"
  })
}).annotate({ identifier: "ContainerStats" })
export type ContainerStats = typeof ContainerStats.Type
