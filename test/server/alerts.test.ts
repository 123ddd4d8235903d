// GET /alerts, GET /alerts/rules, the alert events of /stats/stream and the alerts gauge of
// /metrics, served in memory over the mock collectors and read through the web app's typed
// client. The rules come from a rules file and the notifications go to a webhook receiver on
// loopback, as the service wires them (AlertLoop.layerFromEnv).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, Redacted, Schema, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpRouter, HttpServer } from "effect/http"
import { parse } from "yaml"
import { AlertHistory } from "../../src/alerts/AlertHistory.ts"
import { AlertLoop } from "../../src/alerts/AlertLoop.ts"
import { Alerts } from "../../src/alerts/Alerts.ts"
import { toPrometheusRules } from "../../src/alerts/rulesExport.ts"
import { AlertsOverview } from "../../src/api/Alerts.ts"
import { Stats } from "../../src/api/Stats.ts"
import { makeProfilerClient } from "../../src/client/index.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { ContainerEvents } from "../../src/collectors/containers/events/ContainerEvents.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { layerTest } from "../../src/config/AppConfig.ts"
import { HistoryStore } from "../../src/history/store/HistoryStore.ts"
import { Feed } from "../../src/sampling/Feed.ts"
import { History } from "../../src/sampling/History.ts"
import { Sampler } from "../../src/sampling/Sampler.ts"
import { Routes } from "../../src/server/routes.ts"
import { httpReceiver, type Received } from "../notify/receivers.ts"
import { AlertmanagerWebhook, problemsOf } from "../notify/shapes.ts"
import { temporaryHistoryStore } from "../support/historyStore.ts"

const TOKEN = "alerts-api-token-0123"
const HOOK_USER = "am-user"
const HOOK_PASSWORD = "hookS3cret99"

// The mock host keeps about half its memory available and a load under 2, so MemoryRoomy fires at
// its first sample and LoadSeen is pending for an hour; SoonBusy fires 3 s after it began. The mock's
// second probe drops out one minute in twenty (wall-clock), which would fire the default ProbeDown
// in a run that falls in that minute, so the file switches it off.
const RULES = `
rules:
  - name: ProbeDown
    enabled: false
  - name: MemoryRoomy
    figure: host.memory_available
    comparison: ">"
    threshold: 5
    severity: info
  - name: LoadSeen
    figure: host.load1
    comparison: ">="
    threshold: 0
    for: 1h
  - name: SoonBusy
    figure: host.swap_used
    comparison: ">="
    threshold: 0
    for: 3s
    severity: critical
`

const withRules = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "sp-alerts-api-"))
    const path = join(dir, "alerts.yaml")
    writeFileSync(path, RULES)
    return { dir, path }
  }),
  ({ dir }) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const withReceiver = Effect.acquireRelease(
  Effect.promise(() => httpReceiver(() => ({ status: 200, body: "{}" }))),
  (r) => Effect.promise(() => r.close())
)

/** The routes over the mock collectors, with the alert rules and notifier of `alertEnv`. */
const serve = (alertEnv: Record<string, string>) =>
  HttpRouter.serve(Routes, { disableLogger: true }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(Feed.layer, History.layer, AlertLoop.layerFromEnv(alertEnv)).pipe(
        // The history in the store, as the service keeps it (in a temporary directory here).
        Layer.provide(AlertHistory.layerStore()),
        Layer.provideMerge(
          Sampler.layer.pipe(
            Layer.provide(
              Layer.mergeAll(HostCollector.layerMock, ContainerCollector.layerMock, ServiceCollector.layerMock)
            )
          )
        )
      )
    ),
    Layer.provide(temporaryHistoryStore()),
    Layer.provideMerge(NodeHttpServer.layerTest),
    // GET /events reads the container events: none here.
    Layer.provide(ContainerEvents.layerMock),
    Layer.provide(HistoryStore.layerScratch),
    Layer.provide(
      layerTest({ MOCK_HOST_STATS: "true", SYSTEM_PROFILER_AUTH_TOKEN: TOKEN, SYSTEM_PROFILER_HOST_INTERVAL: "250ms" })
    ),
    Layer.provide(Logger.layer([]))
  )

const typedClient = Effect.gen(function* () {
  const server = yield* HttpServer.HttpServer
  return yield* makeProfilerClient({ baseUrl: HttpServer.formatAddress(server.address), token: Redacted.make(TOKEN) })
}).pipe(Effect.provide(FetchHttpClient.layer))

/** Polls `check` every 50 ms until it gives a value; the test's timeout bounds the wait. */
const until = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
  Effect.gen(function* () {
    for (;;) {
      const value = yield* check
      if (value !== undefined) return value
      yield* Effect.sleep("50 millis")
    }
  })

describe("the alerts routes", () => {
  it.live(
    "GET /alerts: firing, pending, history and the last delivery per destination, decoded by the typed client",
    () =>
      Effect.gen(function* () {
        const { path } = yield* withRules
        const receiver = yield* withReceiver
        const hook = `webhook+http://${HOOK_USER}:${HOOK_PASSWORD}@127.0.0.1:${receiver.port}/hook?token=${HOOK_PASSWORD}`
        yield* Effect.gen(function* () {
          const client = yield* typedClient
          const overview = yield* until(
            Effect.map(client.alerts(), (o) =>
              o.firing.some((a) => a.alertname === "SoonBusy") && o.notifications[0]?.result === "ok" ? o : undefined
            )
          )
          assert.deepStrictEqual(overview.firing.map((a) => `${a.alertname}:${a.subject}:${a.state}`).sort(), [
            "MemoryRoomy:host:firing",
            "SoonBusy:host:firing"
          ])
          assert.deepStrictEqual(
            overview.pending.map((a) => `${a.alertname}:${a.state}:${a.firedAt}`),
            ["LoadSeen:pending:null"]
          )
          assert.includeMembers(
            overview.history.map((t) => `${t.alertname}:${t.event}`),
            ["MemoryRoomy:firing", "SoonBusy:firing"]
          )
          const roomy = overview.firing.find((a) => a.alertname === "MemoryRoomy")!
          assert.strictEqual(roomy.unit, "%")
          assert.isAbove(roomy.value as number, 5)
          assert.isAtMost(roomy.value as number, 100)
          assert.strictEqual(overview.notifications.length, 1)
          const delivery = overview.notifications[0]!
          assert.strictEqual(delivery.destination, `webhook+http://127.0.0.1:${receiver.port}/hook`)
          assert.strictEqual(delivery.kind, "webhook")
          assert.strictEqual(delivery.result, "ok")

          // What the webhook got: Alertmanager's payload for each firing, Basic auth from the URL.
          const firing = yield* Effect.promise(() =>
            receiver.waitFor((r: Received) => JSON.stringify(r.body).includes('"alertname":"SoonBusy"'))
          )
          assert.deepStrictEqual(problemsOf(firing, AlertmanagerWebhook), [])
          assert.strictEqual(
            firing.headers.authorization,
            `Basic ${Buffer.from(`${HOOK_USER}:${HOOK_PASSWORD}`).toString("base64")}`
          )
          assert.strictEqual(firing.path, `/hook?token=${HOOK_PASSWORD}`)
          // Pending alerts are never announced.
          assert.isFalse(receiver.received.some((r) => JSON.stringify(r.body).includes("LoadSeen")))

          // The raw body holds no credential of the destination URL.
          const http = yield* HttpClient.HttpClient
          const raw = yield* (yield* http.get("/alerts", { headers: { "x-profiler-token": TOKEN } })).text
          assert.notInclude(raw, HOOK_PASSWORD)
          assert.notInclude(raw, HOOK_USER)
          Schema.decodeUnknownSync(AlertsOverview)(JSON.parse(raw))

          // The gauge of /metrics follows the open alerts.
          const metrics = yield* (yield* http.get("/metrics", { headers: { "x-profiler-token": TOKEN } })).text
          assert.include(
            metrics,
            'system_profiler_alerts{alertname="SoonBusy",alertstate="firing",severity="critical"} 1'
          )
          assert.include(
            metrics,
            'system_profiler_alerts{alertname="LoadSeen",alertstate="pending",severity="warning"} 1'
          )
        }).pipe(
          Effect.provide(
            serve({
              SYSTEM_PROFILER_ALERTS_FILE: path,
              SYSTEM_PROFILER_ALERTS_GRACE: "0s",
              SYSTEM_PROFILER_NOTIFY: hook
            })
          )
        )
      }).pipe(Effect.scoped)
  )

  it.live("GET /alerts/rules: the rules in force as a Prometheus rules file, as text", () =>
    Effect.gen(function* () {
      const { path } = yield* withRules
      yield* Effect.gen(function* () {
        const client = yield* typedClient
        const text = yield* client.alertRules()
        const http = yield* HttpClient.HttpClient
        const response = yield* http.get("/alerts/rules", { headers: { "x-profiler-token": TOKEN } })
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers["content-type"], "application/yaml; charset=utf-8")
        assert.strictEqual(yield* response.text, text)
        const doc = parse(text) as { groups: ReadonlyArray<{ rules: ReadonlyArray<{ alert: string; for?: string }> }> }
        const names = doc.groups[0]!.rules.map((r) => r.alert)
        // The defaults, then the file's rules.
        assert.includeMembers(names, ["CpuTemperatureHigh", "DiskAlmostFull", "MemoryRoomy", "LoadSeen", "SoonBusy"])
        assert.strictEqual(doc.groups[0]!.rules.find((r) => r.alert === "LoadSeen")!.for, "1h")
        assert.strictEqual(text, toPrometheusRules((yield* Alerts).rules))
      }).pipe(Effect.provide(serve({ SYSTEM_PROFILER_ALERTS_FILE: path, SYSTEM_PROFILER_ALERTS_GRACE: "0s" })))
    }).pipe(Effect.scoped)
  )

  it.live("/stats/stream carries alert changes as `alert` events; the typed stream() still gives snapshots only", () =>
    Effect.gen(function* () {
      const { path } = yield* withRules
      yield* Effect.gen(function* () {
        const client = yield* typedClient
        let fired = false
        const snapshots = yield* Effect.forkChild(
          Effect.flatMap(client.stream(), (s) =>
            s.pipe(
              // Until a snapshot arrives after SoonBusy fired: the alert event went by in between.
              Stream.takeUntil(() => fired),
              Stream.runCollect
            )
          )
        )
        const events = yield* Effect.flatMap(client.streamEvents(), (s) =>
          s.pipe(
            Stream.takeUntil(
              (e) => e.event === "alert" && e.data.alertname === "SoonBusy" && e.data.event === "firing"
            ),
            Stream.runCollect
          )
        )
        fired = true
        const alertEvents = events.flatMap((e) => (e.event === "alert" ? [e.data] : []))
        assert.deepStrictEqual(
          alertEvents.map((e) => `${e.alertname}:${e.event}:${e.state}`).filter((e) => e.startsWith("SoonBusy")),
          ["SoonBusy:firing:firing"]
        )
        const firing = alertEvents.find((e) => e.alertname === "SoonBusy")!
        assert.strictEqual(firing.severity, "critical")
        assert.strictEqual(firing.subjectKind, "host")
        assert.isNotNull(firing.firedAt)
        for (const e of events) if (e.event === "message") Schema.decodeUnknownSync(Stats)(e.data)

        const stats = yield* Fiber.join(snapshots)
        assert.isAtLeast(stats.length, 2)
        for (const s of stats) Schema.decodeUnknownSync(Stats)(s)
      }).pipe(Effect.provide(serve({ SYSTEM_PROFILER_ALERTS_FILE: path, SYSTEM_PROFILER_ALERTS_GRACE: "0s" })))
    }).pipe(Effect.scoped)
  )
})
