import { Layer } from "effect"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { ContainerCollectorLayer } from "../collectors/containers/layer.ts"
import { HostCollectorLayer } from "../collectors/host/layer.ts"
import { ServiceCollectorLayer } from "../collectors/services/layer.ts"
import * as Snapshot from "../sampling/Snapshot.ts"
import { AuthorizationLive } from "./Authorization.ts"
import { PublicHandlers, StatsHandlers } from "./handlers.ts"

export const CollectorsLayer = Layer.mergeAll(HostCollectorLayer, ContainerCollectorLayer, ServiceCollectorLayer)

export const SamplingLayer = Snapshot.layer.pipe(Layer.provide(CollectorsLayer))

/** Every route, needing AppConfig and a Snapshot. */
export const ApiRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(ProfilerApi, { openapiPath: "/openapi.json" }).pipe(
    Layer.provide([PublicHandlers, StatsHandlers]),
    Layer.provide(AuthorizationLive)
  ),
  HttpApiScalar.layer(ProfilerApi, { path: "/docs" })
)

/** Every route with its sampling, needing only AppConfig. */
export const AppRoutes = ApiRoutes.pipe(Layer.provide(SamplingLayer))
