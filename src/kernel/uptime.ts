import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, fields, type Parsed, parseFail, toDecimal } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsed, type SourceError } from "./source.ts"

/** "6325.67 11266.60": seconds since boot; the second figure (idle, summed over CPUs) is not used. */
export const parseUptime = (text: string, file: string): Parsed<number> => {
  const parts = fields(text.split("\n", 1)[0]!)
  if (parts.length < 1) return parseFail(file, 1, "empty")
  const seconds = toDecimal(parts[0])
  if (seconds === undefined) return parseFail(file, 1, `${describeToken(parts[0]!)} is not a number of seconds`)
  return Result.succeed(seconds)
}

export const readUptime = (fs: KernelFs): Effect.Effect<number, SourceError> =>
  readKernelParsed(procPath(fs, "uptime"), parseUptime, LIMIT.value)
