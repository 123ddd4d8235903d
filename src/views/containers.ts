// The containers section of the API (ContainerStats) from the current and the previous reading:
// the docker CLI's formulas (dockerFormulas.ts) over the one counters shape, rounded here.

import type { ContainerInfo, ContainerStats } from "../api/ContainerStats.ts"
import type {
  ContainerCounters,
  ContainerEventFacts,
  ContainerReading,
  ContainersReading
} from "../domain/ContainerReading.ts"
import type { Pressure } from "../kernel/cgroup/pressure.ts"
import { byKey } from "../sampling/delta.ts"
import { type CpuCounters, cpuPercent, memoryPercent, memoryUsed, uptimeSeconds } from "./dockerFormulas.ts"
import { crashLoop } from "./events.ts"
import { isoTime, round2 } from "./units.ts"

const cpuCounters = (c: { readonly cpuNanos: number; readonly systemCpuNanos: number | undefined }) =>
  c.systemCpuNanos === undefined ? undefined : { totalUsage: c.cpuNanos, systemUsage: c.systemCpuNanos }

/**
 * CPU % over the window the daemon measured (plain `stream=false` fills precpu_stats), else over
 * the window since the previous reading of the same run of the container. Null on a container's
 * first reading and after it restarted, when its counters began again from zero.
 */
export const containerCpuPercent = (current: ContainerReading, previous: ContainerReading | undefined) => {
  const raw = unroundedCpuPercent(current, previous)
  return raw === null ? null : round2(raw)
}

const unroundedCpuPercent = (current: ContainerReading, previous: ContainerReading | undefined) => {
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
  return base === undefined ? null : cpuPercent(base, now, counters.onlineCpus)
}

/**
 * CPU use as a share of the CPU limit: docker's CPU % counts one core as 100, so a container held
 * to 0.2 CPUs that uses all of it reads 20 %, and 100 % of its limit.
 */
export const cpuLimitPercent = (cpuPercentOfOneCore: number | null, cpus: number | null | undefined) =>
  cpuPercentOfOneCore === null || cpus === null || cpus === undefined || cpus <= 0
    ? null
    : round2(cpuPercentOfOneCore / cpus)

/** cpuLimitPercent of the container's own CPU %, as GET /containers shows it (and the alert rules see it). */
export const containerCpuLimitPercent = (current: ContainerReading, previous: ContainerReading | undefined) =>
  cpuLimitPercent(unroundedCpuPercent(current, previous), current.limits?.cpus)

type PressureView = NonNullable<ContainerInfo["pressure"]>["cpu"]

const pressureLine = (line: Pressure["some"]) => ({
  avg10: round2(line.avg10 * 100),
  avg60: round2(line.avg60 * 100),
  avg300: round2(line.avg300 * 100),
  totalSeconds: line.totalSeconds
})

const pressureView = (p: Pressure | null): PressureView =>
  p === null ? null : { some: pressureLine(p.some), full: p.full === null ? null : pressureLine(p.full) }

// The last run's exit tells something only once it has ended: a running or paused container
// reads 0, a created one has never run.
const exited = (c: ContainerReading) => c.state === "exited" || c.state === "dead" || c.state === "restarting"

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
  nowMillis: number,
  events?: { readonly windowMillis: number; readonly facts: ContainerEventFacts | undefined }
): ContainerInfo => {
  const c = current.counters
  return {
    ...baseView(current, previous, nowMillis),
    composeProject: current.composeProject ?? null,
    composeService: current.composeService ?? null,
    exitCode: exited(current) ? (current.exitCode ?? null) : null,
    oomKilled: exited(current) ? (current.oomKilled ?? null) : null,
    limits: current.limits ?? null,
    cpuLimitPercent: containerCpuLimitPercent(current, previous),
    throttling: c?.throttling ?? null,
    oomKills: c?.oomKills ?? null,
    pids: c?.pids ?? null,
    pressure:
      c?.pressure === undefined
        ? null
        : {
            cpu: pressureView(c.pressure.cpu),
            memory: pressureView(c.pressure.memory),
            io: pressureView(c.pressure.io)
          },
    crashLoop:
      events === undefined
        ? null
        : crashLoop(
            events.facts === undefined ? undefined : { name: current.name, ...events.facts },
            events.windowMillis
          )
  }
}

const baseView = (current: ContainerReading, previous: ContainerReading | undefined, nowMillis: number) => ({
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
  const events = current.events
  return {
    sampledAt: isoTime(current.at),
    containers: current.containers.map((c) =>
      containerView(
        c,
        before.get(c.id),
        current.at,
        events === undefined ? undefined : { windowMillis: events.windowMillis, facts: events.byName.get(c.name) }
      )
    ),
    summary: summarize(current.containers),
    missing: (current.missing ?? []).map((m) => ({
      project: m.project ?? null,
      service: m.service,
      lastSeenAt: m.lastSeenAt === undefined ? null : isoTime(m.lastSeenAt)
    }))
  }
}
