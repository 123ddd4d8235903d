import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { AlertsGroup } from "./Alerts.ts"
import { Authorization } from "./Authorization.ts"
import { ContainerStats } from "./ContainerStats.ts"
import { DoctorReport } from "./Doctor.ts"
import { eventsEndpoint } from "./Events.ts"
import { CollectorUnavailable } from "./errors.ts"
import { HistoryAnswer, HistoryQuery, InvalidQuery } from "./History.ts"
import { HostStats } from "./HostStats.ts"
import { MetricsAuthorization, MetricsText } from "./Metrics.ts"
import { ServiceHealthStats } from "./ServiceStats.ts"
import { Health, Stats } from "./Stats.ts"
import { StatsStreamEvent } from "./StreamEvents.ts"

export class PublicGroup extends HttpApiGroup.make("public", { topLevel: true }).add(
  HttpApiEndpoint.get("health", "/health", { success: Health })
) {}

export class StatsGroup extends HttpApiGroup.make("stats", { topLevel: true })
  .add(
    HttpApiEndpoint.get("stats", "/stats", { success: Stats }),
    HttpApiEndpoint.get("host", "/host", { success: HostStats, error: CollectorUnavailable }),
    HttpApiEndpoint.get("containers", "/containers", { success: ContainerStats, error: CollectorUnavailable }),
    HttpApiEndpoint.get("services", "/services", { success: ServiceHealthStats, error: CollectorUnavailable }),
    // One `message` event per new snapshot, starting with the current one, and one `alert` event
    // per alert change; `: heartbeat` comment lines in between keep proxies from closing an idle stream.
    HttpApiEndpoint.get("stream", "/stats/stream", { success: HttpApiSchema.StreamSse({ events: StatsStreamEvent }) }),
    HttpApiEndpoint.get("history", "/history", { success: HistoryAnswer, error: InvalidQuery, query: HistoryQuery })
  )
  .middleware(Authorization) {}

// The stack's containers' timeline from Docker's event stream.
export class EventsGroup extends HttpApiGroup.make("events", { topLevel: true })
  .add(eventsEndpoint)
  .middleware(Authorization) {}

// Checks the machine at every call (a few file reads and one Docker request), nothing cached.
export class DoctorGroup extends HttpApiGroup.make("doctor", { topLevel: true })
  .add(HttpApiEndpoint.get("doctor", "/doctor", { success: DoctorReport }))
  .middleware(Authorization) {}

export class MetricsGroup extends HttpApiGroup.make("metrics", { topLevel: true })
  .add(HttpApiEndpoint.get("metrics", "/metrics", { success: MetricsText }))
  .middleware(MetricsAuthorization) {}

export class ProfilerApi extends HttpApi.make("system-profiler")
  .add(PublicGroup)
  .add(StatsGroup)
  .add(MetricsGroup)
  .add(DoctorGroup)
  .add(AlertsGroup)
  .add(EventsGroup)
  .annotateMerge(
    OpenApi.annotations({
      title: "system-profiler",
      description:
        "Host, container and service health of a home server. /health, /openapi.json and /docs are public; every other route needs the token, as the X-Profiler-Token header or as `Authorization: Bearer <token>`."
    })
  ) {}
