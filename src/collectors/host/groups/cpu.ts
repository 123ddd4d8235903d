import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { cpuUsage } from "../cpuUsage.ts"
import { type LoadAverage, parseLoadavg } from "../parsers/loadavg.ts"
import { cpuSeconds, type ProcStat, parseStat } from "../parsers/stat.ts"
import { type HostPaths, readKernelParsed, type SourceError, under } from "../source.ts"

export interface CpuReading {
  readonly stat: ProcStat
  readonly load: LoadAverage
}

/** Required: without /proc/stat and /proc/loadavg there is no host section. */
export const readCpu = (paths: HostPaths): Effect.Effect<CpuReading, SourceError> =>
  Effect.all(
    {
      stat: readKernelParsed(under(paths.proc, "stat"), parseStat),
      load: readKernelParsed(under(paths.proc, "loadavg"), parseLoadavg)
    },
    { concurrency: "unbounded" }
  )

/** Usage figures need the previous reading; without one they are null, never a guess. */
export const cpuStats = (current: CpuReading, previous: ProcStat | undefined): HostStats["cpu"] => {
  const total = previous === undefined ? undefined : cpuUsage(previous.total, current.stat.total)
  const before = new Map(previous?.cores.map((c) => [c.core, c.ticks]))
  return {
    usagePercent: total?.usagePercent ?? null,
    iowaitPercent: total?.iowaitPercent ?? null,
    seconds: cpuSeconds(current.stat.total),
    perCore: current.stat.cores.map(({ core, ticks }) => {
      const prev = before.get(core)
      const usage = prev === undefined ? undefined : cpuUsage(prev, ticks)
      return {
        core,
        usagePercent: usage?.usagePercent ?? null,
        iowaitPercent: usage?.iowaitPercent ?? null,
        seconds: cpuSeconds(ticks)
      }
    }),
    loadAverage: current.load,
    cores: current.stat.cores.length
  }
}
