// The samples the stored history keeps, from the readings: an allowlist of figures per host,
// container (by name) and probe, nothing else of a reading (no env, labels, mounts, commands,
// targets or images). Counters stay raw counters in base units: the store counts their resets.

import { Result } from "effect"
import type { StoredHistory } from "../api/History.ts"
import type { StoredUptime } from "../api/ServiceStats.ts"
import type { ContainerReading, ContainersReading } from "../domain/ContainerReading.ts"
import type { HostReading } from "../domain/HostReading.ts"
import type { ServicesReading } from "../domain/ProbeResult.ts"
import type { HistoryResult, Uptime } from "../history/store/engine.ts"
import type { Sample, Series } from "../history/store/model.ts"
import { cpuZoneIndex } from "../kernel/thermal.ts"
import { byKey } from "../sampling/delta.ts"
import { containerCpuPercent } from "./containers.ts"
import { memoryUsed } from "./dockerFormulas.ts"
import { availableBytes, cpuSeconds, cpuUsage, diskFigures, diskIoBytes } from "./host.ts"

// One machine per data directory: its series keeps this name whatever the hostname says, so a
// renamed host (or a hostname that failed to read once) never splits its history.
export const HOST_SERIES: Series = { kind: "host", name: "host" }

const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0)

/**
 * The host's figures: gauges CPU %, load, memory and swap in bytes, the CPU temperature and each
 * filesystem's used bytes (`disk:<mount point>:usedBytes`); counters CPU seconds by mode, and the
 * bytes received, sent, read and written summed over interfaces and whole disks.
 */
export const hostSample = (current: HostReading, previous: HostReading | undefined): Sample => {
  const m = current.meminfo
  const available = availableBytes(current)
  const swapFree = Math.min(m.swapFree, m.swapTotal)
  const thermal = Result.isSuccess(current.thermal) ? current.thermal.success : []
  const gauges: Record<string, number | null> = {
    cpuPercent:
      previous === undefined ? null : (cpuUsage(previous.stat.total, current.stat.total)?.usagePercent ?? null),
    load1: current.load[0],
    load5: current.load[1],
    load15: current.load[2],
    memoryUsedBytes: m.memTotal - available,
    memoryAvailableBytes: available,
    swapUsedBytes: m.swapTotal - swapFree,
    temperatureCelsius: thermal[cpuZoneIndex(thermal.map((z) => z.type))]?.celsius ?? null
  }
  for (const fs of current.filesystems) {
    const mountPoint = fs.mountPoints[0]
    if (mountPoint !== undefined) gauges[`disk:${mountPoint}:usedBytes`] = diskFigures(fs.usage).usedBytes
  }
  const seconds = cpuSeconds(current.stat.total)
  const interfaces = Result.isSuccess(current.network) ? current.network.success.interfaces : undefined
  const disks =
    Result.isSuccess(current.diskIo) && current.diskIo.success !== undefined ? diskIoBytes(current) : undefined
  return {
    at: current.at,
    series: HOST_SERIES,
    gauges,
    counters: {
      cpuUserSeconds: seconds.user + seconds.nice,
      cpuSystemSeconds: seconds.system + seconds.irq + seconds.softirq,
      cpuIowaitSeconds: seconds.iowait,
      rxBytes: interfaces === undefined ? null : sum(interfaces.map((i) => i.rxBytes)),
      txBytes: interfaces === undefined ? null : sum(interfaces.map((i) => i.txBytes)),
      diskReadBytes: disks === undefined ? null : sum(disks.map((d) => d.read)),
      diskWriteBytes: disks === undefined ? null : sum(disks.map((d) => d.written))
    }
  }
}

const containerSample = (at: number, c: ContainerReading, previous: ContainerReading | undefined): Sample => {
  const k = c.counters
  return {
    at,
    series: { kind: "container", name: c.name },
    gauges: {
      running: c.state === "running" ? 1 : 0,
      cpuPercent: containerCpuPercent(c, previous),
      memoryBytes: k?.hasMemory === true ? memoryUsed(k) : null,
      pids: k?.pids ?? null
    },
    counters: {
      cpuSeconds: k === undefined ? null : k.cpuNanos / 1e9,
      rxBytes: k?.network?.rxBytes ?? null,
      txBytes: k?.network?.txBytes ?? null,
      blockReadBytes: k?.blockIo.readBytes ?? null,
      blockWriteBytes: k?.blockIo.writeBytes ?? null
    }
  }
}

/**
 * Each container's figures, by name so that a re-created container continues its series: gauges
 * running (0/1), CPU %, memory bytes and tasks; counters CPU seconds, network and block bytes.
 */
export const containerSamples = (
  current: ContainersReading,
  previous: ContainersReading | undefined
): ReadonlyArray<Sample> => {
  const before = byKey(previous?.containers, (c) => c.id)
  // Two containers may briefly share a name while one is re-created: the running one speaks for it.
  const byName = new Map<string, ContainerReading>()
  for (const c of current.containers) {
    const seen = byName.get(c.name)
    if (seen === undefined || (seen.state !== "running" && c.state === "running")) byName.set(c.name, c)
  }
  return [...byName.values()].map((c) => containerSample(current.at, c, before.get(c.id)))
}

/**
 * Each probe's checks that `previous` had not: gauges healthy (0/1, what uptime counts) and
 * latency in milliseconds, at the time the check ended. A probe publishes alone (its reading
 * carries every probe's last check), so a check already recorded is not recorded again.
 */
export const probeSamples = (
  current: ServicesReading,
  previous: ServicesReading | undefined
): ReadonlyArray<Sample> => {
  const before = byKey(previous?.probes, (p) => p.name)
  return current.probes.flatMap((p) =>
    before.get(p.name)?.last.at === p.last.at
      ? []
      : [
          {
            at: p.last.at,
            series: { kind: "probe", name: p.name },
            gauges: { healthy: p.last.healthy ? 1 : 0, latencyMs: p.last.latencyMs },
            counters: {}
          } satisfies Sample
        ]
  )
}

const isoOf = (ms: number) => new Date(ms).toISOString()

/** GET /history?source=stored: the store's answer for a window of `windowMs`, as the API shows it. */
export const storedHistoryView = (result: HistoryResult, windowMs: number): StoredHistory => ({
  source: "stored",
  windowSeconds: windowMs / 1000,
  stepSeconds: result.stepMillis / 1000,
  tier: result.tier,
  from: isoOf(result.from),
  to: isoOf(result.to),
  series: result.series.map((s) => ({
    kind: s.series.kind,
    name: s.series.name,
    at: s.at,
    gauges: s.gauges,
    counters: s.counters
  }))
})

// Three decimals of a percent tell 99.999 % from 100 %: a year's 5 minutes down.
const percent = (share: number | null) => (share === null ? null : Math.round(share * 100_000) / 1000)

/** A probe's stored uptime as GET /services shows it: percentages, null without any check stored. */
export const uptimeView = (u: Uptime): StoredUptime => ({
  "24h": percent(u["24h"]),
  "7d": percent(u["7d"]),
  "30d": percent(u["30d"]),
  "365d": percent(u["365d"])
})
