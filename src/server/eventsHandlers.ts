import { Clock, Duration, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { parseEventsWindow } from "../api/Events.ts"
import { CollectorUnavailable } from "../api/errors.ts"
import { InvalidQuery } from "../api/History.ts"
import { ContainerEvents } from "../collectors/containers/events/ContainerEvents.ts"
import { timeline } from "../views/events.ts"
import { isoTime } from "../views/units.ts"

// GET /events: the kept timeline over the window asked, at most the retention. Read from the store
// at each request (it is small and in memory); never waits on Docker.
export const EventsHandlers = HttpApiBuilder.group(ProfilerApi, "events", (handlers) =>
  Effect.gen(function* () {
    const events = yield* ContainerEvents
    const retentionMillis = Duration.toMillis(events.retention)
    return handlers.handle("events", ({ query }) =>
      Effect.gen(function* () {
        const windowMillis = parseEventsWindow(query.window, retentionMillis)
        if (windowMillis instanceof InvalidQuery) return yield* windowMillis
        const kept = yield* events.timeline(windowMillis).pipe(
          Effect.catch((error) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Effect.fail(
                new CollectorUnavailable({
                  collector: "containers",
                  reason: "unavailable",
                  error: error.message,
                  sampledAt: isoTime(now)
                })
              )
            )
          )
        )
        return timeline(kept, { windowMillis, retentionMillis, capacity: events.capacity })
      })
    )
  })
)
