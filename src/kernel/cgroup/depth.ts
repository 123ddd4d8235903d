// What a container's limits are doing to it, from its cgroup: the CPU quota and how often it ran
// out (CFS throttling), the memory limit and the OOM kills, the pids, and on cgroup v2 the
// pressure stall figures. The readers are the fixture-tested ones beside this file; here they are
// put together for one container under either hierarchy: its limits, which change only with
// `docker update` (read when the container is inspected again), and what they are doing to it
// (read at every sample).
//
// A controller or file that is not there (v1 without the pids controller, a v2 subtree where the
// cpu controller is not enabled, an old kernel without oom_kill or PSI) leaves its figure null:
// the container's other figures and limits are still known, and the collector falls back to the
// Docker API's inspect answer for a limit the cgroup does not tell.

import * as path from "node:path"
import { Result } from "effect"
import { type CpuLimit, readCpuLimitV1, readCpuLimitV2 } from "./cpuLimit.ts"
import { type CfsThrottling, readCpuStatV1, readCpuStatV2 } from "./cpuStat.ts"
import { readMemoryLimitV1, readMemoryLimitV2 } from "./memoryLimit.ts"
import { readMemoryEventsV2, readOomControlV1 } from "./oom.ts"
import { parsePidsCurrent, parsePidsMax } from "./pids.ts"
import { type CgroupPressure, readPressureV2 } from "./pressure.ts"
import type { CgroupHierarchy } from "./stats.ts"
import { type CgroupReadError, readParsed } from "./text.ts"

/** What the cgroup allows: read when the container is (re)inspected, since only `docker update` changes it. */
export interface CgroupLimits {
  /** The CFS quota (its `cpus` null when unlimited); null when the cpu controller's files are absent. */
  readonly cpuLimit: CpuLimit | null
  /** The memory limit in bytes; null when unlimited. undefined when the file is absent. */
  readonly memoryLimitBytes: number | null | undefined
  /** The pids limit; null when unlimited. undefined without the pids controller. */
  readonly pidsMax: number | null | undefined
}

/** What the limits are doing: counters and gauges, read at every sample. */
export interface CgroupUsage {
  /** CFS throttling counters; null when the cpu controller's files are absent. */
  readonly throttling: CfsThrottling | null
  /** Processes killed by the OOM killer since the cgroup was created; null when the kernel does not count them. */
  readonly oomKills: number | null
  /** Tasks now; null without the pids controller. */
  readonly pidsCurrent: number | null
  /** cgroup v2 only (null on v1): each resource null where PSI is off. */
  readonly pressure: CgroupPressure | null
}

export type CgroupDepth = CgroupLimits & CgroupUsage

/** A reader's result, its absence (the file does not exist) as null. */
const orNull = <A>(result: Result.Result<A, CgroupReadError>): Result.Result<A | null, CgroupReadError> =>
  Result.isFailure(result) && result.failure._tag === "HostReadError" && result.failure.kind === "not-found"
    ? Result.succeed(null)
    : result

/** A limit that reads null for "no limit", its file's absence as undefined. */
const limitOrAbsent = (result: Result.Result<number | null, CgroupReadError>) =>
  Result.map(orNull(Result.map(result, (value) => ({ value }))), (boxed) => (boxed === null ? undefined : boxed.value))

/** `cgroup` as findContainerCgroup gives it; fails naming the file when one exists but cannot be read or parsed. */
export const readCgroupLimits = (
  layout: CgroupHierarchy,
  cgroup: string
): Result.Result<CgroupLimits, CgroupReadError> =>
  Result.gen(function* () {
    if (layout.version === 1) {
      const pids = path.join(layout.root, "pids", cgroup)
      return {
        cpuLimit: yield* orNull(readCpuLimitV1(path.join(layout.root, "cpu", cgroup))),
        memoryLimitBytes: yield* limitOrAbsent(readMemoryLimitV1(path.join(layout.root, "memory", cgroup))),
        pidsMax: yield* limitOrAbsent(readParsed(path.join(pids, "pids.max"), parsePidsMax))
      }
    }
    const dir = path.join(layout.root, cgroup)
    return {
      cpuLimit: yield* orNull(readCpuLimitV2(dir)),
      memoryLimitBytes: yield* limitOrAbsent(readMemoryLimitV2(dir)),
      pidsMax: yield* limitOrAbsent(readParsed(path.join(dir, "pids.max"), parsePidsMax))
    }
  })

/** As readCgroupLimits, for the figures that move. */
export const readCgroupUsage = (layout: CgroupHierarchy, cgroup: string): Result.Result<CgroupUsage, CgroupReadError> =>
  Result.gen(function* () {
    if (layout.version === 1) {
      const oom = yield* orNull(readOomControlV1(path.join(layout.root, "memory", cgroup)))
      return {
        throttling: yield* orNull(readCpuStatV1(path.join(layout.root, "cpu", cgroup))),
        oomKills: oom?.oomKill ?? null,
        pidsCurrent: yield* orNull(
          readParsed(path.join(layout.root, "pids", cgroup, "pids.current"), parsePidsCurrent)
        ),
        pressure: null
      }
    }
    const dir = path.join(layout.root, cgroup)
    const events = yield* orNull(readMemoryEventsV2(dir))
    return {
      throttling: yield* orNull(readCpuStatV2(dir)),
      oomKills: events?.oomKill ?? null,
      pidsCurrent: yield* orNull(readParsed(path.join(dir, "pids.current"), parsePidsCurrent)),
      pressure: yield* readPressureV2(dir)
    }
  })

/** Both at once. */
export const readCgroupDepth = (layout: CgroupHierarchy, cgroup: string): Result.Result<CgroupDepth, CgroupReadError> =>
  Result.gen(function* () {
    const limits = yield* readCgroupLimits(layout, cgroup)
    const usage = yield* readCgroupUsage(layout, cgroup)
    return { ...limits, ...usage }
  })
