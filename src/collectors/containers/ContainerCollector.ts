import { Context, type Effect } from "effect"
import type { ContainerStats } from "../../api/ContainerStats.ts"
import type { CollectorError } from "../CollectorError.ts"

export interface ContainerCollectorShape {
  /** Collects once. Called by the sampling fiber only, so it may keep state between calls. */
  readonly sample: Effect.Effect<ContainerStats, CollectorError>
}

export class ContainerCollector extends Context.Service<ContainerCollector, ContainerCollectorShape>()(
  "system-profiler/collectors/ContainerCollector"
) {}
