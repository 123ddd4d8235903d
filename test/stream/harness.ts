// A real server on an ephemeral port over counting mock collectors, for the readers of the one
// sampling: the SSE stream, /metrics and /history.
import { Duration, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpServer } from "effect/http"
import { makeProfilerClient } from "../../src/client/index.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import type { Env } from "../../src/config/AppConfig.ts"
import { FeedSettings } from "../../src/sampling/Feed.ts"
import { serveWithCollectors } from "../foundation/harness.ts"

export const TOKEN = "stream-test-token-42"

/** What the collectors were asked for: every call, with the host figures it returned. */
export interface Calls {
  host: number
  containers: number
  services: number
  readonly hostSampledAt: Array<string>
}

/** The mock collectors, wrapped to count their calls. */
export const countingCollectors = (calls: Calls) =>
  Layer.mergeAll(
    Layer.effect(
      HostCollector,
      Effect.map(HostCollector, (inner) =>
        HostCollector.of({
          read: (budget) =>
            Effect.tap(
              Effect.suspend(() => {
                calls.host++
                return inner.read(budget)
              }),
              (h) => Effect.sync(() => calls.hostSampledAt.push(new Date(h.at).toISOString()))
            )
        })
      )
    ).pipe(Layer.provide(HostCollector.layerMock)),
    Layer.effect(
      ContainerCollector,
      Effect.map(ContainerCollector, (inner) =>
        ContainerCollector.of({
          read: () =>
            Effect.suspend(() => {
              calls.containers++
              return inner.read()
            })
        })
      )
    ).pipe(Layer.provide(ContainerCollector.layerMock)),
    Layer.effect(
      ServiceCollector,
      Effect.map(ServiceCollector, (inner) =>
        ServiceCollector.of({
          read: (budget) =>
            Effect.suspend(() => {
              calls.services++
              return inner.read(budget)
            }),
          run: (interval, budget, publish) =>
            inner.run(interval, budget, (reading) =>
              Effect.suspend(() => {
                calls.services++
                return publish(reading)
              })
            )
        })
      )
    ).pipe(Layer.provide(ServiceCollector.layerMock))
  )

export const newCalls = (): Calls => ({ host: 0, containers: 0, services: 0, hostSampledAt: [] })

/** The API routes over counting collectors, served on an ephemeral port. */
export const serve = (env: Env, calls: Calls, heartbeat: Duration.Input = Duration.seconds(15)) =>
  serveWithCollectors(
    { MOCK_HOST_STATS: "true", SYSTEM_PROFILER_AUTH_TOKEN: TOKEN, ...env },
    countingCollectors(calls)
  ).pipe(Layer.provide(Layer.succeed(FeedSettings, { heartbeat: Duration.fromInputUnsafe(heartbeat) })))

export const baseUrl = Effect.map(HttpServer.HttpServer, (server) => HttpServer.formatAddress(server.address))

/** The typed client of the web app, over fetch; `null` sends no token. */
export const typedClient = (token: string | null = TOKEN) =>
  Effect.gen(function* () {
    return yield* makeProfilerClient({
      baseUrl: yield* baseUrl,
      token: token === null ? undefined : Redacted.make(token)
    })
  }).pipe(Effect.provide(FetchHttpClient.layer))

export const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.get(path, { headers })
    return { status: response.status, text: yield* response.text, contentType: response.headers["content-type"] }
  })
