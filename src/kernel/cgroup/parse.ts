// Pure parsers for the cgroupfs files that dockerd itself reads to answer a stats call (through
// containerd's cgroups package): one function from a file's text to a typed value or a typed
// error naming the file and line.

import { Result } from "effect"
import {
  describeToken,
  fields,
  type Parsed,
  parseFail,
  scanKeyedCounts,
  scanLines,
  singleLine,
  toCount
} from "../parse.ts"

/** One blkio line as the kernel (v1) or dockerd's statsV2 (v2) names it: an op and its bytes. */
export interface BlkioEntry {
  readonly op: string
  readonly value: number
}

// Unlike text.ts's toCount, not limited to safe integers: cgroup v1's "no limit" is past 2^53.
const toLargeCount = (token: string): number | undefined => (/^\d{1,20}$/.test(token) ? Number(token) : undefined)

/**
 * A one-value file: a byte or nanosecond count (memory.current, cpuacct.usage), or "max" where
 * cgroup v2 means no limit (memory.max). cgroup v1 spells no limit as a huge number instead
 * (9223372036854771712), which is past 2^53, so counts are read as numbers, as Go's JSON
 * encoder and JSON.parse would round them.
 */
export const parseCgroupValue = (text: string, file: string): Parsed<number | "max"> => {
  const value = singleLine(text)
  if (value === "max") return Result.succeed("max")
  const count = toLargeCount(value)
  if (count === undefined) return parseFail(file, 1, `${describeToken(value)} is not a count or "max"`)
  return Result.succeed(count)
}

/**
 * A flat keyed file, "key value" per line (memory.stat, cpu.stat). Every value must be a count:
 * the kernel has never printed anything else in these files.
 */
export const parseKeyedCounters = (text: string, file: string): Parsed<ReadonlyMap<string, number>> => {
  const out = new Map<string, number>()
  const failure = scanKeyedCounts(
    text,
    (key, value) => {
      out.set(key, value)
      return undefined
    },
    (line, lineNo) => {
      const parts = fields(line)
      if (parts.length === 0) return undefined
      if (parts.length !== 2) return parseFail(file, lineNo, `${parts.length} fields, expected "key value"`)
      const value = toLargeCount(parts[1]!)
      if (value === undefined) return parseFail(file, lineNo, `${parts[0]}: ${describeToken(parts[1]!)} is not a count`)
      out.set(parts[0]!, value)
      return undefined
    }
  )
  return failure ?? Result.succeed(out)
}

const DEVICE = /^\d{1,10}:\d{1,10}$/

/**
 * cgroup v1 blkio.*io_service_bytes_recursive: "MAJ:MIN Op bytes" lines (Op is Read, Write,
 * Sync, Async, Discard or Total) and a last "Total bytes" line, which has no device and is
 * skipped as containerd does. Ops are kept as printed, as dockerd passes them on.
 */
export const parseBlkioV1 = (text: string, file: string): Parsed<ReadonlyArray<BlkioEntry>> => {
  const out: Array<BlkioEntry> = []
  const failure = scanLines(text, (line, lineNo) => {
    const parts = fields(line)
    if (parts.length === 0 || (parts.length === 2 && parts[0] === "Total")) return undefined
    if (parts.length !== 3 || !DEVICE.test(parts[0]!)) {
      return parseFail(file, lineNo, `${describeToken(line)} is not "MAJ:MIN Op bytes"`)
    }
    const value = toCount(parts[2])
    if (value === undefined) return parseFail(file, lineNo, `${describeToken(parts[2]!)} is not a byte count`)
    out.push({ op: parts[1]!, value })
    return undefined
  })
  return failure ?? Result.succeed(out)
}

/**
 * cgroup v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per device.
 * Each device gives a "read" and a "write" entry, as dockerd's statsV2 builds them.
 */
export const parseIoStatV2 = (text: string, file: string): Parsed<ReadonlyArray<BlkioEntry>> => {
  const out: Array<BlkioEntry> = []
  const failure = scanLines(text, (line, lineNo) => {
    const parts = fields(line)
    if (parts.length === 0) return undefined
    if (!DEVICE.test(parts[0]!)) return parseFail(file, lineNo, `${describeToken(parts[0]!)} is not a MAJ:MIN device`)
    let read = 0
    let write = 0
    for (const pair of parts.slice(1)) {
      const eq = pair.indexOf("=")
      if (eq <= 0) return parseFail(file, lineNo, `${describeToken(pair)} is not key=value`)
      const key = pair.slice(0, eq)
      // Only the two byte counters are read: iocost's debug keys (cost.vrate=100.00) are decimals.
      if (key !== "rbytes" && key !== "wbytes") continue
      const value = toCount(pair.slice(eq + 1))
      if (value === undefined) return parseFail(file, lineNo, `${describeToken(pair)} is not ${key}=count`)
      if (key === "rbytes") read = value
      else write = value
    }
    out.push({ op: "read", value: read }, { op: "write", value: write })
    return undefined
  })
  return failure ?? Result.succeed(out)
}
