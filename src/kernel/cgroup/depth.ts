// What a container's limits are doing to it, from its cgroup: the CPU quota and how often it ran
// out (CFS throttling), the memory limit and the OOM kills, the pids, and on cgroup v2 the
// pressure stall figures. The readers are the fixture-tested ones beside this file; here they are
// put together for one container under either hierarchy.
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
import { type Pids, readPids } from "./pids.ts"
import { type CgroupPressure, readPressureV2 } from "./pressure.ts"
import type { CgroupHierarchy } from "./stats.ts"
import type { CgroupReadError } from "./text.ts"

export interface CgroupDepth {
  /** The CFS quota (its `cpus` null when unlimited); null when the cpu controller's files are absent. */
  readonly cpuLimit: CpuLimit | null
  /** CFS throttling counters; null when the cpu controller's files are absent. */
  readonly throttling: CfsThrottling | null
  /** The memory limit in bytes; null when unlimited. undefined when the file is absent. */
  readonly memoryLimitBytes: number | null | undefined
  /** Processes killed by the OOM killer since the cgroup was created; null when the kernel does not count them. */
  readonly oomKills: number | null
  /** Tasks now and their limit (max null when unlimited); null without the pids controller. */
  readonly pids: Pids | null
  /** cgroup v2 only (null on v1): each resource null where PSI is off. */
  readonly pressure: CgroupPressure | null
}

/** A reader's result, its absence (the file does not exist) as null. */
const orNull = <A>(result: Result.Result<A, CgroupReadError>): Result.Result<A | null, CgroupReadError> =>
  Result.isFailure(result) && result.failure._tag === "HostReadError" && result.failure.kind === "not-found"
    ? Result.succeed(null)
    : result

// A limit reader says null for "no limit": boxed, so that orNull's null means "no such file".
const boxed = <A>(result: Result.Result<A, CgroupReadError>) => Result.map(result, (value) => ({ value }))

const readV1 = (root: string, cgroup: string): Result.Result<CgroupDepth, CgroupReadError> =>
  Result.gen(function* () {
    const cpu = path.join(root, "cpu", cgroup)
    const memory = path.join(root, "memory", cgroup)
    const oom = yield* orNull(readOomControlV1(memory))
    const memoryLimit = yield* orNull(boxed(readMemoryLimitV1(memory)))
    return {
      cpuLimit: yield* orNull(readCpuLimitV1(cpu)),
      throttling: yield* orNull(readCpuStatV1(cpu)),
      memoryLimitBytes: memoryLimit === null ? undefined : memoryLimit.value,
      oomKills: oom?.oomKill ?? null,
      pids: yield* orNull(readPids(path.join(root, "pids", cgroup))),
      pressure: null
    }
  })

const readV2 = (root: string, cgroup: string): Result.Result<CgroupDepth, CgroupReadError> =>
  Result.gen(function* () {
    const dir = path.join(root, cgroup)
    const events = yield* orNull(readMemoryEventsV2(dir))
    const memoryLimit = yield* orNull(boxed(readMemoryLimitV2(dir)))
    const throttling = yield* orNull(readCpuStatV2(dir))
    return {
      cpuLimit: yield* orNull(readCpuLimitV2(dir)),
      throttling,
      memoryLimitBytes: memoryLimit === null ? undefined : memoryLimit.value,
      oomKills: events?.oomKill ?? null,
      pids: yield* orNull(readPids(dir)),
      pressure: yield* readPressureV2(dir)
    }
  })

/**
 * The depth figures of a container's cgroup now (`cgroup` as findContainerCgroup gives it). Fails
 * with the file and the reason when a file exists but cannot be read or parsed.
 */
export const readCgroupDepth = (
  layout: CgroupHierarchy,
  cgroup: string
): Result.Result<CgroupDepth, CgroupReadError> =>
  layout.version === 1 ? readV1(layout.root, cgroup) : readV2(layout.root, cgroup)
