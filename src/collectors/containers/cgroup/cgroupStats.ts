// A container's stats read from cgroupfs and procfs, in the shape of Docker's stats answer.
//
// Why: a stats call costs dockerd a second of waiting (its collector ticks once a second) and this
// service an HTTP round trip, JSON and a schema decode, about 1.3 ms of CPU each on a small
// machine; ten containers every 10 s were most of the idle CPU. dockerd answers from these very
// files (through containerd's cgroups package), so reading them gives the same counters for a few
// microseconds each, and the docker CLI formulas (dockerFormulas.ts) apply unchanged.
// Where a container's cgroup cannot be found (a custom --cgroup-parent, rootless Docker, a remote
// DOCKER_HOST, no /sys mounted), the collector asks Docker's stats API as before.

import { existsSync } from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import { parseMeminfo } from "../../host/parsers/meminfo.ts"
import { parseNetDev } from "../../host/parsers/netDev.ts"
import { parseStat } from "../../host/parsers/stat.ts"
import { HostParseError, type Parsed } from "../../host/parsers/text.ts"
import { readKernelTextSync } from "../../host/reader.ts"
import type { SourceError } from "../../host/source.ts"
import type { BlkioEntry, ContainerStatsAnswer } from "../dockerSchemas.ts"
import { parseBlkioV1, parseCgroupValue, parseIoStatV2, parseKeyedCounters } from "./parsers.ts"

/**
 * The cgroup hierarchy under HOST_SYS: v2 when the unified hierarchy is mounted at fs/cgroup
 * itself; v1 (hybrid included: the controllers are on v1) when fs/cgroup holds a memory
 * controller; none otherwise (not Linux, or /sys not mounted).
 */
export type CgroupHierarchy = { readonly version: 1 | 2; readonly root: string }
export type CgroupLayout = CgroupHierarchy | { readonly version: "none" }

export const detectLayout = (sys: string): CgroupLayout => {
  const root = path.join(sys, "fs", "cgroup")
  if (existsSync(path.join(root, "cgroup.controllers"))) return { version: 2, root }
  if (existsSync(path.join(root, "memory", "memory.stat"))) return { version: 1, root }
  return { version: "none" }
}

/**
 * The container's cgroup, relative to the hierarchy's root (v2) or to each controller's (v1):
 * dockerd's cgroupfs driver puts it at docker/<id>, its systemd driver (Raspberry Pi OS, Debian
 * and Ubuntu on cgroup v2) at system.slice/docker-<id>.scope. undefined when neither exists.
 */
export const findContainerCgroup = (layout: CgroupLayout, id: string): string | undefined => {
  if (layout.version === "none" || !/^[0-9a-f]{64}$/.test(id)) return undefined
  for (const dir of [`docker/${id}`, `system.slice/docker-${id}.scope`]) {
    const probe =
      layout.version === 2 ? path.join(layout.root, dir, "cgroup.procs") : path.join(layout.root, "memory", dir)
    if (existsSync(probe)) return dir
  }
  return undefined
}

/** What dockerd reads from the host once per stats answer: /proc/stat and MemTotal. */
export interface HostCounters {
  /** getSystemCPUUsage: the first seven columns of the cpu line, in nanoseconds. */
  readonly systemCpuUsage: number
  /** Online CPUs: the cpuN lines of /proc/stat, as dockerd counts them. */
  readonly onlineCpus: number
  /** dockerd's machineMemory: a limit above it (or none) is reported as it. */
  readonly machineMemory: number
}

const NANOS_PER_TICK = 1e9 / 100 // /proc/stat counts in USER_HZ, 100 on every Linux

const read = <A>(file: string, parse: (text: string, file: string) => Parsed<A>): Result.Result<A, SourceError> =>
  Result.flatMap(readKernelTextSync(file), (text) => parse(text, file))

export const readHostCounters = (proc: string): Result.Result<HostCounters, SourceError> =>
  Result.gen(function* () {
    const stat = yield* read(path.join(proc, "stat"), parseStat)
    const meminfo = yield* read(path.join(proc, "meminfo"), parseMeminfo)
    const t = stat.total
    const ticks = t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq
    return { systemCpuUsage: ticks * NANOS_PER_TICK, onlineCpus: stat.cores.length, machineMemory: meminfo.memTotal }
  })

/** Where the container is, and what of its inspect answer the figures need. */
export interface CgroupTarget {
  /** From findContainerCgroup. */
  readonly cgroup: string
  /** The container's main process on the host (inspect State.Pid): its network namespace. */
  readonly pid: number
  /** inspect HostConfig.NetworkMode: "host" shares the host's interfaces, which Docker never counts. */
  readonly networkMode: string | undefined
}

const limitOf = (value: number | "max", machineMemory: number): number =>
  value === "max" || value > machineMemory ? machineMemory : value

/**
 * The interfaces of the container's network namespace but lo, as Docker's answer lists its
 * endpoints (eth0...); none for --network host (Docker reports none either).
 */
const readNetworks = (
  proc: string,
  target: CgroupTarget
): Result.Result<ContainerStatsAnswer["networks"], SourceError> => {
  if (target.networkMode === "host" || target.pid <= 0) return Result.succeed(undefined)
  return Result.map(read(path.join(proc, String(target.pid), "net", "dev"), parseNetDev), (interfaces) => {
    const out: Record<string, { rx_bytes: number; tx_bytes: number }> = {}
    for (const i of interfaces) if (i.name !== "lo") out[i.name] = { rx_bytes: i.rxBytes, tx_bytes: i.txBytes }
    return out
  })
}

const counter = (stat: ReadonlyMap<string, number>, key: string, file: string): Result.Result<number, SourceError> => {
  const value = stat.get(key)
  return value === undefined
    ? Result.fail(new HostParseError({ file, line: 0, reason: `no ${key} line` }))
    : Result.succeed(value)
}

const readV1 = (root: string, target: CgroupTarget) =>
  Result.gen(function* () {
    const cpuacct = path.join(root, "cpuacct", target.cgroup)
    const memory = path.join(root, "memory", target.cgroup)
    const blkio = path.join(root, "blkio", target.cgroup)
    const usage = yield* readCount(path.join(cpuacct, "cpuacct.usage"))
    const memoryUsage = yield* readCount(path.join(memory, "memory.usage_in_bytes"))
    const limit = yield* read(path.join(memory, "memory.limit_in_bytes"), parseCgroupValue)
    const statFile = path.join(memory, "memory.stat")
    const stat = yield* read(statFile, parseKeyedCounters)
    // containerd reads the CFQ scheduler's counters where they exist (kernels before 5.0), else
    // the throttle layer's, which every kernel since has.
    const cfq = existsSync(path.join(blkio, "blkio.io_serviced_recursive"))
    const entries: ReadonlyArray<BlkioEntry> = yield* read(
      path.join(blkio, cfq ? "blkio.io_service_bytes_recursive" : "blkio.throttle.io_service_bytes_recursive"),
      parseBlkioV1
    )
    return {
      usage,
      memoryUsage,
      limit,
      stats: {
        total_inactive_file: yield* counter(stat, "total_inactive_file", statFile),
        inactive_file: yield* counter(stat, "inactive_file", statFile)
      },
      entries
    }
  })

const readV2 = (root: string, target: CgroupTarget) =>
  Result.gen(function* () {
    const dir = path.join(root, target.cgroup)
    const cpuFile = path.join(dir, "cpu.stat")
    const cpu = yield* read(cpuFile, parseKeyedCounters)
    const memoryUsage = yield* readCount(path.join(dir, "memory.current"))
    const limit = yield* read(path.join(dir, "memory.max"), parseCgroupValue)
    const statFile = path.join(dir, "memory.stat")
    const stat = yield* read(statFile, parseKeyedCounters)
    const entries = yield* read(path.join(dir, "io.stat"), parseIoStatV2)
    return {
      usage: (yield* counter(cpu, "usage_usec", cpuFile)) * 1000,
      memoryUsage,
      limit,
      stats: { inactive_file: yield* counter(stat, "inactive_file", statFile) },
      entries
    }
  })

// "max" only means something in a limit file: in a usage file it is malformed.
const countIn = (file: string, value: number | "max"): Result.Result<number, SourceError> =>
  value === "max"
    ? Result.fail(new HostParseError({ file, line: 1, reason: '"max" where a count was expected' }))
    : Result.succeed(value)

/** A one-value count file: cpuacct.usage, memory.usage_in_bytes, memory.current. */
const readCount = (file: string) => Result.flatMap(read(file, parseCgroupValue), (value) => countIn(file, value))

/**
 * The stats answer dockerd would give for this container now, from the same files. Fails with
 * the file and the reason when one is missing (the container stopped meanwhile) or unreadable.
 */
export const readCgroupStats = (
  proc: string,
  layout: CgroupHierarchy,
  target: CgroupTarget,
  host: HostCounters
): Result.Result<ContainerStatsAnswer, SourceError> =>
  Result.gen(function* () {
    const raw = yield* layout.version === 1 ? readV1(layout.root, target) : readV2(layout.root, target)
    const networks = yield* readNetworks(proc, target)
    const cpu = {
      cpu_usage: { total_usage: raw.usage },
      system_cpu_usage: host.systemCpuUsage,
      online_cpus: host.onlineCpus
    }
    return {
      cpu_stats: cpu,
      memory_stats: { usage: raw.memoryUsage, limit: limitOf(raw.limit, host.machineMemory), stats: raw.stats },
      ...(networks === undefined ? {} : { networks }),
      blkio_stats: { io_service_bytes_recursive: raw.entries }
    } satisfies ContainerStatsAnswer
  })
