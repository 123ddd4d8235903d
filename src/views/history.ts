// A history point from the readings: the sparkline figures of one moment.

import { Result } from "effect"
import type { ContainersPoint, HistoryPoint, HostPoint, ServicesPoint } from "../api/History.ts"
import type { HostReading } from "../domain/HostReading.ts"
import type { ServicesReading } from "../domain/ProbeResult.ts"
import { byKey, increase } from "../sampling/delta.ts"
import type { Readings } from "../sampling/Sampler.ts"
import { containersView } from "./containers.ts"
import { hostView } from "./host.ts"
import { isoTime } from "./units.ts"

/** Bytes received and sent over the reported interfaces, as a counter that never goes back. */
export interface NetworkTotals {
  readonly rxBytes: number
  readonly txBytes: number
}

/**
 * The totals after `current`: the earlier totals plus each interface's increase. An interface
 * that was re-created (its counter went back) or is new adds nothing this time, so the sum never
 * goes down and a rate drawn from two points is never negative. The first reading starts the
 * totals at its own sum.
 */
export const accumulateNetwork = (
  totals: NetworkTotals | undefined,
  previous: HostReading | undefined,
  current: HostReading
): NetworkTotals => {
  const now = Result.isSuccess(current.network) ? current.network.success.interfaces : []
  if (totals === undefined || previous === undefined) {
    return { rxBytes: now.reduce((a, i) => a + i.rxBytes, 0), txBytes: now.reduce((a, i) => a + i.txBytes, 0) }
  }
  const before = byKey(Result.isSuccess(previous.network) ? previous.network.success.interfaces : [], (i) => i.name)
  let rxBytes = totals.rxBytes
  let txBytes = totals.txBytes
  for (const i of now) {
    rxBytes += increase(before.get(i.name)?.rxBytes, i.rxBytes) ?? 0
    txBytes += increase(before.get(i.name)?.txBytes, i.txBytes) ?? 0
  }
  return { rxBytes, txBytes }
}

const hostPoint = (current: HostReading, previous: HostReading | undefined, network: NetworkTotals): HostPoint => {
  const h = hostView(current, previous)
  return {
    cpuPercent: h.cpu.usagePercent,
    memoryPercent: h.memory.usagePercent,
    swapPercent: h.memory.swap.usagePercent,
    load1: h.cpu.loadAverage[0],
    temperatureCelsius: h.temperature.available ? h.temperature.cpuCelsius : null,
    cpuPressure: h.pressure.resources?.cpu.some.avg10 ?? null,
    rxBytes: network.rxBytes,
    txBytes: network.txBytes,
    disks: h.disks.map((d) => ({ mountPoint: d.mountPoint, usagePercent: d.usagePercent }))
  }
}

const servicesPoint = (s: ServicesReading): ServicesPoint => ({
  healthy: s.probes.filter((p) => p.last.healthy).length,
  total: s.probes.length,
  services: s.probes.map((p) => ({ name: p.name, healthy: p.last.healthy, latencyMs: p.last.latencyMs }))
})

/** The containers' figures of a history point; null without a reading. */
export const containersPointOf = (r: Readings): ContainersPoint | null => {
  const containers = r.containers.current
  if (Result.isFailure(containers)) return null
  const view = containersView(containers.success, r.containers.previous)
  return {
    sampledAt: view.sampledAt,
    running: view.summary.running,
    total: view.summary.total,
    unhealthy: view.summary.unhealthy,
    containers: view.containers.map((x) => ({
      name: x.name,
      running: x.state === "running",
      cpuPercent: x.cpuPercent,
      memoryBytes: x.memory === null ? null : x.memory.usageBytes
    }))
  }
}

/** The probes' figures of a history point; null without a reading. */
export const servicesPointOf = (r: Readings): ServicesPoint | null =>
  Result.isSuccess(r.services.current) ? servicesPoint(r.services.current.success) : null

/** The host's figures of a history point; null without a reading or network totals. */
export const hostPointOf = (r: Readings, network: NetworkTotals | undefined): HostPoint | null =>
  Result.isSuccess(r.host.current) && network !== undefined
    ? hostPoint(r.host.current.success, r.host.previous, network)
    : null

/** When a history point is: its host reading's time, else the readings'. */
export const pointTime = (r: Readings): string =>
  isoTime(Result.isSuccess(r.host.current) ? r.host.current.success.at : r.at)

/** The sparkline figures of the readings; a section without a reading is null. */
export const historyPoint = (r: Readings, network: NetworkTotals | undefined): HistoryPoint => ({
  timestamp: pointTime(r),
  host: hostPointOf(r, network),
  containers: containersPointOf(r),
  services: servicesPointOf(r)
})
