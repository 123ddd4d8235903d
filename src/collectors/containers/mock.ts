import { Clock, Effect, Layer } from "effect"
import type { ContainerInfo, ContainerStats } from "../../api/ContainerStats.ts"
import { drift, round } from "../drift.ts"
import { ContainerCollector } from "./ContainerCollector.ts"
import { summarize } from "./containerInfo.ts"

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

export const mockContainerStats = (now: number): ContainerStats => {
  const startedAt = new Date(now - 3 * 86_400_000).toISOString()
  const second = Math.floor(now / 1000)
  const containers = stack.map((c, i): ContainerInfo => {
    const usageBytes = Math.round(drift(now, c.memMiB * MiB, c.memMiB * 0.08 * MiB, 120, i))
    const limitBytes = c.limitMiB * MiB
    return {
      id: hexId(i),
      name: c.name,
      image: c.image,
      state: "running",
      status: "Up 3 days",
      health: c.healthcheck ? "healthy" : "none",
      restartCount: 0,
      startedAt,
      uptimeSeconds: 3 * 86_400,
      cpuPercent: round(Math.max(0, drift(now, c.cpu, c.cpu * 0.6, 45, i))),
      memory: { usageBytes, limitBytes, usagePercent: round((usageBytes / limitBytes) * 100, 2) },
      network: { rxBytes: 50_000_000 * (i + 1) + second * 900 * (i + 1), txBytes: 20_000_000 * (i + 1) + second * 400 },
      blockIo: { readBytes: 30_000_000 * (i + 1), writeBytes: 8_000_000 * (i + 1) + second * 50 }
    }
  })
  return {
    sampledAt: new Date(now).toISOString(),
    containers,
    summary: summarize(containers)
  }
}

export const layerMock = Layer.succeed(
  ContainerCollector,
  ContainerCollector.of({ sample: Effect.map(Clock.currentTimeMillis, mockContainerStats) })
)
