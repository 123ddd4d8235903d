import { Clock, Effect, Layer } from "effect"
import type { ServiceHealth, ServiceHealthStats } from "../../api/ServiceStats.ts"
import { AppConfig } from "../../config/AppConfig.ts"
import type { ProbeTarget } from "../../config/services.ts"
import { drift, round } from "../drift.ts"
import { ServiceCollector } from "./ServiceCollector.ts"

// The pi-site probes, used when SYSTEM_PROFILER_SERVICES is empty so that a laptop shows a list.
const piSiteTargets: ReadonlyArray<ProbeTarget> = [
  { name: "web", kind: "http", target: "http://web:3000/", host: "web", port: 3000 },
  {
    name: "ai-img-validator",
    kind: "http",
    target: "http://ai-img-validator:8000/",
    host: "ai-img-validator",
    port: 8000
  },
  { name: "db", kind: "postgres", target: "postgres://db:5432", host: "db", port: 5432 }
]

export const mockServiceStats = (targets: ReadonlyArray<ProbeTarget>, now: number): ServiceHealthStats => {
  const checkedAt = new Date(now).toISOString()
  const services = targets.map((t, i): ServiceHealth => {
    const latencyMs = round(Math.max(0.2, drift(now, 4 + i * 3, 2 + i, 60, i)), 2)
    const base = { name: t.name, kind: t.kind, target: t.target, healthy: true, latencyMs, checkedAt }
    return t.kind === "http" || t.kind === "https" ? { ...base, statusCode: 200 } : base
  })
  return { sampledAt: checkedAt, services, allHealthy: services.every((s) => s.healthy) }
}

export const layerMock = Layer.effect(
  ServiceCollector,
  Effect.gen(function* () {
    const config = yield* AppConfig
    const targets = config.services.length > 0 ? config.services : piSiteTargets
    return ServiceCollector.of({
      sample: Effect.map(Clock.currentTimeMillis, (now) => mockServiceStats(targets, now))
    })
  })
)
