import { Clock, Effect, Layer } from "effect"
import { CPU_MODES, type CpuSeconds, type HostStats } from "../../api/HostStats.ts"
import { drift, round } from "../drift.ts"
import { HostCollector } from "./HostCollector.ts"

const GiB = 1024 ** 3
const MiB = 1024 ** 2

// How each mock core has spent its time since boot (the rest is idle). Constant shares of the
// uptime make counters that only grow with the clock, as the kernel's do until a reboot.
type BusyShares = Readonly<Record<Exclude<keyof CpuSeconds, "idle">, number>>
const CORE_SHARES: ReadonlyArray<BusyShares> = [0.12, 0.09, 0.11, 0.08].map((user) => ({
  user,
  nice: 0.002,
  system: user / 3,
  iowait: 0.008,
  irq: 0,
  softirq: 0.004,
  steal: 0
}))

// Whole ticks (USER_HZ = 100), as /proc/stat has them.
const ticks = (seconds: number) => Math.floor(seconds * 100) / 100

const coreSeconds = (uptime: number, shares: BusyShares): CpuSeconds => {
  const busy = shares.user + shares.nice + shares.system + shares.iowait + shares.irq + shares.softirq + shares.steal
  return {
    user: ticks(uptime * shares.user),
    nice: ticks(uptime * shares.nice),
    system: ticks(uptime * shares.system),
    idle: ticks(uptime * (1 - busy)),
    iowait: ticks(uptime * shares.iowait),
    irq: ticks(uptime * shares.irq),
    softirq: ticks(uptime * shares.softirq),
    steal: ticks(uptime * shares.steal)
  }
}

// The aggregate line is the sum of the cores, as the kernel prints it.
const sumSeconds = (cores: ReadonlyArray<CpuSeconds>): CpuSeconds => {
  const sum = (mode: keyof CpuSeconds) => Math.round(cores.reduce((acc, c) => acc + c[mode] * 100, 0)) / 100
  return Object.fromEntries(CPU_MODES.map((mode) => [mode, sum(mode)])) as Record<keyof CpuSeconds, number>
}

// A Raspberry Pi 4 (4 GiB) running the pi-site stack, figures moving with the clock.
export const mockHostStats = (now: number): HostStats => {
  const cpu = round(Math.max(1, drift(now, 18, 14, 90)))
  const totalBytes = 3_978_678_272
  const availableBytes = Math.round(drift(now, 2.1 * GiB, 0.35 * GiB, 300, 1))
  const freeBytes = Math.round(availableBytes * 0.42)
  const usedBytes = totalBytes - availableBytes
  const swapTotal = 100 * MiB
  const swapUsed = Math.round(drift(now, 12 * MiB, 4 * MiB, 900, 2))
  const rootTotal = 29_699_735_552
  const rootUsed = Math.round(drift(now, 11.2 * GiB, 0.05 * GiB, 3600, 3))
  const second = Math.floor(now / 1000)
  const uptimeSeconds = 1_209_600 + (second % 10_000_000)
  const perCoreSeconds = CORE_SHARES.map((shares) => coreSeconds(uptimeSeconds, shares))
  const disk = (mountPoints: ReadonlyArray<string>, totalBytes: number, usedBytes: number) => ({
    mountPoint: mountPoints[0]!,
    mountPoints,
    totalBytes,
    usedBytes,
    freeBytes: totalBytes - usedBytes,
    usagePercent: round((usedBytes / totalBytes) * 100, 2)
  })
  // Per-core figures spread around the total, each within 0-100.
  const coreOffsets = [6, -4, 3, -5]
  const temp = round(drift(now, 52, 6, 240, 4))
  const rate = (mid: number, phase: number) => Math.round(Math.max(0, drift(now, mid, mid * 0.6, 45, phase)))
  const iface = (name: string, rx: number, tx: number, rxRate: number, txRate: number, packetBytes: number) => ({
    name,
    rxBytes: rx,
    txBytes: tx,
    rxPackets: Math.floor(rx / packetBytes),
    txPackets: Math.floor(tx / packetBytes),
    rxErrors: 0,
    txErrors: 0,
    rxDropped: Math.floor(second / 3600),
    txDropped: 0,
    rxBytesPerSecond: rxRate,
    txBytesPerSecond: txRate
  })
  return {
    sampledAt: new Date(now).toISOString(),
    cpu: {
      usagePercent: cpu,
      iowaitPercent: round(Math.max(0, drift(now, 0.8, 0.6, 120, 5)), 2),
      seconds: sumSeconds(perCoreSeconds),
      perCore: perCoreSeconds.map((seconds, core) => ({
        core,
        usagePercent: round(Math.min(100, Math.max(0, cpu + (coreOffsets[core] ?? 0)))),
        iowaitPercent: round(Math.max(0, drift(now, 0.8, 0.6, 120, core)), 2),
        seconds
      })),
      loadAverage: [
        round(Math.max(0, drift(now, 0.9, 0.5, 60)), 2),
        round(Math.max(0, drift(now, 0.8, 0.3, 300)), 2),
        round(Math.max(0, drift(now, 0.7, 0.2, 900)), 2)
      ],
      cores: perCoreSeconds.length
    },
    memory: {
      totalBytes,
      usedBytes,
      freeBytes,
      availableBytes,
      availableSource: "MemAvailable",
      buffersBytes: 64 * MiB,
      cachedBytes: Math.round(availableBytes * 0.5),
      usagePercent: round((usedBytes / totalBytes) * 100, 2),
      swap: {
        totalBytes: swapTotal,
        usedBytes: swapUsed,
        freeBytes: swapTotal - swapUsed,
        usagePercent: round((swapUsed / swapTotal) * 100, 2)
      }
    },
    // / and /var/lib/docker on one SD card, as on a stock Pi: one filesystem, two names.
    disks: [disk(["/", "/var/lib/docker"], rootTotal, rootUsed)],
    disksUnavailable: [],
    diskIo: {
      available: true,
      error: null,
      devices: [
        {
          name: "mmcblk0",
          readBytes: 2_400_000_000 + second * 4_096,
          writtenBytes: 9_800_000_000 + second * 61_440,
          readBytesPerSecond: rate(4_096, 6),
          writeBytesPerSecond: rate(61_440, 7)
        }
      ]
    },
    temperature: {
      cpuCelsius: temp,
      available: true,
      error: null,
      zones: [{ zone: "thermal_zone0", type: "cpu-thermal", celsius: temp }]
    },
    network: {
      available: true,
      error: null,
      source: "/host/proc/1/net/dev",
      interfaces: [
        // Counters only grow: a rate times the elapsed seconds.
        iface(
          "eth0",
          8_400_000_000 + second * 52_000,
          3_100_000_000 + second * 21_000,
          rate(52_000, 8),
          rate(21_000, 9),
          900
        ),
        iface("wlan0", 120_000_000 + second * 800, 40_000_000 + second * 300, rate(800, 10), rate(300, 11), 400)
      ]
    },
    board: {
      model: "Raspberry Pi 4 Model B Rev 1.4",
      cpuFrequencyMhz: cpu > 30 ? 1800 : 600,
      underVoltage: false,
      errors: []
    },
    system: {
      hostname: "raspberrypi",
      osName: "Debian GNU/Linux 12 (bookworm)",
      platform: "linux",
      arch: "aarch64",
      uptimeSeconds,
      kernelVersion: "6.6.51+rpt-rpi-v8",
      errors: []
    }
  }
}

export const layerMock = Layer.succeed(
  HostCollector,
  HostCollector.of({ sample: Effect.map(Clock.currentTimeMillis, mockHostStats) })
)
