// The whole app over real HTTP, with the live services collector probing a target that hangs:
// /services answers from the snapshot at once, before, during and after the hanging checks.
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import { HttpClient, HttpRouter } from "effect/http"
import { afterAll, beforeAll } from "vitest"
import { ServiceHealthStats } from "../../../src/api/ServiceStats.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import { AppRoutes } from "../../../src/server/routes.ts"
import { temporaryHistoryStore } from "../../support/historyStore.ts"
import { type Counted, type CountedHttp, httpServer, LOOPBACK, tcpServer } from "./servers.ts"

const PROBE_TIMEOUT_MS = 2000
// Generous, yet well below the probe timeout: a route that waited on the probe could not meet it.
const AT_ONCE_MS = 1000

let silent: Counted
let web: CountedHttp

beforeAll(async () => {
  silent = await tcpServer()
  web = await httpServer((_req, res) => res.end("ok"))
})
afterAll(async () => {
  await Promise.all([silent?.close(), web?.close()])
})

const serve = () =>
  HttpRouter.serve(AppRoutes, { disableLogger: true }).pipe(
    Layer.provide(temporaryHistoryStore()),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(
      layerTest({
        MOCK_HOST_STATS: "false",
        SYSTEM_PROFILER_SERVICES: `hang=http://${LOOPBACK}:${silent.port}/,web=http://${LOOPBACK}:${web.port}/`,
        SYSTEM_PROFILER_PROBE_TIMEOUT: `${PROBE_TIMEOUT_MS}ms`,
        SYSTEM_PROFILER_PROBE_RETRIES: "0",
        SYSTEM_PROFILER_SERVICES_INTERVAL: "100ms"
      })
    )
  )

const getServices = Effect.gen(function* () {
  const client = yield* HttpClient.HttpClient
  const started = performance.now()
  const response = yield* client.get("/services")
  const body: unknown = yield* response.json
  return { status: response.status, body, ms: performance.now() - started }
})

describe("GET /services with the live collector", () => {
  it.live("answers at once while a target hangs", () =>
    Effect.gen(function* () {
      // Before the first sample ends: the hanging check holds it for the whole probe timeout.
      const first = yield* getServices
      assert.isBelow(first.ms, AT_ONCE_MS)
      assert.strictEqual(first.status, 503)
      assert.strictEqual((first.body as { reason: string }).reason, "not-sampled-yet")

      // Each probe publishes on its own: web is in while hang is still being checked, then both.
      const names = (body: unknown) => Schema.decodeUnknownSync(ServiceHealthStats)(body).services.map((s) => s.name)
      let answered = first
      let webAlone = false
      const until = performance.now() + PROBE_TIMEOUT_MS + 5000
      while (!(answered.status === 200 && names(answered.body).includes("hang")) && performance.now() < until) {
        yield* Effect.sleep(Duration.millis(100))
        answered = yield* getServices
        assert.isBelow(answered.ms, AT_ONCE_MS)
        if (answered.status === 200 && !names(answered.body).includes("hang")) webAlone = true
      }
      assert.isTrue(webAlone, "the healthy probe was published before the hanging one ended")
      assert.strictEqual(answered.status, 200)
      const stats = Schema.decodeUnknownSync(ServiceHealthStats)(answered.body)
      const hang = stats.services.find((s) => s.name === "hang")!
      const ok = stats.services.find((s) => s.name === "web")!
      assert.strictEqual(hang.reason, "timeout")
      assert.isTrue(ok.healthy)
      assert.strictEqual(ok.statusCode, 200)
      assert.isFalse(stats.allHealthy)

      // The next samples hang as long again; every answer meanwhile is immediate.
      for (let i = 0; i < 5; i++) {
        yield* Effect.sleep(Duration.millis(300))
        const during = yield* getServices
        assert.strictEqual(during.status, 200)
        assert.isBelow(during.ms, AT_ONCE_MS)
      }
      assert.isAtLeast(silent.connections, 2, "the collector kept probing")
    }).pipe(Effect.provide(serve()))
  )
})
