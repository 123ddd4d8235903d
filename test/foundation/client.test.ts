import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpServer } from "effect/http"
import { isCollectorFailure } from "../../src/api/errors.ts"
import { makeProfilerClient } from "../../src/client/index.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { SampleError, SourceUnavailable } from "../../src/domain/SampleError.ts"
import { serveWithCollectors, TOKEN } from "./harness.ts"

// The web app's view: the typed client over fetch against a real server on a real port.
const clientFor = (token: string | undefined) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    return yield* makeProfilerClient({
      baseUrl: HttpServer.formatAddress(server.address),
      token: token === undefined ? undefined : Redacted.make(token)
    })
  }).pipe(Effect.provide(FetchHttpClient.layer))

const hostDown = Layer.succeed(
  HostCollector,
  HostCollector.of({
    read: () => Effect.fail(new SampleError({ section: "host", reason: new SourceUnavailable({ detail: "no /proc" }) }))
  })
)

layer(
  serveWithCollectors(
    { SYSTEM_PROFILER_AUTH_TOKEN: TOKEN },
    Layer.mergeAll(hostDown, ContainerCollector.layerMock, ServiceCollector.layerMock)
  )
)("typed client round trip", (it) => {
  it.effect("decodes every route into typed values", () =>
    Effect.gen(function* () {
      const client = yield* clientFor(TOKEN)
      const health = yield* client.health()
      assert.isTrue(health.ok)
      const stats = yield* client.stats()
      assert.isTrue(isCollectorFailure(stats.host))
      assert.isFalse(isCollectorFailure(stats.containers))
      const containers = yield* client.containers()
      assert.strictEqual(containers.summary.total, containers.containers.length)
      const services = yield* client.services()
      assert.strictEqual(
        services.allHealthy,
        services.services.every((s) => s.healthy)
      )
    })
  )

  it.effect("a failing collector is a typed CollectorUnavailable error", () =>
    Effect.gen(function* () {
      const client = yield* clientFor(TOKEN)
      const error = yield* Effect.flip(client.host())
      assert.strictEqual(error._tag, "CollectorUnavailable")
      if (error._tag === "CollectorUnavailable") {
        assert.strictEqual(error.reason, "unavailable")
        assert.strictEqual(error.collector, "host")
      }
    })
  )

  it.effect("missing and wrong tokens are typed Unauthorized errors", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip((yield* clientFor(undefined)).stats())
      assert.strictEqual(missing._tag, "Unauthorized")
      if (missing._tag === "Unauthorized") assert.strictEqual(missing.error, "Missing authentication token")
      const wrong = yield* Effect.flip((yield* clientFor("wrong")).containers())
      assert.strictEqual(wrong._tag, "Unauthorized")
      if (wrong._tag === "Unauthorized") assert.strictEqual(wrong.error, "Invalid authentication token")
    })
  )
})

layer(
  serveWithCollectors(
    { SYSTEM_PROFILER_AUTH_TOKEN: TOKEN, SYSTEM_PROFILER_SERVICES: "site=https://example.org/,web=http://web:3000/" },
    Layer.mergeAll(hostDown, ContainerCollector.layerMock, ServiceCollector.layerMock)
  )
)("typed client: the certificate of an https probe", (it) => {
  it.effect("/services gives an https probe's tlsCertificateExpiresAt, and none for plain http", () =>
    Effect.gen(function* () {
      const DAY = 86_400_000
      const client = yield* clientFor(TOKEN)
      const [site, web] = (yield* client.services()).services
      assert.strictEqual(site?.name, "site")
      // The mock's certificate: 60 days from the start of the check's day.
      const checked = Date.parse(site!.checkedAt)
      assert.strictEqual(
        site!.tlsCertificateExpiresAt,
        new Date(Math.floor(checked / DAY) * DAY + 60 * DAY).toISOString()
      )
      assert.strictEqual(web?.name, "web")
      assert.notProperty(web!, "tlsCertificateExpiresAt")
    })
  )
})
