// Processes (tasks) in the container's cgroup and its limit (docker --pids-limit): pids.current
// and pids.max, with the same names and format on cgroup v1 and v2.

import * as path from "node:path"
import { Result } from "effect"
import { describeToken, type Parsed, parseFail, readParsed, singleLine, toCount } from "./text.ts"

export interface Pids {
  readonly current: number
  /** null when unlimited ("max"). */
  readonly max: number | null
}

export const parsePidsCurrent = (text: string, file: string): Parsed<number> => {
  const value = singleLine(text)
  const count = toCount(value)
  return count === undefined ? parseFail(file, 1, `${describeToken(value)} is not a count`) : Result.succeed(count)
}

export const parsePidsMax = (text: string, file: string): Parsed<number | null> => {
  const value = singleLine(text)
  if (value === "max") return Result.succeed(null)
  const count = toCount(value)
  return count === undefined
    ? parseFail(file, 1, `${describeToken(value)} is not a count or "max"`)
    : Result.succeed(count)
}

/** `dir`: the container's directory in the v1 pids controller, or its v2 cgroup directory. */
export const readPids = (dir: string) =>
  Result.gen(function* () {
    const current = yield* readParsed(path.join(dir, "pids.current"), parsePidsCurrent)
    const max = yield* readParsed(path.join(dir, "pids.max"), parsePidsMax)
    return { current, max } satisfies Pids
  })
