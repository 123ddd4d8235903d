import { Schema } from "effect"
import { ByteCount, Count, IsoTimestamp, NonNegative, Percent } from "./common.ts"

export const LoadAverage = Schema.Tuple([NonNegative, NonNegative, NonNegative]).annotate({
  description: "Load average over 1, 5 and 15 minutes"
})

export const CpuStats = Schema.Struct({
  usagePercent: Schema.NullOr(Percent).annotate({
    description: "Total CPU usage between the last two samples; null until two samples exist"
  }),
  loadAverage: LoadAverage,
  cores: Count
})

export const SwapStats = Schema.Struct({
  totalBytes: ByteCount,
  usedBytes: ByteCount,
  freeBytes: ByteCount,
  usagePercent: Percent
})

export const MemoryStats = Schema.Struct({
  totalBytes: ByteCount,
  usedBytes: ByteCount.annotate({ description: "totalBytes - availableBytes" }),
  freeBytes: ByteCount,
  availableBytes: ByteCount,
  usagePercent: Percent,
  swap: SwapStats
})

export const DiskStats = Schema.Struct({
  mountPoint: Schema.String,
  totalBytes: ByteCount,
  usedBytes: ByteCount,
  freeBytes: ByteCount,
  usagePercent: Percent
})

export const TemperatureStats = Schema.Struct({
  cpuCelsius: Schema.NullOr(Schema.Finite),
  available: Schema.Boolean
})

export const NetworkInterfaceStats = Schema.Struct({
  name: Schema.String,
  rxBytes: ByteCount,
  txBytes: ByteCount
})

export const NetworkStats = Schema.Struct({
  interfaces: Schema.Array(NetworkInterfaceStats)
})

export const SystemInfo = Schema.Struct({
  hostname: Schema.String,
  platform: Schema.String,
  arch: Schema.String,
  uptimeSeconds: NonNegative,
  kernelVersion: Schema.String
})

export const HostStats = Schema.Struct({
  sampledAt: IsoTimestamp,
  cpu: CpuStats,
  memory: MemoryStats,
  disks: Schema.Array(DiskStats),
  temperature: TemperatureStats,
  network: NetworkStats,
  system: SystemInfo
}).annotate({ identifier: "HostStats" })
export type HostStats = typeof HostStats.Type
