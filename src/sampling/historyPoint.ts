import type { ContainerStats } from "../api/ContainerStats.ts"
import { isCollectorFailure } from "../api/errors.ts"
import type { ContainersPoint, HistoryPoint, HostPoint, ServicesPoint } from "../api/History.ts"
import type { HostStats } from "../api/HostStats.ts"
import type { ServiceHealthStats } from "../api/ServiceStats.ts"
import type { Stats } from "../api/Stats.ts"

const hostPoint = (h: HostStats): HostPoint => {
  let rxBytes = 0
  let txBytes = 0
  for (const i of h.network.interfaces) {
    rxBytes += i.rxBytes
    txBytes += i.txBytes
  }
  return {
    cpuPercent: h.cpu.usagePercent,
    memoryPercent: h.memory.usagePercent,
    swapPercent: h.memory.swap.usagePercent,
    load1: h.cpu.loadAverage[0],
    temperatureCelsius: h.temperature.available ? h.temperature.cpuCelsius : null,
    rxBytes,
    txBytes,
    disks: h.disks.map((d) => ({ mountPoint: d.mountPoint, usagePercent: d.usagePercent }))
  }
}

const containersPoint = (c: ContainerStats): ContainersPoint => ({
  running: c.summary.running,
  total: c.summary.total,
  unhealthy: c.summary.unhealthy,
  containers: c.containers.map((x) => ({
    name: x.name,
    running: x.state === "running",
    cpuPercent: x.cpuPercent,
    memoryBytes: x.memory === null ? null : x.memory.usageBytes
  }))
})

const servicesPoint = (s: ServiceHealthStats): ServicesPoint => ({
  healthy: s.services.filter((x) => x.healthy).length,
  total: s.services.length,
  services: s.services.map((x) => ({ name: x.name, healthy: x.healthy, latencyMs: x.latencyMs }))
})

/** The sparkline figures of a snapshot; a failing section is null. */
export const toHistoryPoint = (stats: Stats): HistoryPoint => ({
  timestamp: stats.timestamp,
  host: isCollectorFailure(stats.host) ? null : hostPoint(stats.host as HostStats),
  containers: isCollectorFailure(stats.containers) ? null : containersPoint(stats.containers as ContainerStats),
  services: isCollectorFailure(stats.services) ? null : servicesPoint(stats.services as ServiceHealthStats)
})
