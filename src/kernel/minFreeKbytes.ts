import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, type Parsed, parseFail, singleLine, toCount } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsedOptional, type SourceError } from "./source.ts"

/** /proc/sys/vm/min_free_kbytes, returned in bytes: the base of the zones' low watermarks. */
export const parseMinFreeKbytes = (text: string, file: string): Parsed<number> => {
  const token = singleLine(text)
  const kib = toCount(token)
  if (kib === undefined) return parseFail(file, 1, `${describeToken(token)} is not a number of kB`)
  return Result.succeed(kib * 1024)
}

/** vm.min_free_kbytes in bytes; undefined when the file does not exist. */
export const readMinFreeBytes = (fs: KernelFs): Effect.Effect<number | undefined, SourceError> =>
  readKernelParsedOptional(procPath(fs, "sys/vm/min_free_kbytes"), parseMinFreeKbytes, LIMIT.value)
