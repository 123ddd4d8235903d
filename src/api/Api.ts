import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Authorization } from "./Authorization.ts"
import { ContainerStats } from "./ContainerStats.ts"
import { CollectorUnavailable } from "./errors.ts"
import { HostStats } from "./HostStats.ts"
import { ServiceHealthStats } from "./ServiceStats.ts"
import { Health, Stats } from "./Stats.ts"

export class PublicGroup extends HttpApiGroup.make("public", { topLevel: true }).add(
  HttpApiEndpoint.get("health", "/health", { success: Health })
) {}

export class StatsGroup extends HttpApiGroup.make("stats", { topLevel: true })
  .add(
    HttpApiEndpoint.get("stats", "/stats", { success: Stats }),
    HttpApiEndpoint.get("host", "/host", { success: HostStats, error: CollectorUnavailable }),
    HttpApiEndpoint.get("containers", "/containers", { success: ContainerStats, error: CollectorUnavailable }),
    HttpApiEndpoint.get("services", "/services", { success: ServiceHealthStats, error: CollectorUnavailable })
  )
  .middleware(Authorization) {}

export class ProfilerApi extends HttpApi.make("system-profiler")
  .add(PublicGroup)
  .add(StatsGroup)
  .annotateMerge(
    OpenApi.annotations({
      title: "system-profiler",
      description:
        "Host, container and service health of a home server. Every route but /health needs the X-Profiler-Token header."
    })
  ) {}
