// CFS bandwidth throttling from cpu.stat: how often the container's CPU quota ran out. Periods
// and throttled periods are counts; the throttled time is seconds (cgroup v1 prints nanoseconds,
// v2 microseconds), as cAdvisor's container_cpu_cfs_throttled_seconds_total.

import * as path from "node:path"
import { Result } from "effect"
import { type Parsed, parseFlatKeyed, readParsed, required } from "./text.ts"

export interface CfsThrottling {
  /** nr_periods: enforcement periods that have elapsed while the cgroup had runnable tasks. */
  readonly periods: number
  /** nr_throttled: periods in which the cgroup used up its quota and was throttled. */
  readonly throttledPeriods: number
  /** throttled_time (v1, ns) or throttled_usec (v2, µs): total time throttled, in seconds. */
  readonly throttledSeconds: number
}

/** cgroup v1 cpu/…/cpu.stat: nr_periods, nr_throttled, throttled_time (ns); other keys ignored. */
export const parseCpuStatV1 = (text: string, file: string): Parsed<CfsThrottling> =>
  Result.gen(function* () {
    const stat = yield* parseFlatKeyed(text, file)
    return {
      periods: yield* required(stat, "nr_periods", file),
      throttledPeriods: yield* required(stat, "nr_throttled", file),
      throttledSeconds: (yield* required(stat, "throttled_time", file)) / 1e9
    }
  })

/**
 * cgroup v2 cpu.stat: nr_periods, nr_throttled, throttled_usec; null when the file has none of
 * them, as when the cpu controller is not enabled for the cgroup (only usage_usec and the like).
 */
export const parseCpuStatV2 = (text: string, file: string): Parsed<CfsThrottling | null> =>
  Result.gen(function* () {
    const stat = yield* parseFlatKeyed(text, file)
    if (!stat.has("nr_periods") && !stat.has("nr_throttled") && !stat.has("throttled_usec")) return null
    return {
      periods: yield* required(stat, "nr_periods", file),
      throttledPeriods: yield* required(stat, "nr_throttled", file),
      throttledSeconds: (yield* required(stat, "throttled_usec", file)) / 1e6
    }
  })

/** `cpuDir`: the container's directory in the v1 cpu controller (…/cpu/docker/<id>). */
export const readCpuStatV1 = (cpuDir: string) => readParsed(path.join(cpuDir, "cpu.stat"), parseCpuStatV1)

/** `dir`: the container's v2 cgroup directory (…/system.slice/docker-<id>.scope). */
export const readCpuStatV2 = (dir: string) => readParsed(path.join(dir, "cpu.stat"), parseCpuStatV2)
