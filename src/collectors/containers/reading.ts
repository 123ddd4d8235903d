// What the collector keeps of Docker's answers: the allowlisted facts of a container and one
// counters shape, whichever source (cgroupfs or the stats API) gave the figures.

import type {
  ContainerCounters,
  ContainerHealth,
  ContainerLimits,
  ContainerReading
} from "../../domain/ContainerReading.ts"
import type { CgroupLimits, CgroupUsage } from "../../kernel/cgroup/depth.ts"
import type { BlkioEntry } from "../../kernel/cgroup/parse.ts"
import type { CgroupCounters, HostCpuCounters } from "../../kernel/cgroup/stats.ts"
import type { NetDevCounters } from "../../kernel/netDev.ts"
import {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  type ContainerInspect,
  type ContainerListItem,
  type ContainerStatsAnswer,
  type CpuStats
} from "./dockerSchemas.ts"

const HEALTH = new Set(["healthy", "unhealthy", "starting"])

const health = (inspect: ContainerInspect): ContainerHealth => {
  const status = inspect.State.Health?.Status
  return status !== undefined && HEALTH.has(status) ? (status as ContainerHealth) : "none"
}

// Docker's zero time: a container that was created but never started.
const ZERO_TIME = /^0001-01-01T/

/** StartedAt in Unix milliseconds, or undefined when it never started. */
export const startedAtMillis = (startedAt: string | undefined): number | undefined => {
  if (startedAt === undefined || ZERO_TIME.test(startedAt)) return undefined
  const millis = Date.parse(startedAt)
  return Number.isNaN(millis) ? undefined : millis
}

/** calculateBlockIO of the docker CLI: ops starting with r/R are reads, w/W writes; Sync, Async, Total are ignored. */
export const blockIoTotals = (entries: ReadonlyArray<BlkioEntry>) => {
  let readBytes = 0
  let writeBytes = 0
  for (const entry of entries) {
    const first = entry.op.charAt(0)
    if (first === "r" || first === "R") readBytes += entry.value
    else if (first === "w" || first === "W") writeBytes += entry.value
  }
  return { readBytes, writeBytes }
}

/** Online CPUs, or the length of percpu_usage when the daemon reports 0 (cgroup v1 only has it). */
const onlineCpus = (cpu: CpuStats): number =>
  cpu.online_cpus !== undefined && cpu.online_cpus !== 0 ? cpu.online_cpus : (cpu.cpu_usage.percpu_usage?.length ?? 0)

/**
 * A stats answer as counters. A container that stopped meanwhile answers without cpu_stats:
 * undefined. Plain `stream=false` fills precpu_stats with the daemon's reading a second before,
 * which is the window `docker stats` itself measures; `one-shot` leaves it zero.
 */
export const countersFromStatsAnswer = (stats: ContainerStatsAnswer): ContainerCounters | undefined => {
  const cpu = stats.cpu_stats
  if (cpu === undefined) return undefined
  const pre = stats.precpu_stats
  const memory = stats.memory_stats
  let rxBytes = 0
  let txBytes = 0
  for (const n of Object.values(stats.networks ?? {})) {
    rxBytes += n.rx_bytes
    txBytes += n.tx_bytes
  }
  return {
    cpuNanos: cpu.cpu_usage.total_usage,
    systemCpuNanos: cpu.system_cpu_usage,
    onlineCpus: onlineCpus(cpu),
    daemonWindow:
      pre?.system_cpu_usage === undefined || pre.system_cpu_usage === 0
        ? undefined
        : { cpuNanos: pre.cpu_usage.total_usage, systemCpuNanos: pre.system_cpu_usage },
    memoryUsageBytes: memory?.usage ?? 0,
    memoryLimitBytes: memory?.limit ?? 0,
    hasMemory: memory?.usage !== undefined,
    inactiveFileV1: memory?.stats?.total_inactive_file,
    inactiveFile: memory?.stats?.inactive_file,
    network: stats.networks === undefined || stats.networks === null ? undefined : { rxBytes, txBytes },
    blockIo: blockIoTotals(stats.blkio_stats?.io_service_bytes_recursive ?? []),
    throttling:
      cpu.throttling_data === undefined
        ? undefined
        : {
            periods: cpu.throttling_data.periods,
            throttledPeriods: cpu.throttling_data.throttled_periods,
            throttledSeconds: cpu.throttling_data.throttled_time / 1e9
          },
    // The API has no OOM kill count (inspect's OOMKilled and the oom event tell of the last run).
    oomKills: undefined,
    pids: stats.pids_stats?.current,
    pressure: undefined
  }
}

/**
 * A cgroup's counters as dockerd would report them: a limit above MemTotal, or none, is MemTotal;
 * the network of the container's namespace but lo, none for --network host.
 */
export const countersFromCgroup = (
  cgroup: CgroupCounters,
  host: HostCpuCounters,
  interfaces: ReadonlyArray<NetDevCounters> | undefined,
  usage?: CgroupUsage | undefined
): ContainerCounters => {
  let rxBytes = 0
  let txBytes = 0
  for (const i of interfaces ?? []) {
    if (i.name === "lo") continue
    rxBytes += i.rxBytes
    txBytes += i.txBytes
  }
  return {
    cpuNanos: cgroup.cpuNanos,
    systemCpuNanos: host.systemCpuNanos,
    onlineCpus: host.onlineCpus,
    daemonWindow: undefined,
    memoryUsageBytes: cgroup.memoryUsageBytes,
    memoryLimitBytes:
      cgroup.memoryLimit === "max" || cgroup.memoryLimit > host.machineMemory ? host.machineMemory : cgroup.memoryLimit,
    hasMemory: true,
    inactiveFileV1: cgroup.inactiveFileV1,
    inactiveFile: cgroup.inactiveFile,
    network: interfaces === undefined ? undefined : { rxBytes, txBytes },
    blockIo: blockIoTotals(cgroup.blkio),
    throttling: usage?.throttling ?? undefined,
    oomKills: usage?.oomKills ?? undefined,
    pids: usage?.pidsCurrent ?? undefined,
    pressure: usage?.pressure ?? undefined
  }
}

// Docker's "no limit" spellings: 0 (unset), -1 (PidsLimit, CpuQuota), null (PidsLimit on old daemons).
const set = (value: number | null | undefined): number | undefined =>
  value === undefined || value === null || value <= 0 ? undefined : value

/** The limits from the inspect answer's HostConfig; undefined when it has none of the fields (an old daemon). */
export const limitsFromInspect = (inspect: ContainerInspect): ContainerLimits | undefined => {
  const h = inspect.HostConfig
  if (h === undefined || (h.NanoCpus === undefined && h.CpuQuota === undefined && h.Memory === undefined)) {
    return undefined
  }
  const nano = set(h.NanoCpus)
  const quota = set(h.CpuQuota)
  // A quota without a period runs against the kernel's default period of 100 ms.
  const period = set(h.CpuPeriod) ?? 100_000
  return {
    cpus: nano !== undefined ? nano / 1e9 : quota !== undefined ? quota / period : null,
    memoryBytes: set(h.Memory) ?? null,
    pids: set(h.PidsLimit) ?? null
  }
}

/**
 * The limits as the kernel enforces them, each from the cgroup where it told it, else from the
 * inspect answer (a `docker update` shows in the cgroup at once, in a kept inspect only later).
 */
export const containerLimits = (
  inspect: ContainerInspect,
  cgroup: CgroupLimits | undefined
): ContainerLimits | undefined => {
  const configured = limitsFromInspect(inspect)
  if (cgroup === undefined) return configured
  const cpus = cgroup.cpuLimit === null ? configured?.cpus : cgroup.cpuLimit.cpus
  const memoryBytes = cgroup.memoryLimitBytes === undefined ? configured?.memoryBytes : cgroup.memoryLimitBytes
  const pids = cgroup.pidsMax === undefined ? configured?.pids : cgroup.pidsMax
  if (cpus === undefined && memoryBytes === undefined && pids === undefined) return undefined
  return { cpus: cpus ?? null, memoryBytes: memoryBytes ?? null, pids: pids ?? null }
}

/** The allowlisted reading of one container: every field is copied by name, nothing is spread. */
export const containerReading = (
  item: ContainerListItem,
  inspect: ContainerInspect,
  counters: ContainerCounters | undefined,
  cgroupLimits?: CgroupLimits | undefined
): ContainerReading => ({
  id: inspect.Id,
  name: (item.Names?.[0] ?? item.Id.slice(0, 12)).replace(/^\//, ""),
  image: item.Image,
  state: inspect.State.Status,
  status: item.Status,
  health: health(inspect),
  restartCount: inspect.RestartCount,
  startedAt: startedAtMillis(inspect.State.StartedAt),
  counters,
  composeProject: item.Labels?.[COMPOSE_PROJECT_LABEL],
  composeService: item.Labels?.[COMPOSE_SERVICE_LABEL],
  exitCode: inspect.State.ExitCode,
  oomKilled: inspect.State.OOMKilled,
  limits: containerLimits(inspect, cgroupLimits)
})
