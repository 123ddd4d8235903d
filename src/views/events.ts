// The timeline and crash-loop figures as the API shows them: pure functions from what
// ContainerEvents keeps to the contract's shapes (src/api/Events.ts).

import type { CrashLoop, Timeline, TimelineEvent } from "../api/Events.ts"
import { type ContainerEvent, eventMillis } from "../collectors/containers/events/ContainerEvent.ts"
import type { CrashLoopSummary } from "../collectors/containers/events/crashLoop.ts"

const iso = (nanos: bigint): string => new Date(eventMillis({ timeNano: nanos })).toISOString()

export const timelineEvent = (e: ContainerEvent): TimelineEvent => ({
  time: iso(e.timeNano),
  timeNano: e.timeNano.toString(),
  containerId: e.id,
  name: e.name,
  action: e.action,
  exitCode: e.exitCode,
  oomKilled: e.oomKilled,
  signal: e.signal,
  health: e.health,
  composeProject: e.composeProject,
  composeService: e.composeService
})

/** The body of GET /events. */
export const timeline = (
  events: ReadonlyArray<ContainerEvent>,
  window: { readonly windowMillis: number; readonly retentionMillis: number; readonly capacity: number }
): Timeline => ({
  windowSeconds: window.windowMillis / 1000,
  retentionSeconds: window.retentionMillis / 1000,
  capacity: window.capacity,
  events: events.map(timelineEvent)
})

/** A container's crash-loop figures; all zero and null when it has no event in the store. */
export const crashLoop = (summary: CrashLoopSummary | undefined, windowMillis: number): CrashLoop => ({
  windowSeconds: windowMillis / 1000,
  restarts: summary?.restarts ?? 0,
  exits: summary?.exits ?? 0,
  oomEvents: summary?.oomEvents ?? 0,
  lastExitCode: summary?.lastExitCode ?? null,
  lastExitAt: summary?.lastExitNano == null ? null : iso(summary.lastExitNano),
  lastExitOomKilled: summary?.lastExitOomKilled ?? false
})
