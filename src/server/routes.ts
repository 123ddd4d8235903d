import { Layer } from "effect"
import { HttpApiBuilder, OpenApi } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { ContainerCollectorLayer } from "../collectors/containers/layer.ts"
import { HostCollectorLayer } from "../collectors/host/layer.ts"
import { ServiceCollectorLayer } from "../collectors/services/layer.ts"
import * as Feed from "../sampling/Feed.ts"
import * as History from "../sampling/History.ts"
import * as Snapshot from "../sampling/Snapshot.ts"
import { VERSION } from "../version.ts"
import { AuthorizationLive, MetricsAuthorizationLive } from "./Authorization.ts"
import * as Docs from "./docs.ts"
import { RouteFallback, routesOf } from "./fallback.ts"
import { MetricsHandlers, PublicHandlers, StatsHandlers } from "./handlers.ts"

export const CollectorsLayer = Layer.mergeAll(HostCollectorLayer, ContainerCollectorLayer, ServiceCollectorLayer)

const SamplingLayer = Snapshot.layer.pipe(Layer.provide(CollectorsLayer))

/** What the routes serve from the one Snapshot: the SSE fan-out and the history ring. */
const ReadersLayer = Layer.mergeAll(Feed.layer, History.layer)

// The contract carries no version (the web app imports it without package.json); the document
// the service serves says which release answers.
const DocumentedApi = ProfilerApi.annotate(OpenApi.Version, VERSION)

/** Every route, needing AppConfig, a Snapshot and its readers. */
export const Routes = Layer.mergeAll(
  HttpApiBuilder.layer(DocumentedApi, { openapiPath: Docs.OPENAPI_PATH }).pipe(
    Layer.provide([PublicHandlers, StatsHandlers, MetricsHandlers]),
    Layer.provide([AuthorizationLive, MetricsAuthorizationLive])
  ),
  // The docs page and its script come from this service, never from a CDN (see docs.ts).
  Docs.layer(),
  RouteFallback([
    ...routesOf(ProfilerApi),
    ...[Docs.OPENAPI_PATH, Docs.DOCS_PATH, Docs.DOCS_SCRIPT_PATH].map((path) => ({ method: "GET", path }))
  ])
)

/** Every route, needing AppConfig and a Snapshot. */
export const ApiRoutes = Routes.pipe(Layer.provide(ReadersLayer))

/** Every route with its sampling, needing only AppConfig. */
export const AppRoutes = ApiRoutes.pipe(Layer.provide(SamplingLayer))

/** The sampling and its readers, built once for the routes and the server's fast path. */
export const ReadingLayer = ReadersLayer.pipe(Layer.provideMerge(SamplingLayer))
