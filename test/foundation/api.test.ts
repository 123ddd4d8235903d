import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { HttpClient } from "effect/http"
import { ContainerStats } from "../../src/api/ContainerStats.ts"
import { CollectorFailure, isCollectorFailure } from "../../src/api/errors.ts"
import { HostStats } from "../../src/api/HostStats.ts"
import { ServiceHealthStats } from "../../src/api/ServiceStats.ts"
import { Health, Stats } from "../../src/api/Stats.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { PermissionDenied, SampleError } from "../../src/domain/SampleError.ts"
import { serveApp, serveWithCollectors, TOKEN } from "./harness.ts"

const jsonRoutes = [
  ["/stats", Stats],
  ["/host", HostStats],
  ["/containers", ContainerStats],
  ["/services", ServiceHealthStats]
] as const

const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.get(path, { headers })
    return { status: response.status, text: yield* response.text }
  })

/** Every route that the OpenAPI document lists, but the public /health: all must be protected. */
const protectedPaths = Effect.gen(function* () {
  const doc = JSON.parse((yield* get("/openapi.json")).text) as { paths: Record<string, unknown> }
  const paths = Object.keys(doc.paths).filter((p) => p !== "/health")
  assert.isAtLeast(paths.length, 4)
  return paths
})

layer(serveApp({ MOCK_HOST_STATS: "true", SYSTEM_PROFILER_AUTH_TOKEN: TOKEN }))("with a token configured", (it) => {
  it.effect("GET /health is public and reports mock mode and the version", () =>
    Effect.gen(function* () {
      const { status, text } = yield* get("/health")
      assert.strictEqual(status, 200)
      const health = Schema.decodeUnknownSync(Health)(JSON.parse(text))
      assert.deepStrictEqual(health, { ok: true, mockMode: true, version: health.version, history: "ok" })
      assert.match(health.version, /^\d+\.\d+\.\d+/)
    })
  )

  it.effect("every protected route answers 401 with the exact body when the token is missing", () =>
    Effect.gen(function* () {
      for (const path of yield* protectedPaths) {
        const { status, text } = yield* get(path)
        assert.strictEqual(status, 401, path)
        assert.strictEqual(text, `{"error":"Missing authentication token"}`, path)
      }
    })
  )

  it.effect("an empty token header counts as missing", () =>
    Effect.gen(function* () {
      const { status, text } = yield* get("/stats", { "x-profiler-token": "" })
      assert.strictEqual(status, 401)
      assert.strictEqual(text, `{"error":"Missing authentication token"}`)
    })
  )

  it.effect("every protected route answers 401 with the exact body when the token is wrong", () =>
    Effect.gen(function* () {
      for (const path of yield* protectedPaths) {
        for (const wrong of ["nope", `${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase()]) {
          const { status, text } = yield* get(path, { "x-profiler-token": wrong })
          assert.strictEqual(status, 401, `${path} with ${wrong}`)
          assert.strictEqual(text, `{"error":"Invalid authentication token"}`, path)
        }
      }
    })
  )

  it.effect("the right token gets 200 and a body that decodes with the route's schema", () =>
    Effect.gen(function* () {
      for (const [path, schema] of jsonRoutes) {
        const { status, text } = yield* get(path, { "x-profiler-token": TOKEN })
        assert.strictEqual(status, 200, path)
        const decoded = Schema.decodeUnknownSync(schema as Schema.Codec<unknown, unknown>)(JSON.parse(text))
        assert.isFalse(isCollectorFailure(decoded as object), path)
      }
    })
  )

  it.effect("the token never appears in a response", () =>
    Effect.gen(function* () {
      for (const path of ["/openapi.json", "/health", "/stats"]) {
        const { text } = yield* get(path, { "x-profiler-token": TOKEN })
        assert.notInclude(text, TOKEN, path)
      }
    })
  )

  it.effect("serves the OpenAPI document and the browsable docs", () =>
    Effect.gen(function* () {
      const openapi = yield* get("/openapi.json")
      assert.strictEqual(openapi.status, 200)
      const doc = JSON.parse(openapi.text) as { openapi: string; paths: Record<string, unknown> }
      assert.match(doc.openapi, /^3\./)
      for (const path of ["/health", "/stats", "/host", "/containers", "/services"]) assert.property(doc.paths, path)
      const docs = yield* get("/docs")
      assert.strictEqual(docs.status, 200)
      assert.include(docs.text.toLowerCase(), "<html")
      // The Scalar script comes from this service (test/server/docs.test.ts), never from a CDN,
      // instead of 3 MB inlined into every answer.
      assert.include(docs.text, '"/docs/scalar.js"')
      assert.notMatch(docs.text, /https?:\/\//)
      assert.isBelow(docs.text.length, 100_000)
    })
  )
})

layer(serveApp({ MOCK_HOST_STATS: "true" }))("with no token configured, on loopback", (it) => {
  it.effect("protected routes are served without a token", () =>
    Effect.gen(function* () {
      const { status, text } = yield* get("/stats")
      assert.strictEqual(status, 200)
      Schema.decodeUnknownSync(Stats)(JSON.parse(text))
    })
  )
})

const hostUnavailable = Layer.succeed(
  HostCollector,
  HostCollector.of({
    read: () =>
      Effect.fail(
        new SampleError({ section: "host", reason: new PermissionDenied({ detail: "cannot read /host/proc/stat" }) })
      )
  })
)

layer(
  serveWithCollectors(
    { SYSTEM_PROFILER_AUTH_TOKEN: TOKEN },
    Layer.mergeAll(hostUnavailable, ContainerCollector.layerMock, ServiceCollector.layerMock)
  )
)("with a failing host collector", (it) => {
  it.effect("/stats answers 200: the host section carries the typed error, the others their figures", () =>
    Effect.gen(function* () {
      const { status, text } = yield* get("/stats", { "x-profiler-token": TOKEN })
      assert.strictEqual(status, 200)
      const stats = Schema.decodeUnknownSync(Stats)(JSON.parse(text))
      const host = Schema.decodeUnknownSync(CollectorFailure)(stats.host)
      assert.strictEqual(host.collector, "host")
      assert.strictEqual(host.reason, "permission-denied")
      assert.include(host.error, "/host/proc/stat")
      Schema.decodeUnknownSync(ContainerStats)(stats.containers)
      Schema.decodeUnknownSync(ServiceHealthStats)(stats.services)
    })
  )

  it.effect("/host answers 503 naming why; /containers still answers 200", () =>
    Effect.gen(function* () {
      const host = yield* get("/host", { "x-profiler-token": TOKEN })
      assert.strictEqual(host.status, 503)
      const body = JSON.parse(host.text) as Record<string, unknown>
      assert.strictEqual(body.reason, "permission-denied")
      assert.strictEqual(body.collector, "host")
      assert.include(String(body.error), "/host/proc/stat")
      const containers = yield* get("/containers", { "x-profiler-token": TOKEN })
      assert.strictEqual(containers.status, 200)
    })
  )
})
