// The postgres probe against a real PostgreSQL server, and against listeners that are not one.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { check, worstCase } from "../../../src/collectors/services/check.ts"
import { parseProbeTargets } from "../../../src/config/services.ts"
import { type Postgres, startPostgres } from "./postgres.ts"
import { type Counted, eventually, LOOPBACK, tcpServer } from "./servers.ts"
import { testSettings } from "./settings.ts"

const settings = testSettings
const ATTEMPTS = settings.retries + 1

const probe = (url: string) =>
  Effect.gen(function* () {
    const [target] = yield* parseProbeTargets(`db=${url}`)
    const started = performance.now()
    const result = yield* check(target!, settings)
    return { result, elapsedMs: performance.now() - started }
  })

let postgres: Postgres
let httpLike: Counted
let silent: Counted
let slammer: Counted
let fakeS: Counted

beforeAll(async () => {
  postgres = await startPostgres()
  // A web server's answer to bytes it does not understand.
  httpLike = await tcpServer((socket) =>
    socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"))
  )
  silent = await tcpServer()
  slammer = await tcpServer((socket) => socket.once("data", () => socket.destroy()))
  // Answers the way a PostgreSQL server with TLS enabled does.
  fakeS = await tcpServer((socket) => socket.once("data", () => socket.write("S")))
})

afterAll(async () => {
  await Promise.all([httpLike?.close(), silent?.close(), slammer?.close(), fakeS?.close()])
  await postgres?.stop()
})

describe("postgres probe", () => {
  it.live("a real PostgreSQL server answers SSLRequest and is healthy", () =>
    Effect.gen(function* () {
      const { result } = yield* probe(`postgres://${LOOPBACK}:${postgres.port}`)
      assert.isTrue(result.healthy, result.error?.message)
      assert.strictEqual(result.attempts, 1)
      assert.isAbove(result.latencyMs!, 0)
      assert.isBelow(result.latencyMs!, Duration.toMillis(settings.timeout))
      const { result: again } = yield* probe(`postgresql://${LOOPBACK}:${postgres.port}`)
      assert.isTrue(again.healthy, again.error?.message)
    })
  )

  it.live("an S answer (TLS on offer) is healthy too", () =>
    Effect.gen(function* () {
      const { result } = yield* probe(`postgres://${LOOPBACK}:${fakeS.port}`)
      assert.isTrue(result.healthy, result.error?.message)
      assert.strictEqual(fakeS.connections, 1)
    })
  )

  it.live("a TCP listener that is not PostgreSQL fails with protocol, after every retry", () =>
    Effect.gen(function* () {
      const { result } = yield* probe(`postgres://${LOOPBACK}:${httpLike.port}`)
      assert.isFalse(result.healthy)
      assert.strictEqual(result.error?.reason, "protocol")
      assert.include(result.error!.message, "not a PostgreSQL server")
      assert.strictEqual(result.attempts, ATTEMPTS)
      assert.strictEqual(httpLike.connections, ATTEMPTS)
    })
  )

  it.live("a listener that never answers times out within its bound", () =>
    Effect.gen(function* () {
      const { result, elapsedMs } = yield* probe(`postgres://${LOOPBACK}:${silent.port}`)
      assert.strictEqual(result.error?.reason, "timeout")
      assert.strictEqual(result.attempts, ATTEMPTS)
      assert.strictEqual(silent.connections, ATTEMPTS)
      assert.isAtLeast(elapsedMs, ATTEMPTS * Duration.toMillis(settings.timeout) - 20)
      assert.isAtMost(elapsedMs, Duration.toMillis(worstCase(settings)) + 1000)
      yield* Effect.promise(() => eventually(() => silent.open.size === 0))
      assert.strictEqual(silent.open.size, 0, "the probe left connections open")
    })
  )

  it.live("a listener that hangs up on SSLRequest is closed", () =>
    Effect.gen(function* () {
      const { result } = yield* probe(`postgres://${LOOPBACK}:${slammer.port}`)
      assert.strictEqual(result.error?.reason, "closed")
      assert.strictEqual(slammer.connections, ATTEMPTS)
    })
  )

  it.live("a tcp probe of the same listener is healthy: it proves less", () =>
    Effect.gen(function* () {
      const { result } = yield* probe(`tcp://${LOOPBACK}:${httpLike.port}`)
      assert.isTrue(result.healthy)
    })
  )
})
