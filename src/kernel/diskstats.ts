import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, fields, type Parsed, parseFail, scanLines, toCount } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsedOptional, type SourceError } from "./source.ts"

export interface DiskCounters {
  readonly name: string
  readonly readsCompleted: number
  readonly writesCompleted: number
  readonly sectorsRead: number
  readonly sectorsWritten: number
}

// major minor name, then at least the 11 fields of kernels before 4.18 (4.18 adds 4 discard
// fields, 5.5 two flush fields; neither is used).
const MIN_FIELDS = 14
const READS = 3
const SECTORS_READ = 5
const WRITES = 7
const SECTORS_WRITTEN = 9

/** Every line of /proc/diskstats; which devices are disks is decided by isWholeDisk. */
export const parseDiskstats = (text: string, file: string): Parsed<ReadonlyArray<DiskCounters>> => {
  const out: Array<DiskCounters> = []
  const failure = scanLines(text, (line, lineNo) => {
    const parts = fields(line)
    if (parts.length === 0) return undefined
    if (parts.length < MIN_FIELDS)
      return parseFail(file, lineNo, `${parts.length} fields, expected at least ${MIN_FIELDS}`)
    for (let i = 0; i < parts.length; i++) {
      if (i === 2) continue
      if (toCount(parts[i]) === undefined) {
        return parseFail(file, lineNo, `field ${i + 1}: ${describeToken(parts[i]!)} is not a counter`)
      }
    }
    out.push({
      name: parts[2]!,
      readsCompleted: Number(parts[READS]),
      writesCompleted: Number(parts[WRITES]),
      sectorsRead: Number(parts[SECTORS_READ]),
      sectorsWritten: Number(parts[SECTORS_WRITTEN])
    })
    return undefined
  })
  if (failure !== undefined) return failure
  return Result.succeed(out)
}

// Whole disks by the kernel's naming: partitions add a number (sda1) or pN (mmcblk0p1,
// nvme0n1p1). Anything else (loop, ram, zram, dm-*, md, sr) is left out, because it is virtual
// or its IO is already counted on the disk beneath it.
const WHOLE_DISK = [/^(?:sd|vd|xvd|hd)[a-z]{1,4}$/, /^mmcblk\d{1,4}$/, /^nvme\d{1,4}n\d{1,4}$/]

export const isWholeDisk = (name: string): boolean => WHOLE_DISK.some((p) => p.test(name))

/** undefined when the host has no /proc/diskstats (a kernel without block IO accounting). */
export const readDiskstats = (fs: KernelFs): Effect.Effect<ReadonlyArray<DiskCounters> | undefined, SourceError> =>
  readKernelParsedOptional(procPath(fs, "diskstats"), parseDiskstats, LIMIT.table)
