import type { ContainerReading, ContainersReading } from "../../domain/ContainerReading.ts"
import { drift } from "../drift.ts"

const MiB = 1024 ** 2

interface MockContainer {
  readonly name: string
  /** The compose service it runs. */
  readonly service: string
  readonly image: string
  readonly cpu: number
  readonly memMiB: number
  readonly limitMiB: number
  /** --cpus; null without a CPU limit. */
  readonly cpus: number | null
  /** --pids-limit; null without one. */
  readonly pidsLimit: number | null
  readonly pids: number
  readonly healthcheck: boolean
}

// The pi-site stack as docker-compose starts it.
const stack: ReadonlyArray<MockContainer> = [
  {
    name: "pi-site-web-1",
    service: "web",
    image: "pi-site-web:latest",
    cpu: 6,
    memMiB: 180,
    limitMiB: 1024,
    cpus: 1,
    pidsLimit: 256,
    pids: 23,
    healthcheck: true
  },
  {
    name: "pi-site-ai-img-validator-1",
    service: "ai-img-validator",
    image: "pi-site-ai-img-validator:latest",
    cpu: 12,
    memMiB: 420,
    limitMiB: 1536,
    cpus: 0.2,
    pidsLimit: null,
    pids: 41,
    healthcheck: true
  },
  {
    name: "pi-site-db-1",
    service: "db",
    image: "postgres:16-alpine",
    cpu: 2,
    memMiB: 95,
    limitMiB: 512,
    cpus: null,
    pidsLimit: null,
    pids: 9,
    healthcheck: true
  },
  {
    name: "pi-site-cloudflared-1",
    service: "cloudflared",
    image: "cloudflare/cloudflared:latest",
    cpu: 1,
    memMiB: 28,
    limitMiB: 0,
    cpus: null,
    pidsLimit: null,
    pids: 12,
    healthcheck: false
  },
  {
    name: "pi-site-system-profiler-1",
    service: "system-profiler",
    image: "system-profiler:latest",
    cpu: 0.3,
    memMiB: 55,
    limitMiB: 128,
    cpus: 0.5,
    pidsLimit: 64,
    pids: 11,
    healthcheck: true
  }
]

const hexId = (i: number) => (i + 1).toString(16).padStart(2, "0").repeat(32)

const GiB = 1024 ** 3
const HOST_CPUS = 4
const CFS_PERIOD_SECONDS = 0.1

/** PSI figures of a container's cgroup: a `some` stall share around `share` (0..1), its total growing with it. */
const pressureOf = (now: number, uptime: number, share: number, i: number) => {
  const line = (s: number) => ({
    avg10: Math.round(Math.max(0, drift(now, s, s * 0.5, 60, i)) * 1e4) / 1e4,
    avg60: Math.round(s * 1e4) / 1e4,
    avg300: Math.round(s * 1e4) / 1e4,
    totalSeconds: Math.round(uptime * s * 1000) / 1000
  })
  return {
    cpu: { some: line(share), full: line(share / 4) },
    memory: { some: line(share / 10), full: line(share / 20) },
    io: { some: line(share / 2), full: line(share / 3) }
  }
}

/** CFS periods over `uptime` seconds for a container using `demand` of its quota (above 1: throttled). */
const throttlingOf = (uptime: number, demand: number) => {
  const periods = Math.floor(uptime / CFS_PERIOD_SECONDS)
  const throttledPeriods = Math.floor(periods * Math.min(0.95, Math.max(0, demand - 0.4)))
  return { periods, throttledPeriods, throttledSeconds: Math.floor(throttledPeriods * 0.04 * 1e6) / 1e6 }
}

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
        blockIo: { readBytes: 30_000_000 * (i + 1), writeBytes: Math.floor(8_000_000 * (i + 1) + uptime * 50) },
        // A quota's periods elapse while the container has work; the validator, held to less CPU
        // than it wants, is throttled in most of them.
        throttling:
          c.cpus === null
            ? { periods: 0, throttledPeriods: 0, throttledSeconds: 0 }
            : throttlingOf(uptime, c.cpu / 100 / c.cpus),
        oomKills: c.service === "ai-img-validator" ? 1 : 0,
        pids: c.pids,
        pressure: pressureOf(now, uptime, Math.min(0.9, c.cpu / 100 / (c.cpus ?? HOST_CPUS)), i)
      },
      composeProject: "pi-site",
      composeService: c.service,
      exitCode: 0,
      oomKilled: false,
      limits: { cpus: c.cpus, memoryBytes: c.limitMiB === 0 ? null : c.limitMiB * MiB, pids: c.pidsLimit }
    }
  })
  return { at: now, containers }
}
