import type { ContainerReading, ContainersReading } from "../../domain/ContainerReading.ts"
import { drift } from "../drift.ts"

const MiB = 1024 ** 2

interface MockContainer {
  readonly name: string
  readonly image: string
  readonly cpu: number
  readonly memMiB: number
  readonly limitMiB: number
  readonly healthcheck: boolean
}

// The pi-site stack as docker-compose starts it.
const stack: ReadonlyArray<MockContainer> = [
  { name: "pi-site-web-1", image: "pi-site-web:latest", cpu: 6, memMiB: 180, limitMiB: 1024, healthcheck: true },
  {
    name: "pi-site-ai-img-validator-1",
    image: "pi-site-ai-img-validator:latest",
    cpu: 12,
    memMiB: 420,
    limitMiB: 1536,
    healthcheck: true
  },
  { name: "pi-site-db-1", image: "postgres:16-alpine", cpu: 2, memMiB: 95, limitMiB: 512, healthcheck: true },
  {
    name: "pi-site-cloudflared-1",
    image: "cloudflare/cloudflared:latest",
    cpu: 1,
    memMiB: 28,
    limitMiB: 256,
    healthcheck: false
  },
  {
    name: "pi-site-system-profiler-1",
    image: "system-profiler:latest",
    cpu: 0.3,
    memMiB: 55,
    limitMiB: 128,
    healthcheck: true
  }
]

const hexId = (i: number) => (i + 1).toString(16).padStart(2, "0").repeat(32)

const GiB = 1024 ** 3
const HOST_CPUS = 4

/** The stack's containers, their counters moving with the clock as cgroupfs's do. */
export const mockContainersReading = (now: number): ContainersReading => {
  // Started three days before the day began: a fixed start, so that one reading's counters carry
  // on from the last one's as a running container's do.
  const startedAt = (Math.floor(now / 86_400_000) - 3) * 86_400_000
  const uptime = (now - startedAt) / 1000
  // The host's CPU time as dockerd counts it: every core, every second.
  const systemCpuNanos = Math.floor((1_209_600 + now / 1000) * HOST_CPUS * 1e9)
  const containers = stack.map((c, i): ContainerReading => {
    const usageBytes = Math.round(drift(now, c.memMiB * MiB, c.memMiB * 0.08 * MiB, 120, i))
    // CPU seconds whose rate is the container's moving CPU share (c.cpu % of one core).
    const share = (t: number) =>
      (c.cpu / 100) * t + ((c.cpu * 0.6) / 100) * (45 / (2 * Math.PI)) * (1 - Math.cos((2 * Math.PI * t) / 45 + i))
    return {
      id: hexId(i),
      name: c.name,
      image: c.image,
      state: "running",
      status: "Up 3 days",
      health: c.healthcheck ? "healthy" : "none",
      restartCount: 0,
      startedAt,
      counters: {
        cpuNanos: Math.floor(share(uptime) * 1e9),
        systemCpuNanos,
        onlineCpus: HOST_CPUS,
        daemonWindow: undefined,
        hasMemory: true,
        memoryUsageBytes: usageBytes + 12 * MiB,
        memoryLimitBytes: c.limitMiB === 0 ? 4 * GiB : c.limitMiB * MiB,
        inactiveFileV1: 12 * MiB,
        inactiveFile: 12 * MiB,
        network: {
          rxBytes: Math.floor(50_000_000 * (i + 1) + uptime * 900 * (i + 1)),
          txBytes: Math.floor(20_000_000 * (i + 1) + uptime * 400)
        },
        blockIo: { readBytes: 30_000_000 * (i + 1), writeBytes: Math.floor(8_000_000 * (i + 1) + uptime * 50) }
      }
    }
  })
  return { at: now, containers }
}
