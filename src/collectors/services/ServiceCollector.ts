import { Context, type Effect } from "effect"
import type { ServiceHealthStats } from "../../api/ServiceStats.ts"
import type { CollectorError } from "../CollectorError.ts"

export interface ServiceCollectorShape {
  /** Collects once. Called by the sampling fiber only, so it may keep state between calls. */
  readonly sample: Effect.Effect<ServiceHealthStats, CollectorError>
}

export class ServiceCollector extends Context.Service<ServiceCollector, ServiceCollectorShape>()(
  "system-profiler/collectors/ServiceCollector"
) {}
