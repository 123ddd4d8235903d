import { Effect, Layer } from "effect"
import { HttpApiBuilder, OpenApi } from "effect/http-api"
import { AlertLoop } from "../alerts/AlertLoop.ts"
import { ProfilerApi } from "../api/Api.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { Doctor } from "../doctor/Doctor.ts"
import { HistoryRecorder } from "../history/Recorder.ts"
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
 * The service's one history store (SYSTEM_PROFILER_DATA_DIR): every reader and writer of it (the
 * recorder, /history?source=stored, /services' uptime, /health, the container-event timeline, the
 * alert history) gets it from here. It opens before the listener, so that a data directory held by
 * another process stops the start. Mock mode without SYSTEM_PROFILER_DATA_DIR keeps it in a
 * temporary directory: mock figures are not worth keeping, and never land in ./data.
 */
export const StoreLayer = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return config.mockMode ? HistoryStore.layerScratch : HistoryStore.layer
  })
)

/**
 * What the routes serve from the one Sampler: the SSE fan-out, the history ring, the recorder of
 * the stored history, and the alert rules with their notifier, which the alert loop feeds from
 * the same readings. Needs the HistoryStore.
 */
const ReadersLayer = Layer.mergeAll(Feed.layer, History.layer, HistoryRecorder.layer, AlertLoop.layerLive)

// The contract carries no version (the web app imports it without package.json); the document
// the service serves says which release answers.
const DocumentedApi = ProfilerApi.annotate(OpenApi.Version, VERSION)

/**
 * Every route, needing AppConfig, a Sampler and its readers (Feed, History, AlertLoop, Alerts,
 * Notifier), the HistoryStore, and the ContainerEvents (GET /events).
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

/** Every route, needing AppConfig, a Sampler, the HistoryStore and the ContainerEvents. */
export const ApiRoutes = Routes.pipe(Layer.provide(ReadersLayer))

/** Every route with its sampling, needing AppConfig and the HistoryStore (tests give a temporary one). */
export const AppRoutes = ApiRoutes.pipe(Layer.provide(SamplingLayer))

/** The history store, the sampling and its readers, built once for the routes and the server's fast path. */
export const ReadingLayer = ReadersLayer.pipe(Layer.provideMerge(SamplingLayer), Layer.provideMerge(StoreLayer))
