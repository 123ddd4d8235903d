import { mkdtempSync, rmSync } from "node:fs"
import { createServer, get as httpGet, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import { HttpServer } from "effect/http"
import { layerTest } from "../../src/config/AppConfig.ts"
import { ServerLayer } from "../../src/server/Server.ts"
import { type FastPath, statsFastPath } from "../../src/server/statsFastPath.ts"
import { TOKEN } from "./harness.ts"

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly rawNames: ReadonlyArray<string>
  readonly body: string
}

const request = (port: number, path: string, headers: Record<string, string> = {}, method = "GET") =>
  Effect.callback<Answer>((resume) => {
    const req = httpGet({ host: "127.0.0.1", port, path, headers, method, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resume(
          Effect.succeed({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawNames: res.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()),
            body: Buffer.concat(chunks).toString("utf8")
          })
        )
      )
    })
    req.on("error", (error) => resume(Effect.die(error)))
  })

const FALLTHROUGH = 599
const body = new TextEncoder().encode('{"snapshot":1}')

/**
 * A Node server on loopback whose request handler asks `fastPath` first, as the service's does,
 * and answers 599 to whatever it passes on; its port, closed with the test's scope.
 */
const serving = (fastPath: FastPath) =>
  Effect.acquireRelease(
    Effect.callback<Server>((resume) => {
      const server = createServer((req, res) => {
        if (fastPath(req, res)) return
        res.writeHead(FALLTHROUGH, { "content-type": "text/plain" })
        res.end("router")
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => (server.address() as AddressInfo).port))

describe("statsFastPath", () => {
  const withToken = statsFastPath(Option.some(Redacted.make(TOKEN)), () => ({ json: body }))

  it.effect("answers an authorized GET /stats itself, with the snapshot's bytes", () =>
    Effect.gen(function* () {
      const port = yield* serving(withToken)
      const answer = yield* request(port, "/stats", { "x-profiler-token": TOKEN })
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.body, '{"snapshot":1}')
      assert.strictEqual(answer.headers["content-type"], "application/json")
      assert.strictEqual(answer.headers["content-length"], String(body.byteLength))
    })
  )

  it.effect("answers a GET /stats with the token as Authorization: Bearer, as the router does", () =>
    Effect.gen(function* () {
      const port = yield* serving(withToken)
      const answer = yield* request(port, "/stats", { authorization: `Bearer ${TOKEN}` })
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.body, '{"snapshot":1}')
    })
  )

  it.effect("passes on everything else: a missing or wrong token, another method, path or a query", () =>
    Effect.gen(function* () {
      const port = yield* serving(withToken)
      const cases: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
        ["/stats", {}, "GET"],
        ["/stats", { "x-profiler-token": "" }, "GET"],
        ["/stats", { "x-profiler-token": `${TOKEN}x` }, "GET"],
        ["/stats", { authorization: "Bearer nope" }, "GET"],
        ["/stats", { "x-profiler-token": TOKEN }, "HEAD"],
        ["/stats", { "x-profiler-token": TOKEN }, "POST"],
        ["/stats?window=1m", { "x-profiler-token": TOKEN }, "GET"],
        ["/stats/", { "x-profiler-token": TOKEN }, "GET"],
        ["/host", { "x-profiler-token": TOKEN }, "GET"]
      ]
      for (const [path, headers, method] of cases) {
        const answer = yield* request(port, path, headers, method)
        assert.strictEqual(answer.status, FALLTHROUGH, `${method} ${path} ${JSON.stringify(headers)}`)
      }
    })
  )

  it.effect("with no token configured (loopback only), answers without one", () =>
    Effect.gen(function* () {
      const port = yield* serving(statsFastPath(Option.none(), () => ({ json: body })))
      const answer = yield* request(port, "/stats")
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.body, '{"snapshot":1}')
    })
  )
})

// The service as main.ts serves it. Long intervals keep one snapshot for the whole test, so
// that the two paths are compared on the same figures. Its stored history goes to a temp dir,
// never the repository's ./data.
const dataDir = mkdtempSync(join(tmpdir(), "sp-fast-path-data-"))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const Service = ServerLayer.pipe(
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ SYSTEM_PROFILER_DATA_DIR: dataDir }))),
  Layer.provide(
    layerTest({
      MOCK_HOST_STATS: "true",
      SYSTEM_PROFILER_AUTH_TOKEN: TOKEN,
      PORT: "0",
      SYSTEM_PROFILER_HOST_INTERVAL: "1h",
      SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1h",
      SYSTEM_PROFILER_SERVICES_INTERVAL: "1h"
    })
  )
)

layer(Service)("the service's GET /stats", (it) => {
  const port = Effect.map(HttpServer.HttpServer, (server) =>
    server.address._tag === "UnixPathAddress" ? 0 : server.address.port
  )

  it.effect("answers what the router answers, byte for byte and header for header", () =>
    Effect.gen(function* () {
      const p = yield* port
      // A query string takes the request past the fast path to the HttpApi handler.
      const viaRouter = yield* request(p, "/stats?via=router", { "x-profiler-token": TOKEN })
      const fast = yield* request(p, "/stats", { "x-profiler-token": TOKEN })
      assert.strictEqual(viaRouter.status, 200)
      assert.strictEqual(fast.status, 200)
      assert.strictEqual(fast.body, viaRouter.body)
      assert.deepStrictEqual(fast.rawNames, viaRouter.rawNames)
      for (const name of ["content-type", "content-length", "connection", "keep-alive"]) {
        assert.strictEqual(fast.headers[name], viaRouter.headers[name], name)
      }
      assert.strictEqual(JSON.parse(fast.body).timestamp, JSON.parse(viaRouter.body).timestamp)
    })
  )

  it.effect("takes the token as Authorization: Bearer on both paths", () =>
    Effect.gen(function* () {
      const p = yield* port
      const bearer = { authorization: `Bearer ${TOKEN}` }
      const viaRouter = yield* request(p, "/stats?via=router", bearer)
      const fast = yield* request(p, "/stats", bearer)
      assert.strictEqual(viaRouter.status, 200)
      assert.strictEqual(fast.status, 200)
      assert.strictEqual(fast.body, viaRouter.body)
    })
  )

  it.effect("a refused token still gets the router's typed 401", () =>
    Effect.gen(function* () {
      const p = yield* port
      const missing = yield* request(p, "/stats")
      assert.strictEqual(missing.status, 401)
      assert.deepStrictEqual(JSON.parse(missing.body), { error: "Missing authentication token" })
      const wrong = yield* request(p, "/stats", { "x-profiler-token": "nope" })
      assert.strictEqual(wrong.status, 401)
      assert.deepStrictEqual(JSON.parse(wrong.body), { error: "Invalid authentication token" })
    })
  )
})
