import { Schema } from "effect"
import { ContainerState } from "../../api/ContainerStats.ts"

// The Docker Engine API answers as decoded here. Each schema names only the fields this service
// reads; decoding drops every other key (Env, Cmd, Args, Mounts, every other label, HostConfig's
// other settings...), so a secret in a container's configuration never exists past the decoder,
// not even in memory that a later change could log or serialise by mistake.

/** `GET /version` */
export const DockerVersion = Schema.Struct({
  ApiVersion: Schema.String,
  MinAPIVersion: Schema.optionalKey(Schema.String)
})
export type DockerVersion = typeof DockerVersion.Type

/** The compose project and service label keys: the only labels this service reads. */
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project"
export const COMPOSE_SERVICE_LABEL = "com.docker.compose.service"

/**
 * Of a container's labels, the two that place it in its compose stack, by name: the label map
 * itself is never decoded, so no other label (a foreign one may hold a secret) exists past here.
 */
export const ComposeLabels = Schema.Struct({
  [COMPOSE_PROJECT_LABEL]: Schema.optionalKey(Schema.String),
  [COMPOSE_SERVICE_LABEL]: Schema.optionalKey(Schema.String)
})
export type ComposeLabels = typeof ComposeLabels.Type

/** One item of `GET /containers/json` */
export const ContainerListItem = Schema.Struct({
  Id: Schema.String,
  Names: Schema.NullOr(Schema.Array(Schema.String)),
  Image: Schema.String,
  // running, exited, ...: with Status, what tells the collector whether its last inspect still holds.
  State: Schema.optionalKey(Schema.String),
  Status: Schema.String,
  Labels: Schema.optionalKey(Schema.NullOr(ComposeLabels))
})
export type ContainerListItem = typeof ContainerListItem.Type
export const ContainerList = Schema.Array(ContainerListItem)

const OptionalCount = Schema.optionalKey(Schema.NullOr(Schema.Number))

/**
 * `GET /containers/{id}/json`: the state block (with the last exit's code and OOM flag), the
 * restart count, and of HostConfig only the network mode (a mode or a network name, never a
 * setting's value), which with State.Pid tells where the container's network counters are
 * (kernel/cgroup/stats.ts), and the limits as numbers (NanoCpus, CpuQuota and CpuPeriod in
 * microseconds, Memory in bytes, PidsLimit), for a container whose cgroup is not found.
 */
export const ContainerInspect = Schema.Struct({
  Id: Schema.String,
  RestartCount: Schema.Number,
  State: Schema.Struct({
    Status: ContainerState,
    StartedAt: Schema.optionalKey(Schema.String),
    Pid: Schema.optionalKey(Schema.Number),
    ExitCode: Schema.optionalKey(Schema.Number),
    OOMKilled: Schema.optionalKey(Schema.Boolean),
    Health: Schema.optionalKey(Schema.NullOr(Schema.Struct({ Status: Schema.String })))
  }),
  HostConfig: Schema.optionalKey(
    Schema.Struct({
      NetworkMode: Schema.optionalKey(Schema.String),
      NanoCpus: OptionalCount,
      CpuQuota: OptionalCount,
      CpuPeriod: OptionalCount,
      Memory: OptionalCount,
      PidsLimit: OptionalCount
    })
  )
})
export type ContainerInspect = typeof ContainerInspect.Type

const CpuStats = Schema.Struct({
  cpu_usage: Schema.Struct({
    total_usage: Schema.Number,
    percpu_usage: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Number)))
  }),
  system_cpu_usage: Schema.optionalKey(Schema.Number),
  online_cpus: Schema.optionalKey(Schema.Number),
  // CFS throttling as dockerd reads cpu.stat; throttled_time in nanoseconds on v1 and v2.
  throttling_data: Schema.optionalKey(
    Schema.Struct({ periods: Schema.Number, throttled_periods: Schema.Number, throttled_time: Schema.Number })
  )
})
export type CpuStats = typeof CpuStats.Type

const MemoryStats = Schema.Struct({
  usage: Schema.optionalKey(Schema.Number),
  limit: Schema.optionalKey(Schema.Number),
  // Only the two keys the CLI formula reads; their presence tells cgroup v1 from v2.
  stats: Schema.optionalKey(
    Schema.NullOr(
      Schema.Struct({
        total_inactive_file: Schema.optionalKey(Schema.Number),
        inactive_file: Schema.optionalKey(Schema.Number)
      })
    )
  )
})
export type MemoryStats = typeof MemoryStats.Type

const BlkioEntry = Schema.Struct({ op: Schema.String, value: Schema.Number })
export type BlkioEntry = typeof BlkioEntry.Type

const NetworkCounters = Schema.Struct({ rx_bytes: Schema.Number, tx_bytes: Schema.Number })

/**
 * `GET /containers/{id}/stats?stream=false`. A container that stopped meanwhile answers with
 * only `id`, `name` and `os_type`, hence every block is optional.
 */
export const ContainerStatsAnswer = Schema.Struct({
  read: Schema.optionalKey(Schema.String),
  cpu_stats: Schema.optionalKey(CpuStats),
  precpu_stats: Schema.optionalKey(CpuStats),
  memory_stats: Schema.optionalKey(MemoryStats),
  // Interface names are keys, not values we keep: the formulas only sum the counters.
  networks: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, NetworkCounters))),
  blkio_stats: Schema.optionalKey(
    Schema.Struct({ io_service_bytes_recursive: Schema.optionalKey(Schema.NullOr(Schema.Array(BlkioEntry))) })
  ),
  // Tasks in the cgroup (limit is in the inspect answer).
  pids_stats: Schema.optionalKey(Schema.Struct({ current: Schema.optionalKey(Schema.Number) }))
})
export type ContainerStatsAnswer = typeof ContainerStatsAnswer.Type
