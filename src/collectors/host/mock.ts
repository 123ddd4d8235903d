import { Result } from "effect"
import type { HostReading } from "../../domain/HostReading.ts"
import type { Pressure } from "../../kernel/pressure.ts"
import type { CpuTicks } from "../../kernel/stat.ts"
import { drift, round } from "../drift.ts"

const GiB = 1024 ** 3
const MiB = 1024 ** 2
const USER_HZ = 100

// A share of time that moves as m + a·sin(2πt/P + φ), integrated over t: a counter that only
// grows, whose rate between two samples is the moving share, as a real core's busy ticks are.
const integral = (t: number, m: number, a: number, period: number, phase: number) =>
  m * t + ((a * period) / (2 * Math.PI)) * (Math.cos(phase) - Math.cos((2 * Math.PI * t) / period + phase))

// Four cores of a Raspberry Pi 4, each busy around its own mean.
const CORE_MEANS = [0.2, 0.14, 0.18, 0.13]

const coreTicks = (uptime: number, mean: number, core: number): CpuTicks => {
  const busy = integral(uptime, mean, mean * 0.6, 90, core)
  const user = Math.floor(busy * 0.72 * USER_HZ)
  const system = Math.floor(busy * 0.24 * USER_HZ)
  const softirq = Math.floor(busy * 0.03 * USER_HZ)
  const nice = Math.floor(busy * 0.01 * USER_HZ)
  const iowait = Math.floor(integral(uptime, 0.008, 0.006, 120, core) * USER_HZ)
  const idle = Math.floor(uptime * USER_HZ) - user - system - softirq - nice - iowait
  return { user, nice, system, idle, iowait, irq: 0, softirq, steal: 0 }
}

const sumTicks = (cores: ReadonlyArray<CpuTicks>): CpuTicks => {
  const sum = (k: keyof CpuTicks) => cores.reduce((acc, c) => acc + c[k], 0)
  return {
    user: sum("user"),
    nice: sum("nice"),
    system: sum("system"),
    idle: sum("idle"),
    iowait: sum("iowait"),
    irq: sum("irq"),
    softirq: sum("softirq"),
    steal: sum("steal")
  }
}

const pressure = (uptime: number, now: number, mean: number, phase: number): Pressure => {
  const line = (m: number) => ({
    avg10: round(Math.max(0, drift(now, m, m * 0.8, 30, phase)), 2),
    avg60: round(Math.max(0, drift(now, m, m * 0.5, 120, phase)), 2),
    avg300: round(Math.max(0, drift(now, m, m * 0.2, 600, phase)), 2),
    totalMicros: Math.floor(integral(uptime, m / 100, m / 200, 45, phase) * 1e6)
  })
  return { some: line(mean), full: line(mean / 3) }
}

// A Raspberry Pi 4 (4 GiB) running the pi-site stack, figures moving with the clock.
export const mockHostReading = (now: number): HostReading => {
  const second = Math.floor(now / 1000)
  const uptimeSeconds = 1_209_600 + ((now / 1000) % 10_000_000)
  const cores = CORE_MEANS.map((mean, core) => coreTicks(uptimeSeconds, mean, core))
  const memTotal = 3_978_678_272
  const memAvailable = Math.round(drift(now, 2.1 * GiB, 0.35 * GiB, 300, 1))
  const swapTotal = 100 * MiB
  const swapUsed = Math.round(drift(now, 12 * MiB, 4 * MiB, 900, 2))
  const blocks = 29_699_735_552 / 4096
  const usedBlocks = Math.round(drift(now, 11.2 * GiB, 0.05 * GiB, 3600, 3) / 4096)
  const temp = round(drift(now, 52, 6, 240, 4))
  const counter = (base: number, mean: number, phase: number) =>
    Math.floor(base + integral(uptimeSeconds, mean, mean * 0.6, 45, phase))
  const iface = (name: string, rx: number, tx: number, packetBytes: number) => ({
    name,
    rxBytes: rx,
    txBytes: tx,
    rxPackets: Math.floor(rx / packetBytes),
    txPackets: Math.floor(tx / packetBytes),
    rxErrors: 0,
    txErrors: 0,
    rxDropped: Math.floor(second / 3600),
    txDropped: 0
  })
  const busyShare = CORE_MEANS[0]! + CORE_MEANS[0]! * 0.6 * Math.sin((2 * Math.PI * uptimeSeconds) / 90)
  return {
    at: now,
    monotonicNanos: BigInt(Math.round(now * 1e6)),
    stat: { total: sumTicks(cores), cores: cores.map((ticks, core) => ({ core, ticks })) },
    load: [
      round(Math.max(0, drift(now, 0.9, 0.5, 60)), 2),
      round(Math.max(0, drift(now, 0.8, 0.3, 300)), 2),
      round(Math.max(0, drift(now, 0.7, 0.2, 900)), 2)
    ],
    meminfo: {
      memTotal,
      memFree: Math.round(memAvailable * 0.42),
      memAvailable,
      buffers: 64 * MiB,
      cached: Math.round(memAvailable * 0.5),
      swapTotal,
      swapFree: swapTotal - swapUsed,
      activeFile: Math.round(memAvailable * 0.2),
      inactiveFile: Math.round(memAvailable * 0.25),
      sReclaimable: 40 * MiB
    },
    minFreeBytes: 0,
    // / and /var/lib/docker on one SD card, as on a stock Pi: one filesystem, two names.
    filesystems: [
      {
        mountPoints: ["/", "/var/lib/docker"],
        usage: {
          dev: 45_826n,
          blockSize: 4096n,
          blocks: BigInt(blocks),
          blocksFree: BigInt(blocks - usedBlocks),
          blocksAvailable: BigInt(blocks - usedBlocks)
        }
      }
    ],
    filesystemsUnavailable: [],
    diskIo: Result.succeed([
      {
        name: "mmcblk0",
        readsCompleted: 600_000 + second,
        writesCompleted: 2_400_000 + second * 15,
        sectorsRead: Math.floor(counter(2_400_000_000, 4_096, 6) / 512),
        sectorsWritten: Math.floor(counter(9_800_000_000, 61_440, 7) / 512)
      }
    ]),
    network: Result.succeed({
      source: "/host/proc/1/net/dev",
      interfaces: [
        iface("eth0", counter(8_400_000_000, 52_000, 8), counter(3_100_000_000, 21_000, 9), 900),
        iface("wlan0", counter(120_000_000, 800, 10), counter(40_000_000, 300, 11), 400)
      ]
    }),
    thermal: Result.succeed([{ zone: "thermal_zone0", type: "cpu-thermal", celsius: temp, error: null }]),
    pressure: Result.succeed({
      cpu: pressure(uptimeSeconds, now, 4, 1),
      memory: pressure(uptimeSeconds, now, 0.5, 2),
      io: pressure(uptimeSeconds, now, 1.2, 3)
    }),
    board: {
      model: "Raspberry Pi 4 Model B Rev 1.4",
      cpuFrequencyMhz: busyShare > 0.3 ? 1800 : 600,
      underVoltage: false,
      errors: []
    },
    system: {
      hostname: { value: "raspberrypi", error: null },
      osName: { value: "Debian GNU/Linux 12 (bookworm)", error: null },
      kernelRelease: { value: "6.6.51+rpt-rpi-v8", error: null },
      uptimeSeconds: { value: round(uptimeSeconds, 2), error: null },
      platform: "linux",
      arch: "aarch64"
    }
  }
}
