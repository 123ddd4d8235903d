// The host as read: kernel counters and gauges in the kernel's own units, nothing derived. Rates,
// percentages and rounding are the views' (src/views/); a group that may be missing or broken on
// a host without failing the section is a Result.

import type { Result } from "effect"
import type { DiskCounters } from "../kernel/diskstats.ts"
import type { LoadAverage } from "../kernel/loadavg.ts"
import type { Meminfo } from "../kernel/meminfo.ts"
import type { NetDev } from "../kernel/netDev.ts"
import type { HostPressure } from "../kernel/pressure.ts"
import type { SourceError } from "../kernel/source.ts"
import type { ProcStat } from "../kernel/stat.ts"
import type { FsUsage } from "../kernel/statfs.ts"

/** A figure, and when its source failed, what stood in for it and why. */
export interface WithFallback<A> {
  readonly value: A
  readonly error: string | null
}

export interface FilesystemReading {
  /** Every configured host path on this filesystem; the first names it. */
  readonly mountPoints: ReadonlyArray<string>
  readonly usage: FsUsage
}

export interface ZoneReading {
  readonly zone: string
  readonly type: string | null
  /** null when the zone cannot be read now (some drivers refuse while their device sleeps). */
  readonly celsius: number | null
  readonly error: string | null
}

export interface BoardReading {
  readonly model: string | null
  readonly cpuFrequencyMhz: number | null
  readonly underVoltage: boolean | null
  readonly errors: ReadonlyArray<string>
}

export interface SystemReading {
  readonly hostname: WithFallback<string>
  readonly osName: WithFallback<string | null>
  readonly kernelRelease: WithFallback<string>
  readonly uptimeSeconds: WithFallback<number>
  readonly platform: string
  readonly arch: string
}

export interface HostReading {
  /** When it was read: Unix milliseconds, and the monotonic clock that rates divide by. */
  readonly at: number
  readonly monotonicNanos: bigint
  readonly stat: ProcStat
  readonly load: LoadAverage
  readonly meminfo: Meminfo
  /** vm.min_free_kbytes in bytes, read only when MemAvailable is missing (0 otherwise). */
  readonly minFreeBytes: number
  readonly filesystems: ReadonlyArray<FilesystemReading>
  readonly filesystemsUnavailable: ReadonlyArray<{ readonly mountPoint: string; readonly error: string }>
  /** undefined: the kernel has no /proc/diskstats. */
  readonly diskIo: Result.Result<ReadonlyArray<DiskCounters> | undefined, SourceError>
  /** Only the interfaces SYSTEM_PROFILER_NET_EXCLUDE keeps. */
  readonly network: Result.Result<NetDev, SourceError>
  readonly thermal: Result.Result<ReadonlyArray<ZoneReading>, SourceError>
  /** undefined: PSI is off (Raspberry Pi OS without psi=1) or not in this kernel. */
  readonly pressure: Result.Result<HostPressure | undefined, SourceError>
  readonly board: BoardReading
  readonly system: SystemReading
}
