import { Context, type Effect } from "effect"
import type { HostStats } from "../../api/HostStats.ts"
import type { CollectorError } from "../CollectorError.ts"

export interface HostCollectorShape {
  /** Reads the host once. Called by the sampling fiber only, so it may keep state between calls. */
  readonly sample: Effect.Effect<HostStats, CollectorError>
}

export class HostCollector extends Context.Service<HostCollector, HostCollectorShape>()(
  "system-profiler/collectors/HostCollector"
) {}
