// /proc/pressure/{cpu,memory,io}: pressure stall information (Documentation/accounting/psi.rst).
//   some avg10=0.12 avg60=0.05 avg300=0.01 total=3625170
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
// avgN are the percentages of wall time over the last N seconds that some (or all non-idle)
// tasks were stalled on the resource; total is the cumulated stall time in microseconds.
//
// Raspberry Pi OS kernels build PSI in but leave it off unless `psi=1` is on the kernel command
// line: the files then exist and every read fails with EOPNOTSUPP. That, like a kernel without
// PSI at all (no /proc/pressure), is "not available", not a failure.

import { Effect, Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, fields, type Parsed, parseFail, scanLines, toCount, toDecimal } from "./parse.ts"
import { LIMIT, readKeptParsedSync } from "./read.ts"
import type { SourceError } from "./source.ts"

export interface PressureLine {
  /** Percent of the last 10, 60 and 300 seconds. */
  readonly avg10: number
  readonly avg60: number
  readonly avg300: number
  /** Stall time since boot, in microseconds: a counter. */
  readonly totalMicros: number
}

export interface Pressure {
  readonly some: PressureLine
  /** Absent for cpu before Linux 5.13. */
  readonly full: PressureLine | undefined
}

export interface HostPressure {
  readonly cpu: Pressure
  readonly memory: Pressure
  readonly io: Pressure
}

export const PRESSURE_RESOURCES = ["cpu", "memory", "io"] as const

const KEYS = ["avg10", "avg60", "avg300", "total"] as const

const parseLine = (parts: ReadonlyArray<string>, file: string, lineNo: number): Parsed<PressureLine> => {
  const values = new Map<string, number>()
  for (const part of parts.slice(1)) {
    const eq = part.indexOf("=")
    const key = part.slice(0, eq)
    if (eq <= 0 || !(KEYS as ReadonlyArray<string>).includes(key)) continue
    const token = part.slice(eq + 1)
    const value = key === "total" ? toCount(token) : toDecimal(token)
    if (value === undefined) return parseFail(file, lineNo, `${key}: ${describeToken(token)} is not a number`)
    values.set(key, value)
  }
  for (const key of KEYS) if (!values.has(key)) return parseFail(file, lineNo, `no ${key}= field`)
  return Result.succeed({
    avg10: values.get("avg10")!,
    avg60: values.get("avg60")!,
    avg300: values.get("avg300")!,
    totalMicros: values.get("total")!
  })
}

export const parsePressure = (text: string, file: string): Parsed<Pressure> => {
  let some: PressureLine | undefined
  let full: PressureLine | undefined
  const failure = scanLines(text, (line, lineNo) => {
    const parts = fields(line)
    if (parts.length === 0) return undefined
    const kind = parts[0]
    if (kind !== "some" && kind !== "full")
      return parseFail(file, lineNo, `${describeToken(kind!)} is not some or full`)
    const parsed = parseLine(parts, file, lineNo)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    if (kind === "some") some = parsed.success
    else full = parsed.success
    return undefined
  })
  if (failure !== undefined) return failure
  if (some === undefined) return parseFail(file, 0, "no some line")
  return Result.succeed({ some, full })
}

const readResource = (fs: KernelFs, resource: (typeof PRESSURE_RESOURCES)[number]) => {
  const file = procPath(fs, "pressure", resource)
  return Effect.suspend(() => Effect.fromResult(readKeptParsedSync(file, parsePressure, LIMIT.value)))
}

/** The three resources, or undefined when this kernel has PSI off or not at all. */
export const readPressure = (fs: KernelFs): Effect.Effect<HostPressure | undefined, SourceError> =>
  Effect.all({ cpu: readResource(fs, "cpu"), memory: readResource(fs, "memory"), io: readResource(fs, "io") }).pipe(
    Effect.map((p): HostPressure | undefined => p),
    Effect.catchIf(
      (e) => e._tag === "HostReadError" && (e.kind === "not-found" || e.code === "EOPNOTSUPP"),
      () => Effect.succeed(undefined)
    )
  )
