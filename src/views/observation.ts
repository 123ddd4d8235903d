// What the alert rules see of one set of readings: every figure of src/alerts/figures.ts in its
// unit (percent 0-100, °C, milliseconds, booleans), from the same helpers as the API's views, so
// that an alert quotes the figure /host or /containers shows. A section that is not sampled yet or
// whose last sample failed is left out: its subjects are unknown, never a breach nor a recovery.
//
// Known only where a reading tells it: container.oom_kills from the cgroup (not the stats API),
// container.cpu_of_limit from a container's second reading with a CPU limit, probe.tls_days_left
// for a probe whose last check was shown a certificate (https, or a redirect to https).

import { Result } from "effect"
import { type FigureId, figure } from "../alerts/figures.ts"
import { type Figures, makeObservation, type Observation, type ObservationInput } from "../alerts/Observation.ts"
import type { ContainerReading, ContainersReading } from "../domain/ContainerReading.ts"
import type { HostReading } from "../domain/HostReading.ts"
import type { ServicesReading } from "../domain/ProbeResult.ts"
import { PRESSURE_RESOURCES } from "../kernel/pressure.ts"
import { cpuZoneIndex } from "../kernel/thermal.ts"
import { byKey } from "../sampling/delta.ts"
import type { Readings } from "../sampling/Sampler.ts"
import { containerCpuLimitPercent } from "./containers.ts"
import { memoryPercent, memoryUsed } from "./dockerFormulas.ts"
import { availableBytes, cpuUsage, diskFigures } from "./host.ts"
import { round2 } from "./units.ts"

const DAY_MILLIS = 86_400_000

type MutableFigures = { -readonly [K in FigureId]?: number | boolean }

const percent = (part: number, whole: number): number | undefined =>
  whole > 0 ? round2(Math.min(100, (part / whole) * 100)) : undefined

/**
 * The host's own figures; CPU usage needs the previous reading, as GET /host does. `pressure`
 * false leaves the 18 pressure figures out, for rules that watch none of them.
 */
export const hostFigures = (current: HostReading, previous: HostReading | undefined, pressure = true): Figures => {
  const figures: MutableFigures = {}
  const cpu = previous === undefined ? undefined : cpuUsage(previous.stat.total, current.stat.total)
  if (cpu !== undefined) figures["host.cpu_usage"] = cpu.usagePercent
  figures["host.load1"] = current.load[0]
  const memory = percent(availableBytes(current), current.meminfo.memTotal)
  if (memory !== undefined) figures["host.memory_available"] = memory
  const m = current.meminfo
  // A host without swap uses none of it: 0, as the figure's description says.
  figures["host.swap_used"] =
    m.swapTotal > 0 ? (percent(m.swapTotal - Math.min(m.swapFree, m.swapTotal), m.swapTotal) ?? 0) : 0
  if (Result.isSuccess(current.thermal)) {
    const zones = current.thermal.success
    const celsius = zones[cpuZoneIndex(zones.map((z) => z.type))]?.celsius
    if (celsius !== undefined && celsius !== null) figures["host.cpu_temperature"] = celsius
  }
  if (current.board.underVoltage !== null) figures["host.under_voltage"] = current.board.underVoltage
  if (pressure && Result.isSuccess(current.pressure) && current.pressure.success !== undefined) {
    const stalls = current.pressure.success
    for (const resource of PRESSURE_RESOURCES) {
      for (const kind of ["some", "full"] as const) {
        // cpu has no full line before Linux 5.13: that figure is not sampled there.
        const line = stalls[resource][kind]
        if (line === undefined) continue
        figures[`host.psi_${resource}_${kind}_avg10`] = line.avg10
        figures[`host.psi_${resource}_${kind}_avg60`] = line.avg60
        figures[`host.psi_${resource}_${kind}_avg300`] = line.avg300
      }
    }
  }
  return figures
}

/**
 * Every measured mount point, by the name /host and /metrics give it (the first path on that
 * filesystem); one that could not be measured this time is a subject without a value, so that its
 * alerts hold rather than end as gone.
 */
export const diskFiguresByMount = (current: HostReading): Record<string, Figures> => {
  const disks: Record<string, Figures> = {}
  for (const fs of current.filesystems) disks[fs.mountPoints[0]!] = { "disk.used": diskFigures(fs.usage).usagePercent }
  for (const { mountPoint } of current.filesystemsUnavailable) disks[mountPoint] ??= {}
  return disks
}

/** A container's figures; its CPU needs the same container's previous reading, as GET /containers does. */
export const containerFigures = (c: ContainerReading, previous?: ContainerReading): Figures => {
  const figures: MutableFigures = {
    "container.running": c.state === "running",
    "container.unhealthy": c.health === "unhealthy",
    // Docker's cumulative RestartCount: the engine counts its growth within the rule's window.
    "container.restarts": c.restartCount
  }
  const counters = c.counters
  if (counters?.hasMemory === true && counters.memoryLimitBytes > 0) {
    figures["container.memory_of_limit"] = round2(memoryPercent(counters.memoryLimitBytes, memoryUsed(counters)))
  }
  // The cgroup's own OOM count, a running total like RestartCount; unknown from the stats API.
  if (counters?.oomKills !== undefined) figures["container.oom_kills"] = counters.oomKills
  const ofLimit = containerCpuLimitPercent(c, previous)
  if (ofLimit !== null) figures["container.cpu_of_limit"] = ofLimit
  return figures
}

const containersByName = (r: ContainersReading, previous: ContainersReading | undefined): Record<string, Figures> => {
  const before = byKey(previous?.containers, (c) => c.id)
  const byName: Record<string, Figures> = {}
  for (const c of r.containers) byName[c.name] = containerFigures(c, before.get(c.id))
  return byName
}

const probesByName = (r: ServicesReading): Record<string, Figures> => {
  const byName: Record<string, Figures> = {}
  for (const p of r.probes) {
    const figures: MutableFigures = {
      "probe.healthy": p.last.healthy,
      "probe.consecutive_failures": p.consecutiveFailures
    }
    if (p.last.latencyMs !== null) figures["probe.latency"] = p.last.latencyMs
    // Counted from the check, not from the clock: a view is a function of its reading.
    if (p.last.tlsNotAfter !== undefined) {
      figures["probe.tls_days_left"] = round2((p.last.tlsNotAfter - p.last.at) / DAY_MILLIS)
    }
    byName[p.name] = figures
  }
  return byName
}

/** The input of an observation, as plain records (what tests and the bench compare). */
export const observationInput = (r: Readings): ObservationInput => {
  const input: { -readonly [K in keyof ObservationInput]: ObservationInput[K] } = {}
  if (Result.isSuccess(r.host.current)) {
    const host = r.host.current.success
    input.host = hostFigures(host, r.host.previous)
    input.disk = diskFiguresByMount(host)
  }
  if (Result.isSuccess(r.containers.current))
    input.container = containersByName(r.containers.current.success, r.containers.previous)
  if (Result.isSuccess(r.services.current)) input.probe = probesByName(r.services.current.success)
  return input
}

/** What the rules see of these readings. */
export const observationOf = (r: Readings): Observation => makeObservation(observationInput(r))

const sameKeys = (a: object, b: object): boolean => {
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k, i) => k === kb[i])
}

/**
 * Only the figures in `ids`; the `previous` record itself when they are the same as its own, so
 * that a section whose watched figures did not move stays the same record.
 */
const settle = (ids: ReadonlySet<string>, previous: Figures | undefined, figures: Figures): Figures => {
  const picked: MutableFigures = {}
  for (const id in figures) {
    const value = figures[id as FigureId]
    if (value !== undefined && ids.has(id)) picked[id as FigureId] = value
  }
  if (previous === undefined || !sameKeys(previous, picked)) return picked
  for (const id in picked) if (picked[id as FigureId] !== previous[id as FigureId]) return picked
  return previous
}

/** settle for every subject of a section; the previous section when no subject's record changed. */
const settleAll = (
  ids: ReadonlySet<string>,
  previous: Readonly<Record<string, Figures>> | undefined,
  bySubject: Readonly<Record<string, Figures>>
): Readonly<Record<string, Figures>> => {
  const settled: Record<string, Figures> = {}
  let same = previous !== undefined && sameKeys(previous, bySubject)
  for (const subject in bySubject) {
    const before = previous !== undefined && Object.hasOwn(previous, subject) ? previous[subject] : undefined
    settled[subject] = settle(ids, before, bySubject[subject]!)
    same &&= settled[subject] === before
  }
  return same ? previous! : settled
}

/**
 * What the rules watching `watched` see of each new set of readings, as observationOf gives it
 * for those figures, and only those: a kind no rule watches is left out, a section's figures are
 * computed again only when the sampler replaced that section (a probe's check leaves the host's
 * and the containers' as they were), and a section whose watched figures are the same as before
 * is the same record as before, which the engine's idle check then skips (at idle most are: a
 * probe's latency moves at every check, its health does not).
 */
export const observer = (watched: Iterable<FigureId>): ((r: Readings) => Observation) => {
  const ids = [...watched]
  const only = new Set<string>(ids)
  const kinds = new Set(ids.map((id) => figure(id).kind))
  const pressure = ids.some((id) => id.startsWith("host.psi_"))
  const sections: { -readonly [K in keyof ObservationInput]-?: ObservationInput[K] | undefined } = {
    host: undefined,
    disk: undefined,
    container: undefined,
    probe: undefined
  }
  let host: Readings["host"] | undefined
  let containers: Readings["containers"] | undefined
  let services: Readings["services"] | undefined
  return (r) => {
    if (r.host !== host) {
      host = r.host
      const current = Result.isSuccess(r.host.current) ? r.host.current.success : undefined
      sections.host =
        current !== undefined && kinds.has("host")
          ? settle(only, sections.host, hostFigures(current, r.host.previous, pressure))
          : undefined
      sections.disk =
        current !== undefined && kinds.has("disk")
          ? settleAll(only, sections.disk, diskFiguresByMount(current))
          : undefined
    }
    if (r.containers !== containers) {
      containers = r.containers
      sections.container =
        Result.isSuccess(r.containers.current) && kinds.has("container")
          ? settleAll(only, sections.container, containersByName(r.containers.current.success, r.containers.previous))
          : undefined
    }
    if (r.services !== services) {
      services = r.services
      sections.probe =
        Result.isSuccess(r.services.current) && kinds.has("probe")
          ? settleAll(only, sections.probe, probesByName(r.services.current.success))
          : undefined
    }
    const input: { -readonly [K in keyof ObservationInput]: ObservationInput[K] } = {}
    if (sections.host !== undefined) input.host = sections.host
    if (sections.disk !== undefined) input.disk = sections.disk
    if (sections.container !== undefined) input.container = sections.container
    if (sections.probe !== undefined) input.probe = sections.probe
    return makeObservation(input)
  }
}
