import { Effect, Layer } from "effect"
import { HttpApiBuilder, OpenApi } from "effect/http-api"
import { AlertLoop } from "../alerts/AlertLoop.ts"
import { ProfilerApi } from "../api/Api.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { Doctor } from "../doctor/Doctor.ts"
import { HistoryStore } from "../history/store/HistoryStore.ts"
import { Feed } from "../sampling/Feed.ts"
import { History } from "../sampling/History.ts"
import { Sampler } from "../sampling/Sampler.ts"
import { VERSION } from "../version.ts"
import { AuthorizationLive, MetricsAuthorizationLive } from "./Authorization.ts"
import { AlertsHandlers } from "./alertsHandlers.ts"
import { JsonBadRequest } from "./badRequest.ts"
import * as Docs from "./docs.ts"
import { DoctorHandlers } from "./doctorHandlers.ts"
import { EventsHandlers } from "./eventsHandlers.ts"
import { RouteFallback, routesOf } from "./fallback.ts"
import { MetricsHandlers, PublicHandlers, StatsHandlers } from "./handlers.ts"

const SamplingLayer = Sampler.layerFromConfig

/**
 * The history store, built once for all that keep data in it (the container-event timeline,
 * the alert history). Mock mode without SYSTEM_PROFILER_DATA_DIR keeps it in a temporary
 * directory, never in ./data.
 */
export const StoreLayer = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return config.mockMode ? HistoryStore.layerScratch : HistoryStore.layer
  })
)

/**
 * What the routes serve from the one Sampler: the SSE fan-out, the history ring, and the alert
 * rules with their notifier, which the alert loop feeds from the same readings.
 */
const ReadersLayer = Layer.mergeAll(Feed.layer, History.layer, AlertLoop.layerLive)

// The contract carries no version (the web app imports it without package.json); the document
// the service serves says which release answers.
const DocumentedApi = ProfilerApi.annotate(OpenApi.Version, VERSION)

/**
 * Every route, needing AppConfig, a Sampler and its readers (Feed, History, AlertLoop, Alerts,
 * Notifier), and the ContainerEvents (GET /events).
 */
export const Routes = Layer.mergeAll(
  HttpApiBuilder.layer(DocumentedApi, { openapiPath: Docs.OPENAPI_PATH }).pipe(
    Layer.provide([PublicHandlers, StatsHandlers, MetricsHandlers, DoctorHandlers, AlertsHandlers, EventsHandlers]),
    Layer.provide([AuthorizationLive, MetricsAuthorizationLive, Doctor.layer])
  ),
  // The docs page and its script come from this service, never from a CDN (see docs.ts).
  Docs.layer(),
  RouteFallback([
    ...routesOf(ProfilerApi),
    ...[Docs.OPENAPI_PATH, Docs.DOCS_PATH, Docs.DOCS_SCRIPT_PATH].map((path) => ({ method: "GET", path }))
  ]),
  JsonBadRequest
)

/** Every route, needing AppConfig, a Sampler, the ContainerEvents and the HistoryStore. */
export const ApiRoutes = Routes.pipe(Layer.provide(ReadersLayer))

/** Every route with its sampling and the history store, needing only AppConfig. */
export const AppRoutes = ApiRoutes.pipe(Layer.provide(SamplingLayer), Layer.provide(StoreLayer))

/** The sampling and its readers over one history store, built once for the routes and the server's fast path. */
export const ReadingLayer = ReadersLayer.pipe(Layer.provideMerge(SamplingLayer), Layer.provide(StoreLayer))
