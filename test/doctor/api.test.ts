// GET /doctor through the typed client, on a server whose HOST_PROC, HOST_SYS, HOST_ROOT, Docker
// socket and data directory are a crafted tree (test/doctor/support.ts) with two faults: no
// HOST_PROC/1/comm and no Docker socket.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import { Clock, ConfigProvider, Effect, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpServer } from "effect/http"
import { afterAll } from "vitest"
import { DoctorReport } from "../../src/api/Doctor.ts"
import { makeProfilerClient } from "../../src/client/index.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { CHECK_NAMES } from "../../src/doctor/Check.ts"
import { serveWithCollectors, TOKEN } from "../foundation/harness.ts"
import { remove, writePiHost } from "./support.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-api-"))
writePiHost(dir)
remove(dir, "proc/1/comm")
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const env = {
  SYSTEM_PROFILER_AUTH_TOKEN: TOKEN,
  HOST_PROC: path.join(dir, "proc"),
  HOST_SYS: path.join(dir, "sys"),
  HOST_ROOT: path.join(dir, "root"),
  DOCKER_HOST: `unix://${path.join(dir, "docker.sock")}`
}

const clientFor = (token: string | undefined) =>
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    return yield* makeProfilerClient({
      baseUrl: HttpServer.formatAddress(server.address),
      token: token === undefined ? undefined : Redacted.make(token)
    })
  }).pipe(Effect.provide(FetchHttpClient.layer))

layer(
  serveWithCollectors(
    env,
    Layer.mergeAll(HostCollector.layerMock, ContainerCollector.layerMock, ServiceCollector.layerMock)
  ).pipe(
    Layer.provide(
      ConfigProvider.layer(ConfigProvider.fromUnknown({ SYSTEM_PROFILER_DATA_DIR: path.join(dir, "data") }))
    ),
    // The server on the real clock, not the test's: the clock check compares it with the
    // crafted timesyncd file, written just now.
    Layer.provide(Layer.succeed(Clock.Clock, Clock.Clock.defaultValue()))
  )
)("GET /doctor", (it) => {
  it.effect("reports every check on the configured trees, and not ok when one fails", () =>
    Effect.gen(function* () {
      const report = yield* (yield* clientFor(TOKEN)).doctor()
      assert.deepStrictEqual(
        report.checks.map((c) => c.name),
        [...CHECK_NAMES]
      )
      const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]))
      assert.strictEqual(byName["host-proc"]!.status, "fail")
      assert.include(byName["host-proc"]!.finding, path.join(dir, "proc"))
      assert.strictEqual(byName.docker!.status, "fail")
      assert.include(byName.docker!.finding, path.join(dir, "docker.sock"))
      assert.include(byName.docker!.fix, "/var/run/docker.sock")
      // The rest of the tree is a healthy Pi's.
      for (const name of ["host-sys", "cgroup-memory", "psi", "thermal", "under-voltage", "clock", "port"]) {
        assert.strictEqual(byName[name]!.status, "ok", JSON.stringify(byName[name]))
        assert.isNull(byName[name]!.fix)
      }
      assert.include(byName["data-dir"]!.finding, path.join(dir, "data"))
      assert.isFalse(report.ok)
    })
  )

  it.effect("needs the token, as every route but /health", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip((yield* clientFor(undefined)).doctor())
      assert.strictEqual(error._tag, "Unauthorized")
    })
  )

  it.effect("is in the OpenAPI document with its schema", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const response = yield* HttpClient.get(`${HttpServer.formatAddress(server.address)}/openapi.json`)
      const doc = (yield* response.json) as {
        paths: Record<string, { get?: { security?: unknown } }>
        components: { schemas: Record<string, unknown> }
      }
      assert.isDefined(doc.paths["/doctor"]?.get)
      assert.isNotEmpty(doc.paths["/doctor"]!.get!.security)
      assert.containsAllKeys(doc.components.schemas, ["DoctorReport", "DoctorCheck"])
      // And the report a server sends decodes with the published schema.
      const raw = yield* HttpClient.get(`${HttpServer.formatAddress(server.address)}/doctor`, {
        headers: { "x-profiler-token": TOKEN }
      })
      yield* Schema.decodeUnknownEffect(DoctorReport)(yield* raw.json)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
