import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, fields, type Parsed, parseFail, scanLines, toCount } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsed, type SourceError } from "./source.ts"

/** Ticks (USER_HZ) since boot from one cpu line of /proc/stat. */
export interface CpuTicks {
  readonly user: number
  readonly nice: number
  readonly system: number
  readonly idle: number
  readonly iowait: number
  readonly irq: number
  readonly softirq: number
  readonly steal: number
}

export interface ProcStat {
  readonly total: CpuTicks
  /** Online cores by N of cpuN, in file order. */
  readonly cores: ReadonlyArray<{ readonly core: number; readonly ticks: CpuTicks }>
}

const COLUMNS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const

// /proc/stat counts in USER_HZ, which is 100 on every Linux architecture: the kernel converts
// from its internal tick rate (CONFIG_HZ, 250 on a Raspberry Pi OS kernel) before it prints, so
// that userspace has one fixed unit (see jiffies_64_to_clock_t and sysconf(_SC_CLK_TCK)).
export const USER_HZ = 100

// Kernels before 2.6.11 print 4 columns and before 2.6.33 fewer than 10: missing trailing
// columns are zero. guest and guest_nice (columns 9 and 10) are left out on purpose: the kernel
// already counts them inside user and nice.
const MIN_COLUMNS = 4

type Line = { readonly core: number | "total"; readonly ticks: CpuTicks } | { readonly error: string }

const parseCpuLine = (parts: ReadonlyArray<string>): Line => {
  const label = parts[0]!
  let core: number | "total" = "total"
  if (label !== "cpu") {
    const n = toCount(label.slice(3))
    if (n === undefined) return { error: `${describeToken(label)} is not cpu or cpuN` }
    core = n
  }
  if (parts.length - 1 < MIN_COLUMNS) {
    return { error: `${label} has ${parts.length - 1} columns, expected at least ${MIN_COLUMNS}` }
  }
  const values: Record<string, number> = {}
  for (let i = 0; i < COLUMNS.length; i++) {
    const token = parts[i + 1]
    if (token === undefined) {
      values[COLUMNS[i]!] = 0
      continue
    }
    const n = toCount(token)
    if (n === undefined) return { error: `${label} ${COLUMNS[i]}: ${describeToken(token)} is not a tick count` }
    values[COLUMNS[i]!] = n
  }
  return { core, ticks: values as unknown as CpuTicks }
}

/** The aggregate and per-core cpu lines of /proc/stat; every other line is skipped unread. */
export const parseStat = (text: string, file: string): Parsed<ProcStat> => {
  let total: CpuTicks | undefined
  const cores: Array<{ core: number; ticks: CpuTicks }> = []
  const seen = new Set<number>()
  // The intr line can be 100 KB long: look only at lines that start with "cpu".
  const failure = scanLines(text, (line, lineNo) => {
    if (!line.startsWith("cpu")) return undefined
    const parsed = parseCpuLine(fields(line))
    if ("error" in parsed) return parseFail(file, lineNo, parsed.error)
    if (parsed.core === "total") {
      if (total !== undefined) return parseFail(file, lineNo, "a second aggregate cpu line")
      total = parsed.ticks
    } else {
      if (seen.has(parsed.core)) return parseFail(file, lineNo, `cpu${parsed.core} appears twice`)
      seen.add(parsed.core)
      cores.push({ core: parsed.core, ticks: parsed.ticks })
    }
    return undefined
  })
  if (failure !== undefined) return failure
  if (total === undefined) return parseFail(file, 0, "no aggregate cpu line")
  if (cores.length === 0) return parseFail(file, 0, "no cpuN line")
  return Result.succeed({ total, cores })
}

export const readStat = (fs: KernelFs): Effect.Effect<ProcStat, SourceError> =>
  readKernelParsed(procPath(fs, "stat"), parseStat, LIMIT.table)
