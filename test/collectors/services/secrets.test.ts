// Secrets in probe targets: planted in user info, the query and webhook-token-like path segments,
// they reach the probed server (so they are in use) and nothing else: no route, no metric label,
// no stream event, no history point, no log line. A malformed SYSTEM_PROFILER_SERVICES entry
// holding a URL or user info is never echoed in its configuration error.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { REDACTED } from "../../../src/config/redact.ts"
import { parseProbeTargets } from "../../../src/config/services.ts"
import { eventually } from "../../support/processFigures.ts"
import { dataDirEnv, type Service, startService } from "../../support/service.ts"

const PLANTED = {
  user: "plantedUser",
  password: "PlantedPass1x",
  hookToken: "PlantedHook9Token8Xk2Lm",
  hookUuid: "5f2c1e8a-9b3d-4c6e-8f0a-1b2c3d4e5f60",
  query: "PlantedQuery7Tok3n",
  apiKey: "PlantedKey5abc",
  dbPassword: "PlantedDbPass4",
  dbQuery: "PlantedPgQ6",
  // Notification URLs (SYSTEM_PROFILER_NOTIFY): user info, query and path of a webhook, an ntfy
  // token and topic, a gotify token.
  notifyUser: "PlantedNotifyUser",
  notifyPassword: "PlantedNotifyPass3",
  notifyHookToken: "PlantedNotifyHook7Tk",
  notifyQuery: "PlantedNotifyQ2",
  ntfyToken: "tk_PlantedNtfy4",
  ntfyTopic: "PlantedTopic5",
  gotifyToken: "PlantedGotify6Tok"
} as const

const planted = Object.values(PLANTED)

describe("a SYSTEM_PROFILER_SERVICES entry that holds a URL or user info", () => {
  const bad: ReadonlyArray<string> = [
    // No name at all: "is not name=url".
    `https://${PLANTED.user}:${PLANTED.password}@hooks.example/services/T0/B0/${PLANTED.hookToken}`,
    // The name ends inside the URL, at an = of its query or path: "is not a valid name".
    `https://${PLANTED.user}:${PLANTED.password}@hooks.example/x?token=${PLANTED.query}`,
    `postgres://app:${PLANTED.dbPassword}@db:5432/app?password=${PLANTED.dbQuery}`,
    // User info without a scheme.
    `${PLANTED.user}:${PLANTED.password}=x@db:5432`,
    `web=http://web/,=https://${PLANTED.user}:${PLANTED.password}@api.example/`
  ]
  for (const raw of bad) {
    it.effect(`is named by its position, never echoed: ${raw.slice(0, 24)}...`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(parseProbeTargets(raw))
        assert.strictEqual(error.variable, "SYSTEM_PROFILER_SERVICES")
        assert.match(error.problem, /entry \d/)
        for (const secret of planted) assert.notInclude(error.message, secret)
      })
    )
  }

  it("stops the process with a log line that holds none of it", async () => {
    const main = fileURLToPath(new URL("../../../src/main.ts", import.meta.url))
    const child: ChildProcess = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? "",
        MOCK_HOST_STATS: "true",
        SYSTEM_PROFILER_SERVICES: bad.join(","),
        ...dataDirEnv()
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
    const [code] = (await once(child, "exit")) as [number | null]
    assert.strictEqual(code, 1, output)
    assert.include(output, "SYSTEM_PROFILER_SERVICES")
    for (const secret of planted) assert.notInclude(output, secret)
  })
})

describe("probe targets and notification URLs with secrets, as the running service publishes them", () => {
  let server: http.Server
  let port: number
  const seen: Array<{ url: string; authorization: string | undefined; gotifyKey: string | undefined; body: string }> =
    []
  let service: Service

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = ""
      req.on("data", (d: Buffer) => (body += d.toString()))
      req.on("end", () => {
        const gotifyKey = req.headers["x-gotify-key"]
        seen.push({
          url: req.url ?? "",
          authorization: req.headers.authorization,
          gotifyKey: typeof gotifyKey === "string" ? gotifyKey : undefined,
          body
        })
        res.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    port = (server.address() as AddressInfo).port
    const services = [
      `hook=http://${PLANTED.user}:${PLANTED.password}@127.0.0.1:${port}/services/T0AB1CD2E/B0FG3HI4J/${PLANTED.hookToken}#status=200`,
      `ping=http://127.0.0.1:${port}/ping/${PLANTED.hookUuid}`,
      `ready=http://127.0.0.1:${port}/ready?token=${PLANTED.query}&api_key=${PLANTED.apiKey}`,
      // Nothing listens on port 1: a failing probe publishes its target and an error too.
      `db=postgres://app:${PLANTED.dbPassword}@127.0.0.1:1/app?password=${PLANTED.dbQuery}`
    ]
    service = await startService(
      {
        // Live probes (the mock only pretends); no Docker needed.
        DOCKER_HOST: "unix:///nonexistent/docker.sock",
        SYSTEM_PROFILER_SERVICES: services.join(","),
        SYSTEM_PROFILER_SERVICES_INTERVAL: "300ms",
        SYSTEM_PROFILER_PROBE_TIMEOUT: "200ms",
        SYSTEM_PROFILER_PROBE_RETRIES: "0",
        // The failing db probe fires ProbeDown at once, which is delivered to each of these.
        SYSTEM_PROFILER_ALERTS_GRACE: "0s",
        SYSTEM_PROFILER_NOTIFY: [
          `webhook+http://${PLANTED.notifyUser}:${PLANTED.notifyPassword}@127.0.0.1:${port}/hooks/${PLANTED.notifyHookToken}?token=${PLANTED.notifyQuery}`,
          `ntfy://:${PLANTED.ntfyToken}@127.0.0.1:${port}/${PLANTED.ntfyTopic}?scheme=http`,
          `gotify://127.0.0.1:${port}/${PLANTED.gotifyToken}?disabletls=yes`
        ].join(",")
      },
      "secrets-test-token"
    )
  })

  afterAll(async () => {
    await service?.stop()
    server?.close()
  })

  it("reach the probed server and nothing else", async () => {
    // The secrets are in use: the probes sent them.
    assert.isTrue(
      await eventually(() => seen.some((r) => r.url.includes(PLANTED.query)) && seen.length >= 6, 20_000),
      "the probes never ran"
    )
    assert.isTrue(seen.some((r) => r.url.endsWith(PLANTED.hookToken) && r.authorization !== undefined))
    // The notification secrets are in use too: ProbeDown reached each destination with them.
    assert.isTrue(
      await eventually(
        () =>
          seen.some((r) => r.url === `/hooks/${PLANTED.notifyHookToken}?token=${PLANTED.notifyQuery}`) &&
          seen.some((r) => r.authorization === `Bearer ${PLANTED.ntfyToken}` && r.body.includes(PLANTED.ntfyTopic)) &&
          seen.some((r) => r.gotifyKey === PLANTED.gotifyToken),
        20_000
      ),
      "the notifications were never delivered"
    )

    const services = await service.get("/services")
    assert.strictEqual(services.status, 200, services.body)
    const targets = Object.fromEntries(
      (JSON.parse(services.body) as { services: Array<{ name: string; target: string }> }).services.map((s) => [
        s.name,
        s.target
      ])
    )
    assert.deepStrictEqual(targets, {
      hook: `http://127.0.0.1:${port}/services/T0AB1CD2E/B0FG3HI4J/${REDACTED}`,
      ping: `http://127.0.0.1:${port}/ping/${REDACTED}`,
      ready: `http://127.0.0.1:${port}/ready`,
      db: "postgres://127.0.0.1:1"
    })

    const published = [
      services.body,
      (await service.get("/stats")).body,
      (await service.get("/metrics")).body,
      (await service.get("/history")).body,
      (await service.get("/stats/stream", { maxMs: 1_500 })).body,
      (await service.get("/alerts")).body,
      service.output()
    ]
    assert.include(published[2], `target="http://127.0.0.1:${port}/ready"`)
    assert.include(published[4], "data:")
    // Each destination is named by its display form only.
    for (const display of [
      `webhook+http://127.0.0.1:${port}/hooks/${REDACTED}`,
      `ntfy://127.0.0.1:${port}/${REDACTED}`,
      `gotify://127.0.0.1:${port}/${REDACTED}`
    ]) {
      assert.include(published[5], display)
    }
    for (const [i, text] of published.entries()) {
      for (const secret of planted) assert.notInclude(text, secret, `published text ${i}`)
    }
  })
})
