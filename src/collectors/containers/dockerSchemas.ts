import { Schema } from "effect"
import { ContainerState } from "../../api/ContainerStats.ts"

// The Docker Engine API answers as decoded here. Each schema names only the fields this service
// reads; decoding drops every other key (Env, Cmd, Args, Mounts, Labels, HostConfig's settings...), so a
// secret in a container's configuration never exists past the decoder, not even in memory that a
// later change could log or serialise by mistake.

/** `GET /version` */
export const DockerVersion = Schema.Struct({
  ApiVersion: Schema.String,
  MinAPIVersion: Schema.optionalKey(Schema.String)
})
export type DockerVersion = typeof DockerVersion.Type

/** One item of `GET /containers/json` */
export const ContainerListItem = Schema.Struct({
  Id: Schema.String,
  Names: Schema.NullOr(Schema.Array(Schema.String)),
  Image: Schema.String,
  // running, exited, ...: with Status, what tells the collector whether its last inspect still holds.
  State: Schema.optionalKey(Schema.String),
  Status: Schema.String
})
export type ContainerListItem = typeof ContainerListItem.Type
export const ContainerList = Schema.Array(ContainerListItem)

/**
 * `GET /containers/{id}/json`: the state block, the restart count, and of HostConfig only the
 * network mode (a mode or a network name, never a setting's value), which with State.Pid tells
 * where the container's network counters are (kernel/cgroup/stats.ts).
 */
export const ContainerInspect = Schema.Struct({
  Id: Schema.String,
  RestartCount: Schema.Number,
  State: Schema.Struct({
    Status: ContainerState,
    StartedAt: Schema.optionalKey(Schema.String),
    Pid: Schema.optionalKey(Schema.Number),
    Health: Schema.optionalKey(Schema.NullOr(Schema.Struct({ Status: Schema.String })))
  }),
  HostConfig: Schema.optionalKey(Schema.Struct({ NetworkMode: Schema.optionalKey(Schema.String) }))
})
export type ContainerInspect = typeof ContainerInspect.Type

const CpuStats = Schema.Struct({
  cpu_usage: Schema.Struct({
    total_usage: Schema.Number,
    percpu_usage: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Number)))
  }),
  system_cpu_usage: Schema.optionalKey(Schema.Number),
  online_cpus: Schema.optionalKey(Schema.Number)
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
  )
})
export type ContainerStatsAnswer = typeof ContainerStatsAnswer.Type
