// What the cgroup parsers share with the host parsers: the typed parse error, the line scanner,
// the one-syscall reader. Imported from one place, so that moving the host parsers into
// src/kernel/ changes only the import lines of this file.

import { Result } from "effect"
import { describeToken, fields, type HostParseError, type Parsed, parseFail, scanKeyedCounts } from "../parse.ts"
import { type HostReadError, readKeptParsedSync } from "../read.ts"

export {
  describeToken,
  fields,
  HostParseError,
  type Parsed,
  parseFail,
  scanLines,
  singleLine,
  toCount,
  toDecimal
} from "../parse.ts"
export { HostReadError } from "../read.ts"

/** Why a cgroup file could not be read (missing, no permission, I/O) or parsed (file and line). */
export type CgroupReadError = HostReadError | HostParseError

/** A count of up to 20 digits: cgroup v1 prints "no limit" and some counters past 2^53 (then rounded). */
export const toLargeCount = (token: string | undefined): number | undefined =>
  token !== undefined && /^\d{1,20}$/.test(token) ? Number(token) : undefined

/**
 * Reads `file` (kernel-generated text, kept open between samples) and parses it, again only when
 * its bytes changed (readKeptParsedSync).
 */
export const readParsed = <A>(
  file: string,
  parse: (text: string, file: string) => Parsed<A>
): Result.Result<A, CgroupReadError> => readKeptParsedSync(file, parse)

/** readParsed, or undefined when the file does not exist (a controller or feature this kernel lacks). */
export const readParsedOptional = <A>(
  file: string,
  parse: (text: string, file: string) => Parsed<A>
): Result.Result<A | undefined, CgroupReadError> => {
  const parsed = readKeptParsedSync(file, parse)
  return Result.isFailure(parsed) && parsed.failure._tag === "HostReadError" && parsed.failure.kind === "not-found"
    ? Result.succeed(undefined)
    : parsed
}

/**
 * A flat-keyed file, "key value" per line (cpu.stat, memory.events, memory.oom_control), into a
 * map of counts. The kernel adds keys over the years; every key is kept, each must be a count and
 * appear once.
 */
export const parseFlatKeyed = (text: string, file: string): Parsed<ReadonlyMap<string, number>> => {
  const out = new Map<string, number>()
  const add = (key: string, value: number, lineNo: number) => {
    if (out.has(key)) return parseFail(file, lineNo, `${key} appears twice`)
    out.set(key, value)
    return undefined
  }
  const failure = scanKeyedCounts(text, add, (line, lineNo) => {
    const parts = fields(line)
    if (parts.length === 0) return undefined
    if (parts.length !== 2) return parseFail(file, lineNo, `${parts.length} fields, expected "key value"`)
    const [key, raw] = parts as [string, string]
    const value = toLargeCount(raw)
    if (value === undefined) return parseFail(file, lineNo, `${key}: ${describeToken(raw)} is not a count`)
    return add(key, value, lineNo)
  })
  return failure ?? Result.succeed(out)
}

/** The value of `key` in a flat-keyed file, or a parse error naming the file. */
export const required = (map: ReadonlyMap<string, number>, key: string, file: string): Parsed<number> => {
  const value = map.get(key)
  return value === undefined ? parseFail(file, 0, `no ${key} line`) : Result.succeed(value)
}
