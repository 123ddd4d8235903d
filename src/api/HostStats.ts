import { Schema } from "effect"
import { ByteCount, Count, IsoTimestamp, NonNegative, Percent } from "./common.ts"

// How an optional group says it has no figures. The required groups (cpu from /proc/stat and
// /proc/loadavg, memory from /proc/meminfo) have no such fields: when they cannot be read the
// whole host section becomes a CollectorFailure instead.
//   available: true                   the figures are read from the host
//   available: false, error: null     the source does not exist on this host (no thermal zones...)
//   available: false, error: "..."    the source exists but could not be read or parsed; the
//                                     error names the file and, when it can, the line
const groupStatus = {
  available: Schema.Boolean.annotate({
    description: "true when the figures of this group were read; false when they are not available"
  }),
  error: Schema.NullOr(Schema.String).annotate({
    description:
      "null when the group is available or its source does not exist on this host; otherwise why it " +
      "failed, naming the file and line"
  })
}

const BytesPerSecond = NonNegative.annotate({ description: "Bytes per second over the last sampling interval" })
const Rate = Schema.NullOr(BytesPerSecond).annotate({
  description: "null on the first sample, and when the counter went backwards (interface or device re-created)"
})

export const LoadAverage = Schema.Tuple([NonNegative, NonNegative, NonNegative]).annotate({
  description: "Load average over 1, 5 and 15 minutes"
})

// CPU time since boot by mode, in seconds: the columns of a cpu line of /proc/stat over USER_HZ.
// Counters, so that Prometheus (or any reader) computes rates over the interval it chooses.
const cpuSecondsField = (mode: string) => NonNegative.annotate({ description: `Seconds spent in ${mode} since boot` })
export const CpuSeconds = Schema.Struct({
  user: NonNegative.annotate({
    description: "Seconds spent in user mode since boot; includes guest time, which the kernel counts in user"
  }),
  nice: NonNegative.annotate({
    description: "Seconds spent in user mode at low priority since boot; includes guest_nice"
  }),
  system: cpuSecondsField("system mode"),
  idle: cpuSecondsField("the idle task"),
  iowait: cpuSecondsField("idle while waiting on IO"),
  irq: cpuSecondsField("servicing interrupts"),
  softirq: cpuSecondsField("servicing softirqs"),
  steal: cpuSecondsField("other guests while this one (a VM) wanted to run")
}).annotate({
  identifier: "CpuSeconds",
  description:
    "Cumulative CPU time since boot, per mode: /proc/stat ticks over USER_HZ (100 on Linux). Counters: " +
    "they only grow until the host reboots"
})
export type CpuSeconds = typeof CpuSeconds.Type

/** The modes of CpuSeconds, in /proc/stat's column order. */
export const CPU_MODES = [
  "user",
  "nice",
  "system",
  "idle",
  "iowait",
  "irq",
  "softirq",
  "steal"
] as const satisfies ReadonlyArray<keyof CpuSeconds>

export const CoreStats = Schema.Struct({
  core: Count.annotate({ description: "N of the cpuN line in /proc/stat" }),
  usagePercent: Schema.NullOr(Percent).annotate({
    description: "Busy time of this core between the last two samples; null until two samples exist"
  }),
  iowaitPercent: Schema.NullOr(Percent),
  seconds: CpuSeconds
})

export const CpuStats = Schema.Struct({
  usagePercent: Schema.NullOr(Percent).annotate({
    description:
      "Total CPU usage between the last two samples; null until two samples exist. Busy = every " +
      "column of /proc/stat (user, nice, system, idle, iowait, irq, softirq, steal) less idle and iowait, " +
      "over their sum; guest time is already inside user"
  }),
  iowaitPercent: Schema.NullOr(Percent).annotate({
    description: "Share of time idle while waiting on IO between the last two samples; null until two samples exist"
  }),
  seconds: CpuSeconds.annotate({ description: "All cores together: the aggregate cpu line of /proc/stat" }),
  perCore: Schema.Array(CoreStats),
  loadAverage: LoadAverage,
  cores: Count.annotate({ description: "Online CPUs: the cpuN lines of /proc/stat" })
})

export const SwapStats = Schema.Struct({
  totalBytes: ByteCount,
  usedBytes: ByteCount.annotate({ description: "SwapTotal - SwapFree" }),
  freeBytes: ByteCount,
  usagePercent: Percent
})

export const MemoryStats = Schema.Struct({
  totalBytes: ByteCount.annotate({ description: "MemTotal" }),
  usedBytes: ByteCount.annotate({ description: "totalBytes - availableBytes" }),
  freeBytes: ByteCount.annotate({ description: "MemFree: memory nothing uses, not even the page cache" }),
  availableBytes: ByteCount.annotate({
    description: "MemAvailable: what can be given to programs without swapping (see availableSource)"
  }),
  availableSource: Schema.Literals(["MemAvailable", "estimate"]).annotate({
    description:
      "MemAvailable from /proc/meminfo, or, on kernels without it, the kernel's own estimate from " +
      "MemFree, the file LRU lists, SReclaimable and vm.min_free_kbytes"
  }),
  buffersBytes: ByteCount,
  cachedBytes: ByteCount,
  usagePercent: Percent.annotate({ description: "usedBytes / totalBytes × 100" }),
  swap: SwapStats
})

export const DiskStats = Schema.Struct({
  mountPoint: Schema.String.annotate({ description: "The first of mountPoints" }),
  mountPoints: Schema.Array(Schema.String).annotate({
    description: "Every configured path on this filesystem, as paths on the host"
  }),
  totalBytes: ByteCount.annotate({ description: "f_blocks × f_frsize, df's size" }),
  usedBytes: ByteCount.annotate({ description: "(f_blocks - f_bfree) × f_frsize, df's used" }),
  freeBytes: ByteCount.annotate({
    description:
      "f_bavail × f_frsize, df's avail: free space for unprivileged users (blocks reserved for root excluded)"
  }),
  usagePercent: Percent.annotate({ description: "used / (used + avail) × 100, as df computes Use%" })
})

export const DiskUnavailable = Schema.Struct({
  mountPoint: Schema.String,
  error: Schema.String
}).annotate({ description: "A configured path that could not be measured (for example, it does not exist)" })

export const DiskIoDevice = Schema.Struct({
  name: Schema.String,
  readBytes: ByteCount.annotate({ description: "Sectors read × 512 since boot" }),
  writtenBytes: ByteCount.annotate({ description: "Sectors written × 512 since boot" }),
  readBytesPerSecond: Rate,
  writeBytesPerSecond: Rate
})

export const DiskIoStats = Schema.Struct({
  ...groupStatus,
  devices: Schema.Array(DiskIoDevice).annotate({
    description:
      "Whole disks from /proc/diskstats (sd*, vd*, xvd*, hd*, mmcblkN, nvmeNnN); no partitions, loop, ram, zram, dm"
  })
})

export const ThermalZone = Schema.Struct({
  zone: Schema.String.annotate({ description: "Directory name under /sys/class/thermal, e.g. thermal_zone0" }),
  type: Schema.NullOr(Schema.String),
  celsius: Schema.NullOr(Schema.Finite).annotate({
    description: "null when the zone cannot be read now (some drivers refuse while their device sleeps)"
  })
})

export const TemperatureStats = Schema.Struct({
  cpuCelsius: Schema.NullOr(Schema.Finite).annotate({
    description: "The CPU zone (cpu-thermal on a Raspberry Pi); null when no zone is the CPU's"
  }),
  available: Schema.Boolean.annotate({ description: "false when the host has no thermal zone at all" }),
  error: Schema.NullOr(Schema.String).annotate({
    description:
      "null when every zone was read; otherwise the zones that could not be read or parsed, by file and line " +
      "(their celsius is null, the other zones still count)"
  }),
  zones: Schema.Array(ThermalZone)
})

export const NetworkInterfaceStats = Schema.Struct({
  name: Schema.String,
  rxBytes: ByteCount,
  txBytes: ByteCount,
  rxPackets: Count,
  txPackets: Count,
  rxErrors: Count,
  txErrors: Count,
  rxDropped: Count,
  txDropped: Count,
  rxBytesPerSecond: Rate,
  txBytesPerSecond: Rate
})

export const NetworkStats = Schema.Struct({
  ...groupStatus,
  source: Schema.NullOr(Schema.String).annotate({
    description:
      "The file read: HOST_PROC/1/net/dev (the network namespace of the host's init), or HOST_PROC/net/dev " +
      "when there is no process 1 to read (then it is the namespace of this process)"
  }),
  interfaces: Schema.Array(NetworkInterfaceStats).annotate({
    description: "Every interface but those matching SYSTEM_PROFILER_NET_EXCLUDE (default lo,veth*,docker*,br-*)"
  })
})

export const BoardStats = Schema.Struct({
  model: Schema.NullOr(Schema.String).annotate({
    description: "The device-tree model, e.g. 'Raspberry Pi 4 Model B Rev 1.4'; null on machines without a device tree"
  }),
  cpuFrequencyMhz: Schema.NullOr(NonNegative).annotate({
    description: "cpu0's current frequency from cpufreq; null when the host has no cpufreq"
  }),
  underVoltage: Schema.NullOr(Schema.Boolean).annotate({
    description: "The Raspberry Pi under-voltage alarm (rpi_volt hwmon, in0_lcrit_alarm); null when absent"
  }),
  errors: Schema.Array(Schema.String).annotate({
    description: "A source that exists but could not be read or parsed, by file; its field is then null"
  })
})

const PressureLine = Schema.Struct({
  avg10: Percent.annotate({ description: "Share of the last 10 seconds that tasks were stalled, in percent" }),
  avg60: Percent.annotate({ description: "The same over the last 60 seconds" }),
  avg300: Percent.annotate({ description: "The same over the last 300 seconds" }),
  totalSeconds: NonNegative.annotate({ description: "Stall time since boot in seconds: a counter" })
})

const PressureResource = Schema.Struct({
  some: PressureLine.annotate({ description: "Time some tasks were stalled on the resource" }),
  full: Schema.NullOr(PressureLine).annotate({
    description: "Time all non-idle tasks were stalled at once; null for cpu on kernels before 5.13"
  })
})

export const PressureStats = Schema.Struct({
  available: Schema.Boolean.annotate({
    description:
      "false when the kernel has PSI off or not at all (Raspberry Pi OS turns it on with psi=1 in cmdline.txt)"
  }),
  error: Schema.NullOr(Schema.String).annotate({
    description: "null unless /proc/pressure exists but could not be read or parsed"
  }),
  resources: Schema.NullOr(Schema.Struct({ cpu: PressureResource, memory: PressureResource, io: PressureResource }))
}).annotate({ description: "Pressure stall information from HOST_PROC/pressure/{cpu,memory,io}" })

export const SystemInfo = Schema.Struct({
  hostname: Schema.String.annotate({ description: "HOST_ROOT/etc/hostname" }),
  osName: Schema.NullOr(Schema.String).annotate({
    description: "PRETTY_NAME (or NAME) from HOST_ROOT/etc/os-release; null when it cannot be read"
  }),
  platform: Schema.String,
  arch: Schema.String.annotate({ description: "The kernel's machine name, as uname -m prints it" }),
  uptimeSeconds: NonNegative,
  kernelVersion: Schema.String.annotate({ description: "HOST_PROC/sys/kernel/osrelease, as uname -r prints it" }),
  errors: Schema.Array(Schema.String).annotate({
    description: "Sources that could not be read or parsed, by file, and what was used instead"
  })
})

export const HostStats = Schema.Struct({
  sampledAt: IsoTimestamp,
  cpu: CpuStats,
  memory: MemoryStats,
  disks: Schema.Array(DiskStats).annotate({
    description: "HOST_ROOT, HOST_ROOT/var/lib/docker and SYSTEM_PROFILER_EXTRA_DISKS, one entry per filesystem"
  }),
  disksUnavailable: Schema.Array(DiskUnavailable),
  diskIo: DiskIoStats,
  temperature: TemperatureStats,
  network: NetworkStats,
  pressure: PressureStats,
  board: BoardStats,
  system: SystemInfo
}).annotate({ identifier: "HostStats" })
export type HostStats = typeof HostStats.Type
