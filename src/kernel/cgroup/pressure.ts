// Pressure stall information (PSI) of the container's cgroup on cgroup v2: the share of time its
// tasks waited for CPU, memory or IO (Documentation/accounting/psi.rst). "some": at least one task
// waited; "full": all of them at once. The kernel prints the averages as percentages and the total
// in microseconds; here they are ratios (0..1) and seconds.

import * as path from "node:path"
import { Result } from "effect"
import { describeToken, fields, type Parsed, parseFail, readParsedOptional, scanLines, toLargeCount } from "./text.ts"

export interface PressureLine {
  /** Share of the last 10 s stalled, 0..1. */
  readonly avg10: number
  readonly avg60: number
  readonly avg300: number
  /** Total time stalled since the cgroup was created, in seconds. */
  readonly totalSeconds: number
}

export interface Pressure {
  readonly some: PressureLine
  /** null where the kernel prints no "full" line (cpu.pressure before Linux 5.13). */
  readonly full: PressureLine | null
}

const AVERAGES = ["avg10", "avg60", "avg300"] as const
const PERCENT = /^(\d{1,3})(?:\.(\d{1,6}))?$/

/**
 * "2.57" (percent) to 0.0257, from its digits: 257 / 10^4 is the double nearest 0.0257, where
 * 2.57 / 100 would carry the rounding of 2.57 into the result.
 */
const percentToRatio = (raw: string): number | undefined => {
  const m = PERCENT.exec(raw)
  if (m === null) return undefined
  const fraction = m[2] ?? ""
  const ratio = Number(`${m[1]}${fraction}`) / 10 ** (fraction.length + 2)
  return ratio <= 1 ? ratio : undefined
}

const parseLine = (parts: ReadonlyArray<string>, file: string, lineNo: number): Parsed<PressureLine> => {
  const values = new Map<string, string>()
  for (const pair of parts) {
    const eq = pair.indexOf("=")
    if (eq <= 0) return parseFail(file, lineNo, `${describeToken(pair)} is not key=value`)
    const key = pair.slice(0, eq)
    if (values.has(key)) return parseFail(file, lineNo, `${key} appears twice`)
    values.set(key, pair.slice(eq + 1))
  }
  const averages: Array<number> = []
  for (const key of AVERAGES) {
    const raw = values.get(key)
    if (raw === undefined) return parseFail(file, lineNo, `no ${key}`)
    const ratio = percentToRatio(raw)
    if (ratio === undefined) return parseFail(file, lineNo, `${key}=${describeToken(raw)} is not a percentage`)
    averages.push(ratio)
  }
  const rawTotal = values.get("total")
  if (rawTotal === undefined) return parseFail(file, lineNo, "no total")
  const total = toLargeCount(rawTotal)
  if (total === undefined) return parseFail(file, lineNo, `total=${describeToken(rawTotal)} is not microseconds`)
  return Result.succeed({ avg10: averages[0]!, avg60: averages[1]!, avg300: averages[2]!, totalSeconds: total / 1e6 })
}

/** cpu.pressure, memory.pressure, io.pressure (and /proc/pressure/*, which share the format). */
export const parsePressure = (text: string, file: string): Parsed<Pressure> => {
  let some: PressureLine | undefined
  let full: PressureLine | undefined
  const failure = scanLines(text, (line, lineNo) => {
    const parts = fields(line)
    if (parts.length === 0) return undefined
    const kind = parts[0]
    if (kind !== "some" && kind !== "full")
      return parseFail(file, lineNo, `${describeToken(kind!)} is not some or full`)
    if ((kind === "some" ? some : full) !== undefined) return parseFail(file, lineNo, `a second "${kind}" line`)
    const parsed = parseLine(parts.slice(1), file, lineNo)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    if (kind === "some") some = parsed.success
    else full = parsed.success
    return undefined
  })
  if (failure !== undefined) return failure
  if (some === undefined) return parseFail(file, 0, 'no "some" line')
  return Result.succeed({ some, full: full ?? null })
}

export interface CgroupPressure {
  /** Each null where the file does not exist: PSI disabled (psi=0) or a kernel without it. */
  readonly cpu: Pressure | null
  readonly memory: Pressure | null
  readonly io: Pressure | null
}

/** `dir`: the container's v2 cgroup directory. */
export const readPressureV2 = (dir: string) =>
  Result.gen(function* () {
    const cpu = yield* readParsedOptional(path.join(dir, "cpu.pressure"), parsePressure)
    const memory = yield* readParsedOptional(path.join(dir, "memory.pressure"), parsePressure)
    const io = yield* readParsedOptional(path.join(dir, "io.pressure"), parsePressure)
    return { cpu: cpu ?? null, memory: memory ?? null, io: io ?? null } satisfies CgroupPressure
  })
