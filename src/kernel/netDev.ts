import { Effect, Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, fields, type Parsed, parseFail, scanLines, toCount } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsed, readKernelParsedOptional, type SourceError } from "./source.ts"

export interface NetDevCounters {
  readonly name: string
  readonly rxBytes: number
  readonly rxPackets: number
  readonly rxErrors: number
  readonly rxDropped: number
  readonly txBytes: number
  readonly txPackets: number
  readonly txErrors: number
  readonly txDropped: number
}

// Columns after the name: rx bytes packets errs drop fifo frame compressed multicast, then
// tx bytes packets errs drop fifo colls carrier compressed.
const COLUMNS = 16
const PICK = {
  rxBytes: 0,
  rxPackets: 1,
  rxErrors: 2,
  rxDropped: 3,
  txBytes: 8,
  txPackets: 9,
  txErrors: 10,
  txDropped: 11
} as const

/**
 * /proc/net/dev (or /proc/PID/net/dev). The two header lines hold "|". A name runs into its
 * colon ("vethf345468:     648") and may hold one itself (alias "eth0:1"): the counters never
 * do, so the name ends at the last colon.
 */
export const parseNetDev = (text: string, file: string): Parsed<ReadonlyArray<NetDevCounters>> => {
  const out: Array<NetDevCounters> = []
  const failure = scanLines(text, (line, lineNo) => {
    if (line.includes("|") || line.trim() === "") return undefined
    const colon = line.lastIndexOf(":")
    if (colon === -1) return parseFail(file, lineNo, "no colon after the interface name")
    const name = line.slice(0, colon).trim()
    if (name === "") return parseFail(file, lineNo, "empty interface name")
    const parts = fields(line.slice(colon + 1))
    if (parts.length !== COLUMNS)
      return parseFail(file, lineNo, `${name}: ${parts.length} counters, expected ${COLUMNS}`)
    const values: Array<number> = []
    for (const token of parts) {
      const n = toCount(token)
      if (n === undefined) return parseFail(file, lineNo, `${name}: ${describeToken(token)} is not a counter`)
      values.push(n)
    }
    const counters: Record<string, number | string> = { name }
    for (const [key, index] of Object.entries(PICK)) counters[key] = values[index]!
    out.push(counters as unknown as NetDevCounters)
    return undefined
  })
  if (failure !== undefined) return failure
  return Result.succeed(out)
}

export interface NetDev {
  /** The file read. */
  readonly source: string
  readonly interfaces: ReadonlyArray<NetDevCounters>
}

// HOST_PROC/net is a link to HOST_PROC/self/net: the namespace of the process that reads it,
// which inside a container is the container's own. Process 1 is the host's init and lives in
// the host's namespace. Only when there is no process 1 to read (a copied tree in tests, a
// hidepid mount) does the reader's own view stand in, and `source` says so.
export const readHostNetDev = (fs: KernelFs): Effect.Effect<NetDev, SourceError> =>
  Effect.gen(function* () {
    const initView = procPath(fs, "1/net/dev")
    const interfaces = yield* readKernelParsedOptional(initView, parseNetDev, LIMIT.table)
    if (interfaces !== undefined) return { source: initView, interfaces }
    const ownView = procPath(fs, "net/dev")
    return { source: ownView, interfaces: yield* readKernelParsed(ownView, parseNetDev, LIMIT.table) }
  })
