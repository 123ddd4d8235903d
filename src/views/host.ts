// The host section of the API (HostStats) from the current and the previous reading: every rate,
// percentage and rounding of the host is made here.

import { Result } from "effect"
import type { CpuSeconds, HostStats } from "../api/HostStats.ts"
import type { HostReading } from "../domain/HostReading.ts"
import { isWholeDisk } from "../kernel/diskstats.ts"
import { estimateAvailable } from "../kernel/meminfo.ts"
import type { Pressure } from "../kernel/pressure.ts"
import type { SourceError } from "../kernel/source.ts"
import { type CpuTicks, USER_HZ } from "../kernel/stat.ts"
import type { FsUsage } from "../kernel/statfs.ts"
import { cpuZoneIndex } from "../kernel/thermal.ts"
import { byKey, elapsedSeconds, increase, perSecond } from "../sampling/delta.ts"
import { isoTime, percentOf, round2 } from "./units.ts"

// diskstats counts 512-byte sectors whatever the device's real sector size (see the kernel's
// Documentation/admin-guide/iostats.rst).
const SECTOR_BYTES = 512

/**
 * Seconds since boot per mode. An integer over 100 is the double nearest to the decimal, so 6710 ticks
 * is 67.1 exactly as printed: no rounding needed. guest is not added: user already includes it.
 */
export const cpuSeconds = (t: CpuTicks): CpuSeconds => ({
  user: t.user / USER_HZ,
  nice: t.nice / USER_HZ,
  system: t.system / USER_HZ,
  idle: t.idle / USER_HZ,
  iowait: t.iowait / USER_HZ,
  irq: t.irq / USER_HZ,
  softirq: t.softirq / USER_HZ,
  steal: t.steal / USER_HZ
})

// The kernel's iowait counter can step backwards on some kernels (it is per-runqueue and may
// be reassigned between CPUs), so a column that went back counts as no time.
const ticksDelta = (a: number, b: number) => increase(a, b) ?? 0

/**
 * Usage between two readings of the same cpu line, as psutil and top compute it: every column
 * counts towards the total; idle and iowait are not busy. undefined when no tick passed.
 */
export const cpuUsage = (previous: CpuTicks, current: CpuTicks) => {
  const idle = ticksDelta(previous.idle, current.idle)
  const iowait = ticksDelta(previous.iowait, current.iowait)
  const busy =
    ticksDelta(previous.user, current.user) +
    ticksDelta(previous.nice, current.nice) +
    ticksDelta(previous.system, current.system) +
    ticksDelta(previous.irq, current.irq) +
    ticksDelta(previous.softirq, current.softirq) +
    ticksDelta(previous.steal, current.steal)
  const total = busy + idle + iowait
  if (total <= 0) return undefined
  return { usagePercent: percentOf(busy, total), iowaitPercent: percentOf(iowait, total) }
}

const cpuView = (current: HostReading, previous: HostReading | undefined): HostStats["cpu"] => {
  const total = previous === undefined ? undefined : cpuUsage(previous.stat.total, current.stat.total)
  const before = new Map(previous?.stat.cores.map((c) => [c.core, c.ticks]))
  return {
    usagePercent: total?.usagePercent ?? null,
    iowaitPercent: total?.iowaitPercent ?? null,
    seconds: cpuSeconds(current.stat.total),
    perCore: current.stat.cores.map(({ core, ticks }) => {
      const prev = before.get(core)
      const usage = prev === undefined ? undefined : cpuUsage(prev, ticks)
      return {
        core,
        usagePercent: usage?.usagePercent ?? null,
        iowaitPercent: usage?.iowaitPercent ?? null,
        seconds: cpuSeconds(ticks)
      }
    }),
    loadAverage: current.load,
    cores: current.stat.cores.length
  }
}

/** MemAvailable, or the kernel's own estimate on kernels without it; never above MemTotal. */
export const availableBytes = (r: Pick<HostReading, "meminfo" | "minFreeBytes">): number =>
  Math.min(r.meminfo.memTotal, r.meminfo.memAvailable ?? estimateAvailable(r.meminfo, r.minFreeBytes))

export const memoryView = (r: Pick<HostReading, "meminfo" | "minFreeBytes">): HostStats["memory"] => {
  const m = r.meminfo
  const available = availableBytes(r)
  const usedBytes = m.memTotal - available
  const swapFree = Math.min(m.swapFree, m.swapTotal)
  const swapUsed = m.swapTotal - swapFree
  return {
    totalBytes: m.memTotal,
    usedBytes,
    freeBytes: m.memFree,
    availableBytes: available,
    availableSource: m.memAvailable === undefined ? "estimate" : "MemAvailable",
    buffersBytes: m.buffers,
    cachedBytes: m.cached,
    usagePercent: percentOf(usedBytes, m.memTotal),
    swap: {
      totalBytes: m.swapTotal,
      usedBytes: swapUsed,
      freeBytes: swapFree,
      usagePercent: percentOf(swapUsed, m.swapTotal)
    }
  }
}

/** df's figures: used = blocks - bfree, Use% = used / (used + bavail), rounded to 0.01. */
export const diskFigures = (u: FsUsage) => {
  // Some FUSE and network filesystems report more free blocks than blocks; never a negative size.
  const used = u.blocks > u.blocksFree ? u.blocks - u.blocksFree : 0n
  const denominator = used + u.blocksAvailable
  return {
    totalBytes: Number(u.blocks * u.blockSize),
    usedBytes: Number(used * u.blockSize),
    freeBytes: Number(u.blocksAvailable * u.blockSize),
    // Ten-thousandths in bigint, so that a 2^40-block filesystem loses nothing before the division.
    usagePercent: denominator > 0n ? round2(Number((used * 1_000_000n) / denominator) / 10_000) : 0
  }
}

/** What an optional group reports for a failed source: nothing when the source does not exist. */
export const groupError = (error: SourceError): string | null =>
  error._tag === "HostReadError" && error.kind === "not-found" ? null : error.message

const rate = (previous: number | undefined, current: number, seconds: number): number | null => {
  const r = perSecond(previous, current, seconds)
  return r === undefined ? null : round2(r)
}

/** Whole disks and their byte counters, in the kernel's order. */
export const diskIoBytes = (r: HostReading) =>
  Result.isSuccess(r.diskIo) && r.diskIo.success !== undefined
    ? r.diskIo.success
        .filter((d) => isWholeDisk(d.name))
        .map((d) => ({ name: d.name, read: d.sectorsRead * SECTOR_BYTES, written: d.sectorsWritten * SECTOR_BYTES }))
    : []

const diskIoView = (current: HostReading, previous: HostReading | undefined, seconds: number): HostStats["diskIo"] => {
  if (Result.isFailure(current.diskIo))
    return { available: false, error: groupError(current.diskIo.failure), devices: [] }
  if (current.diskIo.success === undefined) return { available: false, error: null, devices: [] }
  const before = byKey(previous === undefined ? undefined : diskIoBytes(previous), (d) => d.name)
  return {
    available: true,
    error: null,
    devices: diskIoBytes(current).map((d) => ({
      name: d.name,
      readBytes: d.read,
      writtenBytes: d.written,
      readBytesPerSecond: rate(before.get(d.name)?.read, d.read, seconds),
      writeBytesPerSecond: rate(before.get(d.name)?.written, d.written, seconds)
    }))
  }
}

const networkView = (
  current: HostReading,
  previous: HostReading | undefined,
  seconds: number
): HostStats["network"] => {
  if (Result.isFailure(current.network)) {
    return { available: false, error: groupError(current.network.failure), source: null, interfaces: [] }
  }
  const before = byKey(
    previous !== undefined && Result.isSuccess(previous.network) ? previous.network.success.interfaces : undefined,
    (i) => i.name
  )
  return {
    available: true,
    error: null,
    source: current.network.success.source,
    interfaces: current.network.success.interfaces.map((i) => ({
      ...i,
      rxBytesPerSecond: rate(before.get(i.name)?.rxBytes, i.rxBytes, seconds),
      txBytesPerSecond: rate(before.get(i.name)?.txBytes, i.txBytes, seconds)
    }))
  }
}

const temperatureView = (r: HostReading): HostStats["temperature"] => {
  if (Result.isFailure(r.thermal)) {
    return { cpuCelsius: null, available: false, error: groupError(r.thermal.failure), zones: [] }
  }
  const zones = r.thermal.success
  const errors = zones.flatMap((z) => (z.error === null ? [] : [z.error]))
  return {
    cpuCelsius: zones[cpuZoneIndex(zones.map((z) => z.type))]?.celsius ?? null,
    available: zones.length > 0,
    error: errors.length > 0 ? errors.join("; ") : null,
    zones: zones.map(({ zone, type, celsius }) => ({ zone, type, celsius }))
  }
}

const pressureFigures = (p: Pressure) => {
  const line = (l: Pressure["some"]) => ({
    avg10: l.avg10,
    avg60: l.avg60,
    avg300: l.avg300,
    totalSeconds: l.totalMicros / 1e6
  })
  return { some: line(p.some), full: p.full === undefined ? null : line(p.full) }
}

const pressureView = (r: HostReading): HostStats["pressure"] => {
  if (Result.isFailure(r.pressure)) return { available: false, error: r.pressure.failure.message, resources: null }
  const p = r.pressure.success
  if (p === undefined) return { available: false, error: null, resources: null }
  return {
    available: true,
    error: null,
    resources: { cpu: pressureFigures(p.cpu), memory: pressureFigures(p.memory), io: pressureFigures(p.io) }
  }
}

const systemView = (r: HostReading): HostStats["system"] => {
  const s = r.system
  return {
    hostname: s.hostname.value,
    osName: s.osName.value,
    platform: s.platform,
    arch: s.arch,
    uptimeSeconds: s.uptimeSeconds.value,
    kernelVersion: s.kernelRelease.value,
    errors: [s.hostname, s.osName, s.kernelRelease, s.uptimeSeconds].flatMap((f) => (f.error === null ? [] : [f.error]))
  }
}

/** GET /host: the current reading, with rates and usage against the previous one (null without one). */
export const hostView = (current: HostReading, previous: HostReading | undefined): HostStats => {
  const seconds = previous === undefined ? 0 : elapsedSeconds(previous.monotonicNanos, current.monotonicNanos)
  return {
    sampledAt: isoTime(current.at),
    cpu: cpuView(current, previous),
    memory: memoryView(current),
    disks: current.filesystems.map(({ usage, mountPoints }) => ({
      mountPoint: mountPoints[0]!,
      mountPoints,
      ...diskFigures(usage)
    })),
    disksUnavailable: current.filesystemsUnavailable,
    diskIo: diskIoView(current, previous, seconds),
    temperature: temperatureView(current),
    network: networkView(current, previous, seconds),
    pressure: pressureView(current),
    board: current.board,
    system: systemView(current)
  }
}
