import { request } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, Option } from "effect"
import { HttpServer, HttpServerRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { Unauthorized } from "../../src/api/errors.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { REFUSAL_CLIENTS, RefusalLog } from "../../src/server/RefusalLog.ts"
import { serveWithCollectors, TOKEN } from "../foundation/harness.ts"

interface Line {
  readonly message: unknown
  readonly level: string
  readonly annotations: Record<string, unknown>
}

/** Every line the effect logs, as the JSON logger of the service writes it. */
const capture = () => {
  const raw: Array<string> = []
  const layer = Logger.layer([Logger.map(Logger.formatJson, (line) => void raw.push(line))])
  const refusals = () =>
    raw.map((line) => JSON.parse(line) as Line).filter((line) => line.annotations.event === "token-refused")
  return { raw, layer, refusals }
}

const WRONG = "wrong-token-e81c"

/** A GET from a given loopback address: the whole 127/8 is this machine's. */
const getFrom = (localAddress: string, path: string, headers: Record<string, string>) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    assert.notStrictEqual(server.address._tag, "UnixPathAddress")
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    return yield* Effect.callback<number>((resume) => {
      const req = request({ host: "127.0.0.1", port, path, headers, localAddress }, (response) => {
        response.resume()
        response.on("end", () => resume(Effect.succeed(response.statusCode ?? 0)))
      })
      req.on("error", (error) => resume(Effect.die(error)))
      req.end()
    })
  })

const server = serveWithCollectors(
  { SYSTEM_PROFILER_AUTH_TOKEN: TOKEN },
  Layer.mergeAll(HostCollector.layerMock, ContainerCollector.layerMock, ServiceCollector.layerMock)
)

describe("the log of refused tokens", () => {
  it.effect("one line per client address and minute, across /stats and /metrics, never the token", () => {
    const log = capture()
    return Effect.gen(function* () {
      const wrong = { "x-profiler-token": WRONG }
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* getFrom("127.0.0.1", "/stats?window=x", wrong), 401)
      assert.strictEqual(yield* getFrom("127.0.0.1", "/metrics", {}), 401)
      assert.strictEqual(log.refusals().length, 1)
      const [first] = log.refusals()
      assert.strictEqual(first!.message, "token refused")
      assert.strictEqual(first!.level, "WARN")
      assert.match(String(first!.annotations.client), /(^|:)127\.0\.0\.1$/)
      assert.strictEqual(first!.annotations.reason, "Invalid authentication token")
      assert.strictEqual(first!.annotations.path, "/stats")
      assert.strictEqual(first!.annotations.unloggedSincePrevious, 0)

      // Another address has its own minute.
      assert.strictEqual(yield* getFrom("127.0.0.2", "/history", {}), 401)
      assert.strictEqual(log.refusals().length, 2)
      assert.match(String(log.refusals()[1]!.annotations.client), /(^|:)127\.0\.0\.2$/)
      assert.strictEqual(log.refusals()[1]!.annotations.reason, "Missing authentication token")

      // An accepted token is no refusal.
      assert.strictEqual(yield* getFrom("127.0.0.1", "/stats", { "x-profiler-token": TOKEN }), 200)

      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(yield* getFrom("127.0.0.1", "/metrics", { authorization: `Bearer ${WRONG}` }), 401)
      assert.strictEqual(log.refusals().length, 2)

      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* getFrom("127.0.0.1", "/stats", wrong), 401)
      assert.strictEqual(log.refusals().length, 3)
      assert.match(String(log.refusals()[2]!.annotations.client), /(^|:)127\.0\.0\.1$/)
      // The two more of the first three, the /metrics one without a token, the Bearer one.
      assert.strictEqual(log.refusals()[2]!.annotations.unloggedSincePrevious, 4)

      for (const line of log.raw) {
        assert.notInclude(line, WRONG)
        assert.notInclude(line, TOKEN)
      }
    }).pipe(Effect.provide(server), Effect.provide(log.layer))
  })

  it.effect("remembers a bounded number of clients; past that, newcomers wait for a slot", () => {
    const log = capture()
    const refused = new Unauthorized({ error: "Invalid authentication token" })
    const from = (address: string) =>
      Effect.gen(function* () {
        const refusals = yield* RefusalLog
        const req = HttpServerRequest.fromWeb(new Request("http://profiler/stats")).modify({
          remoteAddress: Option.some(address)
        })
        yield* refusals.refused(refused).pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, req))
      })
    return Effect.gen(function* () {
      for (let i = 0; i < REFUSAL_CLIENTS; i++) yield* from(`10.0.${i >> 8}.${i & 255}`)
      assert.strictEqual(log.refusals().length, REFUSAL_CLIENTS)
      // The table is full of clients within their minute: a new one is not logged yet...
      yield* from("192.0.2.1")
      assert.strictEqual(log.refusals().length, REFUSAL_CLIENTS)
      // ...and a known one still once a minute.
      yield* from("10.0.0.0")
      assert.strictEqual(log.refusals().length, REFUSAL_CLIENTS)

      yield* TestClock.adjust("1 minute")
      yield* from("192.0.2.1")
      assert.strictEqual(log.refusals().length, REFUSAL_CLIENTS + 1)
      assert.strictEqual(log.refusals().at(-1)!.annotations.client, "192.0.2.1")
      // The oldest entry gave its slot: 10.0.0.0 is a newcomer again, its count forgotten.
      yield* from("10.0.0.0")
      assert.strictEqual(log.refusals().at(-1)!.annotations.client, "10.0.0.0")
      assert.strictEqual(log.refusals().at(-1)!.annotations.unloggedSincePrevious, 0)
    }).pipe(Effect.provide(RefusalLog.layer), Effect.provide(log.layer))
  })
})
