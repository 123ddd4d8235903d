import type { BlkioEntry, CpuStats, MemoryStats } from "./dockerSchemas.ts"

// The docker CLI's own arithmetic (docker/cli cli/command/container/stats_helpers.go, identical in
// v20.10.24 and master), in the same float64 order of operations, so that a figure here equals
// the one `docker stats` prints before its %.2f rounding.

/** The two counters CPU % is a ratio of; what we keep of a container's previous sample. */
export interface CpuCounters {
  readonly totalUsage: number
  readonly systemUsage: number
}

export const cpuCounters = (cpu: CpuStats): CpuCounters | undefined =>
  cpu.system_cpu_usage === undefined
    ? undefined
    : { totalUsage: cpu.cpu_usage.total_usage, systemUsage: cpu.system_cpu_usage }

/** Online CPUs, or the length of percpu_usage when the daemon reports 0 (cgroup v1 only has it). */
export const onlineCpus = (cpu: CpuStats): number =>
  cpu.online_cpus !== undefined && cpu.online_cpus !== 0 ? cpu.online_cpus : (cpu.cpu_usage.percpu_usage?.length ?? 0)

/** calculateCPUPercentUnix: Δ container usage / Δ host usage × online CPUs × 100, else 0. */
export const cpuPercent = (previous: CpuCounters, current: CpuCounters, online: number): number => {
  const cpuDelta = current.totalUsage - previous.totalUsage
  const systemDelta = current.systemUsage - previous.systemUsage
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0
}

/**
 * calculateMemUsageUnixNoCache: usage minus the inactive page cache. cgroup v1 reports it as
 * `total_inactive_file` (and the v1 branch wins when both keys exist), cgroup v2 as
 * `inactive_file`. Not `usage − cache`, whatever the API reference text says.
 */
export const memoryUsed = (memory: MemoryStats): number => {
  const usage = memory.usage ?? 0
  const v1 = memory.stats?.total_inactive_file
  if (v1 !== undefined) {
    if (v1 < usage) return usage - v1
  }
  // Go reads a missing map key as 0, which is below any non-zero usage.
  const v2 = memory.stats?.inactive_file ?? 0
  if (v2 < usage) return usage - v2
  return usage
}

/** calculateMemPercentUnixNoCache */
export const memoryPercent = (limit: number, used: number): number => (limit !== 0 ? (used / limit) * 100 : 0)

/** calculateNetwork: received and sent bytes summed over every interface. */
export const networkTotals = (
  networks: Readonly<Record<string, { readonly rx_bytes: number; readonly tx_bytes: number }>> | null | undefined
) => {
  let rxBytes = 0
  let txBytes = 0
  for (const counters of Object.values(networks ?? {})) {
    rxBytes += counters.rx_bytes
    txBytes += counters.tx_bytes
  }
  return { rxBytes, txBytes }
}

/** calculateBlockIO: ops starting with r/R are reads, w/W writes; Sync, Async, Total are ignored. */
export const blockIoTotals = (entries: ReadonlyArray<BlkioEntry> | null | undefined) => {
  let readBytes = 0
  let writeBytes = 0
  for (const entry of entries ?? []) {
    const first = entry.op.charAt(0)
    if (first === "r" || first === "R") readBytes += entry.value
    else if (first === "w" || first === "W") writeBytes += entry.value
  }
  return { readBytes, writeBytes }
}

// Docker's zero time: a container that was created but never started.
const ZERO_TIME = /^0001-01-01T/

/** StartedAt as an ISO timestamp with millisecond precision, or null when it never started. */
export const startedAtIso = (startedAt: string | undefined): string | null => {
  if (startedAt === undefined || ZERO_TIME.test(startedAt)) return null
  const millis = Date.parse(startedAt)
  return Number.isNaN(millis) ? null : new Date(millis).toISOString()
}

/** Whole seconds since the container started; a clock skew never makes it negative. */
export const uptimeSeconds = (startedAt: string | null, nowMillis: number): number | null =>
  startedAt === null ? null : Math.max(0, Math.floor((nowMillis - Date.parse(startedAt)) / 1000))
