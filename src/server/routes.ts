import { Layer } from "effect"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { Doctor } from "../doctor/Doctor.ts"
import { Feed } from "../sampling/Feed.ts"
import { History } from "../sampling/History.ts"
import { Sampler } from "../sampling/Sampler.ts"
import { AuthorizationLive, MetricsAuthorizationLive } from "./Authorization.ts"
import { JsonBadRequest } from "./badRequest.ts"
import { DoctorHandlers } from "./doctorHandlers.ts"
import { EventsHandlers } from "./eventsHandlers.ts"
import { MetricsHandlers, PublicHandlers, StatsHandlers } from "./handlers.ts"

const SamplingLayer = Sampler.layerFromConfig

/** What the routes serve from the one Sampler: the SSE fan-out and the history ring. */
const ReadersLayer = Layer.mergeAll(Feed.layer, History.layer)

// The docs page loads Scalar from jsDelivr in the reader's browser. The inline variant
// (`HttpApiScalar.layer`) embeds a 3 MB script that cost 18 MB of RSS at start, and 30 MB once
// the page was served: a fifth of the service's memory for a page most owners never open.
// /openapi.json, which the page renders, is still served here. Pinned so the page never changes
// under a release.
const SCALAR_VERSION = "1.43.5"

/** Every route, needing AppConfig, a Sampler and its readers, and the ContainerEvents (GET /events). */
export const Routes = Layer.mergeAll(
  HttpApiBuilder.layer(ProfilerApi, { openapiPath: "/openapi.json" }).pipe(
    Layer.provide([PublicHandlers, StatsHandlers, MetricsHandlers, DoctorHandlers, EventsHandlers]),
    Layer.provide([AuthorizationLive, MetricsAuthorizationLive, Doctor.layer])
  ),
  HttpApiScalar.layerCdn(ProfilerApi, { path: "/docs", version: SCALAR_VERSION }),
  JsonBadRequest
)

/** Every route, needing AppConfig, a Sampler and the ContainerEvents. */
export const ApiRoutes = Routes.pipe(Layer.provide(ReadersLayer))

/** Every route with its sampling, needing only AppConfig. */
export const AppRoutes = ApiRoutes.pipe(Layer.provide(SamplingLayer))

/** The sampling and its readers, built once for the routes and the server's fast path. */
export const ReadingLayer = ReadersLayer.pipe(Layer.provideMerge(SamplingLayer))
