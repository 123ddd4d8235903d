import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, fields, type Parsed, parseFail, scanLines, toCount } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsed, type SourceError } from "./source.ts"

/** The /proc/meminfo keys the collector uses, in bytes. */
export interface Meminfo {
  readonly memTotal: number
  readonly memFree: number
  /** Absent before Linux 3.14. */
  readonly memAvailable: number | undefined
  readonly buffers: number
  readonly cached: number
  readonly swapTotal: number
  readonly swapFree: number
  // What the kernel's own MemAvailable estimate is made of.
  readonly activeFile: number
  readonly inactiveFile: number
  readonly sReclaimable: number
}

const KEYS = {
  MemTotal: "memTotal",
  MemFree: "memFree",
  MemAvailable: "memAvailable",
  Buffers: "buffers",
  Cached: "cached",
  SwapTotal: "swapTotal",
  SwapFree: "swapFree",
  "Active(file)": "activeFile",
  "Inactive(file)": "inactiveFile",
  SReclaimable: "sReclaimable"
} as const satisfies Record<string, keyof Meminfo>

const REQUIRED = ["MemTotal", "MemFree", "Buffers", "Cached", "SwapTotal", "SwapFree"] as const
// Zero when absent: they only feed the fallback estimate, and very old kernels lack them.
const OPTIONAL_ZERO = ["Active(file)", "Inactive(file)", "SReclaimable"] as const

const KIB = 1024

/**
 * "Key:   value kB" lines. Only the keys above are checked; the kernel adds keys over time and
 * a key we do not use must not break the memory figures.
 */
export const parseMeminfo = (text: string, file: string): Parsed<Meminfo> => {
  const found = new Map<string, number>()
  const failure = scanLines(text, (line, lineNo) => {
    const colon = line.indexOf(":")
    if (colon <= 0) return undefined
    const key = line.slice(0, colon)
    if (!Object.hasOwn(KEYS, key)) return undefined
    const parts = fields(line.slice(colon + 1))
    const value = toCount(parts[0])
    if (value === undefined || parts.length > 2 || (parts.length === 2 && parts[1] !== "kB")) {
      return parseFail(file, lineNo, `${key}: ${describeToken(line.slice(colon + 1).trim())} is not "<number> kB"`)
    }
    if (found.has(key)) return parseFail(file, lineNo, `${key} appears twice`)
    const bytes = parts.length === 2 ? value * KIB : value
    if (!Number.isSafeInteger(bytes)) return parseFail(file, lineNo, `${key} is too large`)
    found.set(key, bytes)
    return undefined
  })
  if (failure !== undefined) return failure
  for (const key of REQUIRED) {
    if (!found.has(key)) return parseFail(file, 0, `no ${key} line`)
  }
  const out: Record<string, number | undefined> = {}
  for (const [key, name] of Object.entries(KEYS)) out[name] = found.get(key)
  for (const key of OPTIONAL_ZERO) out[KEYS[key]] ??= 0
  return Result.succeed(out as unknown as Meminfo)
}

/**
 * The kernel's MemAvailable formula (mm/page_alloc.c, si_mem_available, as procps also applies
 * it on kernels without the line): free memory above the low watermark, plus the page cache and
 * reclaimable slab that can be dropped without going under it. The low watermark is taken as
 * vm.min_free_kbytes × 5/4, the sum of the zones' low marks.
 */
export const estimateAvailable = (m: Meminfo, minFreeBytes: number): number => {
  const low = Math.floor((minFreeBytes * 5) / 4)
  const pageCache = m.activeFile + m.inactiveFile
  const estimate =
    m.memFree -
    low +
    pageCache -
    Math.min(Math.floor(pageCache / 2), low) +
    m.sReclaimable -
    Math.min(Math.floor(m.sReclaimable / 2), low)
  return Math.min(m.memTotal, Math.max(0, estimate))
}

export const readMeminfo = (fs: KernelFs): Effect.Effect<Meminfo, SourceError> =>
  readKernelParsed(procPath(fs, "meminfo"), parseMeminfo, LIMIT.small)
