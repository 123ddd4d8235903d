// The CFS bandwidth limit: a quota of CPU time per period (docker --cpus, or --cpu-quota and
// --cpu-period). The kernel prints microseconds; the limit is in seconds, and the quota divided
// by the period is the number of CPUs allowed.

import * as path from "node:path"
import { Result } from "effect"
import { describeToken, fields, type Parsed, parseFail, readParsed, singleLine } from "./text.ts"

export interface CpuLimit {
  /** CPU time the cgroup may use per period, in seconds; null when unlimited. */
  readonly quotaSeconds: number | null
  /** The enforcement period, in seconds. */
  readonly periodSeconds: number
  /** The CPUs the quota allows (2.5 for --cpus 2.5): quota over period. A count, not a percentage. */
  readonly cpus: number | null
}

// From the microseconds as printed: integer over integer is the double nearest the true ratio.
const limitOf = (quotaMicros: number | null, periodMicros: number): CpuLimit => ({
  quotaSeconds: quotaMicros === null ? null : quotaMicros / 1e6,
  periodSeconds: periodMicros / 1e6,
  cpus: quotaMicros === null ? null : quotaMicros / periodMicros
})

const MICROS = /^\d{1,15}$/

const micros = (token: string, file: string, what: string): Parsed<number> => {
  if (!MICROS.test(token)) return parseFail(file, 1, `${describeToken(token)} is not a ${what} in microseconds`)
  const value = Number(token)
  return value > 0 ? Result.succeed(value) : parseFail(file, 1, `a ${what} of 0 microseconds`)
}

/** cgroup v1 cpu.cfs_quota_us: microseconds per period, or -1 (null) for no limit. */
export const parseCfsQuotaV1 = (text: string, file: string): Parsed<number | null> => {
  const value = singleLine(text)
  return value === "-1" ? Result.succeed(null) : micros(value, file, "quota")
}

/** cgroup v1 cpu.cfs_period_us: the period in microseconds. */
export const parseCfsPeriodV1 = (text: string, file: string): Parsed<number> => micros(singleLine(text), file, "period")

/** The limit from cgroup v1's two files, as parsed by parseCfsQuotaV1 and parseCfsPeriodV1. */
export const cpuLimitV1 = (quotaMicros: number | null, periodMicros: number): CpuLimit =>
  limitOf(quotaMicros, periodMicros)

/** cgroup v2 cpu.max: "$QUOTA $PERIOD" in microseconds, the quota "max" for no limit. */
export const parseCpuMaxV2 = (text: string, file: string): Parsed<CpuLimit> =>
  Result.gen(function* () {
    const parts = fields(singleLine(text))
    if (parts.length !== 2) return yield* parseFail(file, 1, `${parts.length} fields, expected "$MAX $PERIOD"`)
    const [quota, period] = parts as [string, string]
    return limitOf(quota === "max" ? null : yield* micros(quota, file, "quota"), yield* micros(period, file, "period"))
  })

/** `cpuDir`: the container's directory in the v1 cpu controller. */
export const readCpuLimitV1 = (cpuDir: string) =>
  Result.gen(function* () {
    const quota = yield* readParsed(path.join(cpuDir, "cpu.cfs_quota_us"), parseCfsQuotaV1)
    const period = yield* readParsed(path.join(cpuDir, "cpu.cfs_period_us"), parseCfsPeriodV1)
    return cpuLimitV1(quota, period)
  })

/** `dir`: the container's v2 cgroup directory. */
export const readCpuLimitV2 = (dir: string) => readParsed(path.join(dir, "cpu.max"), parseCpuMaxV2)
