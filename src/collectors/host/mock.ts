import { Clock, Effect, Layer } from "effect"
import type { HostStats } from "../../api/HostStats.ts"
import { drift, round } from "../drift.ts"
import { HostCollector } from "./HostCollector.ts"

const GiB = 1024 ** 3
const MiB = 1024 ** 2

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
  const disk = (mountPoint: string, totalBytes: number, usedBytes: number) => ({
    mountPoint,
    totalBytes,
    usedBytes,
    freeBytes: totalBytes - usedBytes,
    usagePercent: round((usedBytes / totalBytes) * 100, 2)
  })
  return {
    sampledAt: new Date(now).toISOString(),
    cpu: {
      usagePercent: cpu,
      loadAverage: [
        round(Math.max(0, drift(now, 0.9, 0.5, 60)), 2),
        round(Math.max(0, drift(now, 0.8, 0.3, 300)), 2),
        round(Math.max(0, drift(now, 0.7, 0.2, 900)), 2)
      ],
      cores: 4
    },
    memory: {
      totalBytes,
      usedBytes,
      freeBytes,
      availableBytes,
      usagePercent: round((usedBytes / totalBytes) * 100, 2),
      swap: {
        totalBytes: swapTotal,
        usedBytes: swapUsed,
        freeBytes: swapTotal - swapUsed,
        usagePercent: round((swapUsed / swapTotal) * 100, 2)
      }
    },
    disks: [disk("/", rootTotal, rootUsed), disk("/var/lib/docker", rootTotal, rootUsed)],
    temperature: { cpuCelsius: round(drift(now, 52, 6, 240, 4)), available: true },
    network: {
      interfaces: [
        // Counters only grow: a rate times the elapsed seconds, plus a wobble that never goes back.
        { name: "eth0", rxBytes: 8_400_000_000 + second * 52_000, txBytes: 3_100_000_000 + second * 21_000 },
        { name: "wlan0", rxBytes: 120_000_000 + second * 800, txBytes: 40_000_000 + second * 300 }
      ]
    },
    system: {
      hostname: "raspberrypi",
      platform: "linux",
      arch: "arm64",
      uptimeSeconds: 1_209_600 + (second % 10_000_000),
      kernelVersion: "6.6.51+rpt-rpi-v8"
    }
  }
}

export const layerMock = Layer.succeed(
  HostCollector,
  HostCollector.of({ sample: Effect.map(Clock.currentTimeMillis, mockHostStats) })
)
