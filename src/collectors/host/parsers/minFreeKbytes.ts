import { Result } from "effect"
import { describeToken, type Parsed, parseFail, singleLine, toCount } from "./text.ts"

/** /proc/sys/vm/min_free_kbytes, returned in bytes: the base of the zones' low watermarks. */
export const parseMinFreeKbytes = (text: string, file: string): Parsed<number> => {
  const token = singleLine(text)
  const kib = toCount(token)
  if (kib === undefined) return parseFail(file, 1, `${describeToken(token)} is not a number of kB`)
  return Result.succeed(kib * 1024)
}
