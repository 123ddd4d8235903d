// A container's counters as its cgroup holds them: the files dockerd itself reads to answer a
// stats call (through containerd's cgroups package), on cgroup v1 and v2, under either of
// dockerd's cgroup drivers.

import { existsSync } from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import { type KernelFs, procPath } from "../fs.ts"
import { parseMeminfo } from "../meminfo.ts"
import { type NetDevCounters, parseNetDev } from "../netDev.ts"
import { HostParseError, type Parsed } from "../parse.ts"
import { LIMIT, readKeptParsedSync, readKernelTextSync } from "../read.ts"
import type { SourceError } from "../source.ts"
import { parseStat } from "../stat.ts"
import { type BlkioEntry, parseBlkioV1, parseCgroupValue, parseIoStatV2, parseKeyedCounters } from "./parse.ts"

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
export interface HostCpuCounters {
  /** getSystemCPUUsage: the first seven columns of the cpu line, in nanoseconds. */
  readonly systemCpuNanos: number
  /** Online CPUs: the cpuN lines of /proc/stat, as dockerd counts them. */
  readonly onlineCpus: number
  /** dockerd's machineMemory: a limit above it (or none) is reported as it. */
  readonly machineMemory: number
}

const NANOS_PER_TICK = 1e9 / 100 // /proc/stat counts in USER_HZ, 100 on every Linux

// The cgroup's files and the host's are read at every sample, kept open and parsed again only when
// their bytes changed (readKeptParsedSync).
const read = <A>(
  file: string,
  parse: (text: string, file: string) => Parsed<A>,
  limit: number = LIMIT.small
): Result.Result<A, SourceError> => readKeptParsedSync(file, parse, limit)

export const readHostCpuCounters = (fs: KernelFs): Result.Result<HostCpuCounters, SourceError> =>
  Result.gen(function* () {
    const stat = yield* read(procPath(fs, "stat"), parseStat, LIMIT.table)
    const meminfo = yield* read(procPath(fs, "meminfo"), parseMeminfo)
    const t = stat.total
    const ticks = t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq
    return { systemCpuNanos: ticks * NANOS_PER_TICK, onlineCpus: stat.cores.length, machineMemory: meminfo.memTotal }
  })

/** The counters of one container's cgroup, in the kernel's units. */
export interface CgroupCounters {
  readonly cpuNanos: number
  readonly memoryUsageBytes: number
  /** "max" on v2, or v1's huge number, when there is no limit. */
  readonly memoryLimit: number | "max"
  readonly inactiveFileV1: number | undefined
  readonly inactiveFile: number
  readonly blkio: ReadonlyArray<BlkioEntry>
}

const counter = (stat: ReadonlyMap<string, number>, key: string, file: string): Result.Result<number, SourceError> => {
  const value = stat.get(key)
  return value === undefined
    ? Result.fail(new HostParseError({ file, line: 0, reason: `no ${key} line` }))
    : Result.succeed(value)
}

// "max" only means something in a limit file: in a usage file it is malformed.
const countIn = (file: string, value: number | "max"): Result.Result<number, SourceError> =>
  value === "max"
    ? Result.fail(new HostParseError({ file, line: 1, reason: '"max" where a count was expected' }))
    : Result.succeed(value)

/** A one-value count file: cpuacct.usage, memory.usage_in_bytes, memory.current. */
const readCount = (file: string) =>
  Result.flatMap(read(file, parseCgroupValue, LIMIT.value), (value) => countIn(file, value))

// Whether the kernel's blkio controller has the CFQ files: the same in every cgroup of the
// hierarchy, its root included, and fixed until the next boot. Asked once, not per container.
const cfqByRoot = new Map<string, boolean>()
const hasCfq = (root: string): boolean => {
  let cfq = cfqByRoot.get(root)
  if (cfq === undefined) {
    cfq = existsSync(path.join(root, "blkio", "blkio.io_serviced_recursive"))
    cfqByRoot.set(root, cfq)
  }
  return cfq
}

const readV1 = (root: string, cgroup: string): Result.Result<CgroupCounters, SourceError> =>
  Result.gen(function* () {
    const cpuacct = path.join(root, "cpuacct", cgroup)
    const memory = path.join(root, "memory", cgroup)
    const blkio = path.join(root, "blkio", cgroup)
    const cpuNanos = yield* readCount(path.join(cpuacct, "cpuacct.usage"))
    const memoryUsageBytes = yield* readCount(path.join(memory, "memory.usage_in_bytes"))
    const memoryLimit = yield* read(path.join(memory, "memory.limit_in_bytes"), parseCgroupValue, LIMIT.value)
    const statFile = path.join(memory, "memory.stat")
    const stat = yield* read(statFile, parseKeyedCounters)
    // containerd reads the CFQ scheduler's counters where they exist (kernels before 5.0), else
    // the throttle layer's, which every kernel since has.
    const cfq = hasCfq(root)
    const blkioEntries = yield* read(
      path.join(blkio, cfq ? "blkio.io_service_bytes_recursive" : "blkio.throttle.io_service_bytes_recursive"),
      parseBlkioV1,
      LIMIT.table
    )
    return {
      cpuNanos,
      memoryUsageBytes,
      memoryLimit,
      inactiveFileV1: yield* counter(stat, "total_inactive_file", statFile),
      inactiveFile: yield* counter(stat, "inactive_file", statFile),
      blkio: blkioEntries
    }
  })

const readV2 = (root: string, cgroup: string): Result.Result<CgroupCounters, SourceError> =>
  Result.gen(function* () {
    const dir = path.join(root, cgroup)
    const cpuFile = path.join(dir, "cpu.stat")
    const cpu = yield* read(cpuFile, parseKeyedCounters)
    const memoryUsageBytes = yield* readCount(path.join(dir, "memory.current"))
    const memoryLimit = yield* read(path.join(dir, "memory.max"), parseCgroupValue, LIMIT.value)
    const statFile = path.join(dir, "memory.stat")
    const stat = yield* read(statFile, parseKeyedCounters)
    const blkioEntries = yield* read(path.join(dir, "io.stat"), parseIoStatV2, LIMIT.table)
    return {
      cpuNanos: (yield* counter(cpu, "usage_usec", cpuFile)) * 1000,
      memoryUsageBytes,
      memoryLimit,
      inactiveFileV1: undefined,
      inactiveFile: yield* counter(stat, "inactive_file", statFile),
      blkio: blkioEntries
    }
  })

/**
 * The counters of the cgroup now. Fails with the file and the reason when one is missing (the
 * container stopped meanwhile) or unreadable.
 */
export const readCgroupCounters = (
  layout: CgroupHierarchy,
  cgroup: string
): Result.Result<CgroupCounters, SourceError> =>
  layout.version === 1 ? readV1(layout.root, cgroup) : readV2(layout.root, cgroup)

/** The interfaces of a process's network namespace: HOST_PROC/<pid>/net/dev. */
export const readProcessNetDev = (
  fs: KernelFs,
  pid: number
): Result.Result<ReadonlyArray<NetDevCounters>, SourceError> =>
  // Not kept: the pid may later name another process, in another namespace.
  Result.flatMap(readKernelTextSync(procPath(fs, String(pid), "net", "dev"), LIMIT.table), (text) =>
    parseNetDev(text, procPath(fs, String(pid), "net", "dev"))
  )
