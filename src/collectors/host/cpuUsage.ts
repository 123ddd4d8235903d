import type { CpuTicks } from "./parsers/stat.ts"
import { round2 } from "./source.ts"

export interface CpuUsage {
  readonly usagePercent: number
  readonly iowaitPercent: number
}

// The kernel's iowait counter can step backwards on some kernels (it is per-runqueue and may
// be reassigned between CPUs), so each column's delta is floored at zero.
const delta = (a: number, b: number) => (b > a ? b - a : 0)

/**
 * Usage between two readings of the same cpu line, as psutil and top compute it: every column
 * counts towards the total; idle and iowait are not busy. undefined when no tick passed.
 */
export const cpuUsage = (previous: CpuTicks, current: CpuTicks): CpuUsage | undefined => {
  const idle = delta(previous.idle, current.idle)
  const iowait = delta(previous.iowait, current.iowait)
  const busy =
    delta(previous.user, current.user) +
    delta(previous.nice, current.nice) +
    delta(previous.system, current.system) +
    delta(previous.irq, current.irq) +
    delta(previous.softirq, current.softirq) +
    delta(previous.steal, current.steal)
  const total = busy + idle + iowait
  if (total <= 0) return undefined
  return {
    usagePercent: round2(Math.min(100, (busy / total) * 100)),
    iowaitPercent: round2(Math.min(100, (iowait / total) * 100))
  }
}
