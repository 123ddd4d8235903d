// The memory limit (docker --memory), in bytes, or null when there is none. cgroup v2 prints
// "max"; v1 prints its largest value, LONG_MAX rounded down to a page (9223372036854771712 with
// 4 KiB pages, less with 16 or 64 KiB pages), which is no limit either.

import * as path from "node:path"
import { Result } from "effect"
import { describeToken, type Parsed, parseFail, readParsed, singleLine } from "./text.ts"

// Above any real limit and below LONG_MAX rounded down to any page size up to 1 MiB.
const V1_UNLIMITED_FROM = 2n ** 63n - 2n ** 20n
const DIGITS = /^\d{1,20}$/

const bytesOrUnlimited = (token: string, file: string): Parsed<number | null> => {
  if (!DIGITS.test(token)) return parseFail(file, 1, `${describeToken(token)} is not a byte count`)
  const value = BigInt(token)
  return value >= V1_UNLIMITED_FROM ? Result.succeed(null) : Result.succeed(Number(value))
}

/** cgroup v1 memory.limit_in_bytes: bytes; null when unlimited. */
export const parseMemoryLimitV1 = (text: string, file: string): Parsed<number | null> =>
  bytesOrUnlimited(singleLine(text), file)

/** cgroup v2 memory.max: bytes, or "max" (null) when unlimited. */
export const parseMemoryMaxV2 = (text: string, file: string): Parsed<number | null> => {
  const value = singleLine(text)
  return value === "max" ? Result.succeed(null) : bytesOrUnlimited(value, file)
}

/** `memoryDir`: the container's directory in the v1 memory controller. */
export const readMemoryLimitV1 = (memoryDir: string) =>
  readParsed(path.join(memoryDir, "memory.limit_in_bytes"), parseMemoryLimitV1)

/** `dir`: the container's v2 cgroup directory. */
export const readMemoryLimitV2 = (dir: string) => readParsed(path.join(dir, "memory.max"), parseMemoryMaxV2)
