import type { ContainerInfo, ContainerStats } from "../../api/ContainerStats.ts"
import {
  blockIoTotals,
  type CpuCounters,
  cpuCounters,
  cpuPercent,
  memoryPercent,
  memoryUsed,
  networkTotals,
  onlineCpus,
  startedAtIso,
  uptimeSeconds
} from "./dockerFormulas.ts"
import type { ContainerInspect, ContainerListItem, ContainerStatsAnswer } from "./dockerSchemas.ts"

/** What we remember of a container between samples: one-shot stats carry no previous sample. */
export interface PreviousCpu {
  readonly startedAt: string | null
  readonly counters: CpuCounters
}

const HEALTH = new Set(["healthy", "unhealthy", "starting"])

const health = (inspect: ContainerInspect): ContainerInfo["health"] => {
  const status = inspect.State.Health?.Status
  return status !== undefined && HEALTH.has(status) ? (status as ContainerInfo["health"]) : "none"
}

/**
 * CPU % over the window the daemon measured (plain `stream=false` fills precpu_stats), else over
 * the window since our own previous sample (`one-shot` leaves precpu_stats zero). Null on a
 * container's first sample and after it restarted, when its counters began again from zero.
 */
const cpuFigure = (
  stats: ContainerStatsAnswer,
  previous: PreviousCpu | undefined,
  startedAt: string | null
): { readonly percent: number | null; readonly counters: CpuCounters | undefined } => {
  const current = stats.cpu_stats === undefined ? undefined : cpuCounters(stats.cpu_stats)
  if (stats.cpu_stats === undefined || current === undefined) return { percent: null, counters: undefined }
  const daemonWindow = stats.precpu_stats === undefined ? undefined : cpuCounters(stats.precpu_stats)
  const base =
    daemonWindow !== undefined && daemonWindow.systemUsage > 0
      ? daemonWindow
      : previous !== undefined && previous.startedAt === startedAt
        ? previous.counters
        : undefined
  return {
    percent: base === undefined ? null : cpuPercent(base, current, onlineCpus(stats.cpu_stats)),
    counters: current
  }
}

/** The allowlisted view of one container: every field is copied by name, nothing is spread. */
export const containerInfo = (
  item: ContainerListItem,
  inspect: ContainerInspect,
  stats: ContainerStatsAnswer | undefined,
  previous: PreviousCpu | undefined,
  nowMillis: number
): { readonly info: ContainerInfo; readonly cpu: PreviousCpu | undefined } => {
  const state = inspect.State.Status
  const startedAt = startedAtIso(inspect.State.StartedAt)
  const cpu = stats === undefined ? { percent: null, counters: undefined } : cpuFigure(stats, previous, startedAt)
  const memoryStats = stats?.memory_stats
  const used = memoryStats?.usage === undefined ? undefined : memoryUsed(memoryStats)
  const limit = memoryStats?.limit ?? 0
  const hasStats = stats?.cpu_stats !== undefined
  const info: ContainerInfo = {
    id: inspect.Id,
    name: (item.Names?.[0] ?? item.Id.slice(0, 12)).replace(/^\//, ""),
    image: item.Image,
    state,
    status: item.Status,
    health: health(inspect),
    restartCount: inspect.RestartCount,
    startedAt,
    uptimeSeconds: state === "running" ? uptimeSeconds(startedAt, nowMillis) : null,
    cpuPercent: cpu.percent,
    memory:
      used === undefined ? null : { usageBytes: used, limitBytes: limit, usagePercent: memoryPercent(limit, used) },
    network: hasStats ? networkTotals(stats?.networks) : null,
    blockIo: hasStats ? blockIoTotals(stats?.blkio_stats?.io_service_bytes_recursive) : null
  }
  return { info, cpu: cpu.counters === undefined ? undefined : { startedAt, counters: cpu.counters } }
}

export const summarize = (containers: ReadonlyArray<ContainerInfo>): ContainerStats["summary"] => {
  const running = containers.filter((c) => c.state === "running").length
  return {
    total: containers.length,
    running,
    stopped: containers.length - running,
    unhealthy: containers.filter((c) => c.health === "unhealthy").length
  }
}
