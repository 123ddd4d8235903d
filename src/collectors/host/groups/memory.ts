import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { estimateAvailable, type Meminfo, parseMeminfo } from "../parsers/meminfo.ts"
import { parseMinFreeKbytes } from "../parsers/minFreeKbytes.ts"
import {
  type HostPaths,
  readKernelParsed,
  readKernelParsedOptional,
  round2,
  type SourceError,
  under
} from "../source.ts"

export interface MemoryReading {
  readonly meminfo: Meminfo
  /** vm.min_free_kbytes in bytes; read only when MemAvailable is missing. */
  readonly minFreeBytes: number
}

/** Required: without /proc/meminfo there is no host section. */
export const readMemory = (paths: HostPaths): Effect.Effect<MemoryReading, SourceError> =>
  Effect.gen(function* () {
    const meminfo = yield* readKernelParsed(under(paths.proc, "meminfo"), parseMeminfo)
    if (meminfo.memAvailable !== undefined) return { meminfo, minFreeBytes: 0 }
    // Without the watermark the estimate is a little high; that beats having no figure at all.
    const minFreeBytes = yield* readKernelParsedOptional(
      under(paths.proc, "sys/vm/min_free_kbytes"),
      parseMinFreeKbytes
    ).pipe(Effect.orElseSucceed(() => undefined))
    return { meminfo, minFreeBytes: minFreeBytes ?? 0 }
  })

const percent = (part: number, whole: number) => (whole > 0 ? round2(Math.min(100, (part / whole) * 100)) : 0)

export const memoryStats = ({ meminfo: m, minFreeBytes }: MemoryReading): HostStats["memory"] => {
  const availableBytes = Math.min(m.memTotal, m.memAvailable ?? estimateAvailable(m, minFreeBytes))
  const usedBytes = m.memTotal - availableBytes
  const swapFree = Math.min(m.swapFree, m.swapTotal)
  const swapUsed = m.swapTotal - swapFree
  return {
    totalBytes: m.memTotal,
    usedBytes,
    freeBytes: m.memFree,
    availableBytes,
    availableSource: m.memAvailable === undefined ? "estimate" : "MemAvailable",
    buffersBytes: m.buffers,
    cachedBytes: m.cached,
    usagePercent: percent(usedBytes, m.memTotal),
    swap: {
      totalBytes: m.swapTotal,
      usedBytes: swapUsed,
      freeBytes: swapFree,
      usagePercent: percent(swapUsed, m.swapTotal)
    }
  }
}
