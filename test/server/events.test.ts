// GET /events over a real server and through the typed client: the kept timeline of the window
// asked (the retention by default), a 400 naming what is wrong with a bad window, a 503 when the
// timeline cannot be read, behind the token like every route but /health.

import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted, Schema, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpServer } from "effect/http"
import { Timeline } from "../../src/api/Events.ts"
import { makeProfilerClient } from "../../src/client/index.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import type { ContainerEvent } from "../../src/collectors/containers/events/ContainerEvent.ts"
import { ContainerEvents } from "../../src/collectors/containers/events/ContainerEvents.ts"
import { EventStoreError } from "../../src/collectors/containers/events/EventStore.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { serveWithCollectors, TOKEN } from "../foundation/harness.ts"

const now = Date.now()
const kept: ReadonlyArray<ContainerEvent> = [
  { ago: 3 * 3_600_000, action: "die" as const, exitCode: 1 },
  { ago: 30 * 60_000, action: "die" as const, exitCode: 137 },
  { ago: 29 * 60_000, action: "start" as const, exitCode: null }
].map((e) => ({
  timeNano: BigInt(now - e.ago) * 1_000_000n + 123n,
  id: "a".repeat(64),
  name: "pi-site-web-1",
  action: e.action,
  exitCode: e.exitCode,
  signal: null,
  health: null,
  oomKilled: e.action === "die" ? e.exitCode === 137 : null,
  composeProject: "pi-site",
  composeService: "web"
}))

let failing = false
const events = Layer.succeed(
  ContainerEvents,
  ContainerEvents.of({
    changes: Stream.never,
    timeline: (windowMillis) =>
      failing
        ? Effect.fail(new EventStoreError({ operation: "read", detail: "the store is gone" }))
        : Effect.succeed(kept.filter((e) => e.timeNano >= BigInt(Date.now() - windowMillis) * 1_000_000n)),
    crashLoops: () => Effect.succeed(new Map()),
    status: Effect.succeed({ connected: true, connections: 1, lastError: null, latestNano: null }),
    retention: Duration.hours(24),
    capacity: 10_000
  })
)

const get = (path: string, token: string | null = TOKEN) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.get(path, { headers: token === null ? {} : { "x-profiler-token": token } })
    return { status: response.status, text: yield* response.text }
  })

layer(
  serveWithCollectors(
    { SYSTEM_PROFILER_AUTH_TOKEN: TOKEN },
    Layer.mergeAll(HostCollector.layerMock, ContainerCollector.layerMock, ServiceCollector.layerMock),
    events
  )
)("GET /events", (it) => {
  it.effect("the window asked, oldest first, with the retention and capacity; the retention by default", () =>
    Effect.gen(function* () {
      const { status, text } = yield* get("/events?window=1h")
      assert.strictEqual(status, 200)
      const body = Schema.decodeUnknownSync(Timeline)(JSON.parse(text))
      assert.deepStrictEqual([body.windowSeconds, body.retentionSeconds, body.capacity], [3600, 86_400, 10_000])
      assert.deepStrictEqual(
        body.events.map((e) => [e.action, e.exitCode, e.oomKilled]),
        [
          ["die", 137, true],
          ["start", null, null]
        ]
      )
      // The exact nanoseconds, as a string.
      assert.strictEqual(body.events[0]!.timeNano, kept[1]!.timeNano.toString())
      const all = Schema.decodeUnknownSync(Timeline)(JSON.parse((yield* get("/events")).text))
      assert.deepStrictEqual([all.windowSeconds, all.events.length], [86_400, 3])
    })
  )

  it.effect("a malformed, zero or too long window is a 400 that says what is wrong", () =>
    Effect.gen(function* () {
      for (const [window, words] of [
        ["soon", "window must be"],
        ["0", "longer than zero"],
        ["48h", "at most"]
      ] as const) {
        const { status, text } = yield* get(`/events?window=${window}`)
        assert.strictEqual(status, 400, window)
        assert.include((JSON.parse(text) as { error: string }).error, words, window)
      }
    })
  )

  it.effect("without the token: 401", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* get("/events", null)).status, 401)
      assert.strictEqual((yield* get("/events", "wrong-token-0123456789")).status, 401)
    })
  )

  it.effect("a timeline that cannot be read is a 503 naming why", () =>
    Effect.gen(function* () {
      failing = true
      const { status, text } = yield* get("/events?window=1h").pipe(
        Effect.ensuring(Effect.sync(() => (failing = false)))
      )
      assert.strictEqual(status, 503)
      const body = JSON.parse(text) as { collector: string; reason: string; error: string }
      assert.deepStrictEqual([body.collector, body.reason], ["containers", "unavailable"])
      assert.include(body.error, "the store is gone")
    })
  )

  it.effect("the typed client has it: client.events({ query: { window } })", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const client = yield* makeProfilerClient({
        baseUrl: HttpServer.formatAddress(server.address),
        token: Redacted.make(TOKEN)
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const timeline = yield* client.events({ query: { window: "24h" } })
      assert.strictEqual(timeline.events.length, 3)
      const error = yield* Effect.flip(client.events({ query: { window: "25h" } }))
      assert.strictEqual(error._tag, "InvalidQuery")
    })
  )

  it.effect("the OpenAPI document lists it, with its query and its errors", () =>
    Effect.gen(function* () {
      const doc = JSON.parse((yield* get("/openapi.json")).text) as {
        paths: Record<string, { get: { parameters: Array<{ name: string }>; responses: Record<string, unknown> } }>
      }
      const route = doc.paths["/events"]!.get
      assert.deepStrictEqual(
        route.parameters.map((p) => p.name),
        ["window"]
      )
      assert.includeMembers(Object.keys(route.responses), ["200", "400", "401", "503"])
    })
  )
})
