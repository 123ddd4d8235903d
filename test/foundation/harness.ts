// A real server on an ephemeral port, as the web app would reach it, with a test configuration.
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import type { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { ContainerEvents } from "../../src/collectors/containers/events/ContainerEvents.ts"
import type { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import type { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { type AppConfig, type Env, layerTest } from "../../src/config/AppConfig.ts"
import { Sampler } from "../../src/sampling/Sampler.ts"
import { ApiRoutes, AppRoutes } from "../../src/server/routes.ts"
import { temporaryHistoryStore } from "../support/historyStore.ts"

export const TOKEN = "test-token-0123456789"

/** The whole app (collectors picked by config) served on an ephemeral port, its stored history in a temp dir. */
export const serveApp = (env: Env) =>
  HttpRouter.serve(AppRoutes, { disableLogger: true }).pipe(
    Layer.provide(temporaryHistoryStore()),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(layerTest(env))
  )

/**
 * The routes over a Sampler reading from the collectors that `collectors` provides; no Docker
 * events by default; the history store in a temporary directory.
 */
export const serveWithCollectors = (
  env: Env,
  collectors: Layer.Layer<HostCollector | ContainerCollector | ServiceCollector, never, AppConfig>,
  events: Layer.Layer<ContainerEvents> = ContainerEvents.layerMock
) =>
  HttpRouter.serve(ApiRoutes, { disableLogger: true }).pipe(
    Layer.provide(Sampler.layer.pipe(Layer.provide(collectors))),
    Layer.provide(temporaryHistoryStore()),
    Layer.provide(events),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(layerTest(env))
  )
