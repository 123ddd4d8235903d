// The containers section of the API (ContainerStats) from the current and the previous reading:
// the docker CLI's formulas (dockerFormulas.ts) over the one counters shape, rounded here.

import type { ContainerInfo, ContainerStats } from "../api/ContainerStats.ts"
import type { ContainerCounters, ContainerReading, ContainersReading } from "../domain/ContainerReading.ts"
import { byKey } from "../sampling/delta.ts"
import { type CpuCounters, cpuPercent, memoryPercent, memoryUsed, uptimeSeconds } from "./dockerFormulas.ts"
import { isoTime, round2 } from "./units.ts"

const cpuCounters = (c: { readonly cpuNanos: number; readonly systemCpuNanos: number | undefined }) =>
  c.systemCpuNanos === undefined ? undefined : { totalUsage: c.cpuNanos, systemUsage: c.systemCpuNanos }

/**
 * CPU % over the window the daemon measured (plain `stream=false` fills precpu_stats), else over
 * the window since the previous reading of the same run of the container. Null on a container's
 * first reading and after it restarted, when its counters began again from zero.
 */
export const containerCpuPercent = (current: ContainerReading, previous: ContainerReading | undefined) => {
  const counters = current.counters
  if (counters === undefined) return null
  const now = cpuCounters(counters)
  if (now === undefined) return null
  const base: CpuCounters | undefined =
    counters.daemonWindow !== undefined
      ? cpuCounters(counters.daemonWindow)
      : previous?.counters !== undefined && previous.startedAt === current.startedAt
        ? cpuCounters(previous.counters)
        : undefined
  return base === undefined ? null : round2(cpuPercent(base, now, counters.onlineCpus))
}

const memoryView = (c: ContainerCounters): ContainerInfo["memory"] => {
  if (!c.hasMemory) return null
  const used = memoryUsed(c)
  return {
    usageBytes: used,
    limitBytes: c.memoryLimitBytes,
    usagePercent: round2(memoryPercent(c.memoryLimitBytes, used))
  }
}

export const containerView = (
  current: ContainerReading,
  previous: ContainerReading | undefined,
  nowMillis: number
): ContainerInfo => ({
  id: current.id,
  name: current.name,
  image: current.image,
  state: current.state,
  status: current.status,
  health: current.health,
  restartCount: current.restartCount,
  startedAt: current.startedAt === undefined ? null : isoTime(current.startedAt),
  uptimeSeconds: current.state === "running" ? uptimeSeconds(current.startedAt, nowMillis) : null,
  cpuPercent: containerCpuPercent(current, previous),
  memory: current.counters === undefined ? null : memoryView(current.counters),
  network: current.counters === undefined ? null : (current.counters.network ?? { rxBytes: 0, txBytes: 0 }),
  blockIo: current.counters === undefined ? null : current.counters.blockIo
})

export const summarize = (containers: ReadonlyArray<ContainerReading>): ContainerStats["summary"] => {
  const running = containers.filter((c) => c.state === "running").length
  return {
    total: containers.length,
    running,
    stopped: containers.length - running,
    unhealthy: containers.filter((c) => c.health === "unhealthy").length
  }
}

/** GET /containers. */
export const containersView = (current: ContainersReading, previous: ContainersReading | undefined): ContainerStats => {
  const before = byKey(previous?.containers, (c) => c.id)
  return {
    sampledAt: isoTime(current.at),
    containers: current.containers.map((c) => containerView(c, before.get(c.id), current.at)),
    summary: summarize(current.containers)
  }
}
