import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, fields, type Parsed, parseFail, toDecimal } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsed, type SourceError } from "./source.ts"

export type LoadAverage = readonly [number, number, number]

/** "0.10 0.50 0.39 1/126 11137": the three averages; the rest is not used. */
export const parseLoadavg = (text: string, file: string): Parsed<LoadAverage> => {
  const parts = fields(text.split("\n", 1)[0]!)
  if (parts.length < 3) return parseFail(file, 1, `${parts.length} fields, expected at least 3`)
  const values: Array<number> = []
  for (const token of parts.slice(0, 3)) {
    const n = toDecimal(token)
    if (n === undefined) return parseFail(file, 1, `${describeToken(token)} is not a load average`)
    values.push(n)
  }
  return Result.succeed([values[0]!, values[1]!, values[2]!] as const)
}

export const readLoadavg = (fs: KernelFs): Effect.Effect<LoadAverage, SourceError> =>
  readKernelParsed(procPath(fs, "loadavg"), parseLoadavg, LIMIT.value)
