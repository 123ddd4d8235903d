// The containers collector with Docker's event stream beside it: each reading carries what the
// events tell of each container (restarts, exits and OOM events within the crash-loop window, the
// last exit), the compose services that have no container, and the collector says when to read
// again at once (a start, a die, an OOM kill...), which the sampler does (sampling/refresh.ts).

import { Duration, Effect, Stream } from "effect"
import type { ExpectedService } from "../../config/expectedServices.ts"
import type { ContainerEventFacts, ContainersReading } from "../../domain/ContainerReading.ts"
import type { ContainerCollectorShape } from "./ContainerCollector.ts"
import type { ContainerEvent, EventAction } from "./events/ContainerEvent.ts"
import type { ContainerEventsShape } from "./events/ContainerEvents.ts"
import { ServiceRoster } from "./missing.ts"

/**
 * The actions after which a container's state, health or figures differ: read again at once.
 * create, pause and unpause change nothing the next poll would not show as well; exec and the
 * like are never asked for.
 */
export const REFRESH_ACTIONS: ReadonlySet<EventAction> = new Set<EventAction>([
  "start",
  "die",
  "stop",
  "kill",
  "oom",
  "restart",
  "health_status",
  "destroy"
])

export const refreshes = (event: ContainerEvent): boolean => REFRESH_ACTIONS.has(event.action)

export interface WithEventsOptions {
  readonly crashLoopWindow: Duration.Duration
  readonly expectedServices: ReadonlyArray<ExpectedService>
}

/** `base` with the events' facts in each reading and the events' changes as its wakeups. */
export const withEvents = (
  base: ContainerCollectorShape,
  events: ContainerEventsShape,
  options: WithEventsOptions
): ContainerCollectorShape => {
  const windowMillis = Duration.toMillis(options.crashLoopWindow)
  const roster = new ServiceRoster(options.expectedServices)
  // A store that cannot be read is logged when it starts failing and when it recovers.
  let storeFailing = false

  const facts = Effect.suspend(() => events.crashLoops(windowMillis)).pipe(
    Effect.map((byName) => {
      const out = new Map<string, ContainerEventFacts>()
      for (const [name, s] of byName) out.set(name, s)
      return out as ReadonlyMap<string, ContainerEventFacts> | undefined
    }),
    Effect.tap(() => {
      if (!storeFailing) return Effect.void
      storeFailing = false
      return Effect.logInfo("container event timeline readable again")
    }),
    Effect.catch((error) => {
      if (storeFailing) return Effect.succeed(undefined)
      storeFailing = true
      return Effect.as(
        Effect.logWarning("container event timeline unreadable").pipe(Effect.annotateLogs({ error: error.message })),
        undefined
      )
    })
  )

  return {
    read: () =>
      Effect.gen(function* () {
        const reading = yield* base.read()
        const byName = yield* facts
        const missing = roster.update(reading.containers, reading.at)
        return {
          ...reading,
          ...(byName === undefined ? {} : { events: { windowMillis, byName } }),
          ...(missing.length === 0 && options.expectedServices.length === 0 ? {} : { missing })
        } satisfies ContainersReading
      }),
    wakeups: Stream.filter(events.changes, refreshes)
  }
}
