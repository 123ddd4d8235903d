import type { ContainerCounters } from "../domain/ContainerReading.ts"

// The docker CLI's own arithmetic (docker/cli cli/command/container/stats_helpers.go, identical in
// v20.10.24 and master), in the same float64 order of operations, so that a figure here equals
// the one `docker stats` prints before its %.2f rounding.

/** The two counters CPU % is a ratio of. */
export interface CpuCounters {
  readonly totalUsage: number
  readonly systemUsage: number
}

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
export const memoryUsed = (c: Pick<ContainerCounters, "memoryUsageBytes" | "inactiveFileV1" | "inactiveFile">) => {
  const usage = c.memoryUsageBytes
  const v1 = c.inactiveFileV1
  if (v1 !== undefined) {
    if (v1 < usage) return usage - v1
  }
  // Go reads a missing map key as 0, which is below any non-zero usage.
  const v2 = c.inactiveFile ?? 0
  if (v2 < usage) return usage - v2
  return usage
}

/** calculateMemPercentUnixNoCache */
export const memoryPercent = (limit: number, used: number): number => (limit !== 0 ? (used / limit) * 100 : 0)

/** Whole seconds since the container started; a clock skew never makes it negative. */
export const uptimeSeconds = (startedAt: number | undefined, nowMillis: number): number | null =>
  startedAt === undefined ? null : Math.max(0, Math.floor((nowMillis - startedAt) / 1000))
