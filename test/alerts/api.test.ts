// GET /alerts: the body the view builds is what the contract declares, and it never carries a
// destination (which may hold a token).

import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
import { TestClock } from "effect/testing"
import { alertsView } from "../../src/alerts/view.ts"
import { AlertsOverview as AlertsBody, AlertsGroup } from "../../src/api/Alerts.ts"
import { alertsWith, MINUTE, observe, rulesOf } from "./support.ts"

const SECRET = "ntfy://user:s3cret-token@ntfy.example/pi"

describe("GET /alerts body", () => {
  it.effect("firing, pending and history decode with the API schema, without destinations", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf(
          { name: "Down", figure: "container.running", comparison: "==", threshold: false, for: "1m" },
          { name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80, destinations: [SECRET] }
        )
      )
      yield* TestClock.adjust(1000)
      yield* observe(alerts, {
        host: { "host.cpu_temperature": 90 },
        container: { web: { "container.running": false } }
      })
      yield* TestClock.adjust(MINUTE)
      yield* observe(alerts, {
        host: { "host.cpu_temperature": 60 },
        container: { web: { "container.running": false } }
      })
      yield* TestClock.adjust(MINUTE)
      yield* observe(alerts, {
        host: { "host.cpu_temperature": 95 },
        container: { db: { "container.running": false } }
      })

      const body = alertsView(yield* alerts.current, yield* alerts.history)
      const decoded = Schema.decodeUnknownSync(AlertsBody)(body)
      assert.deepStrictEqual(
        decoded.firing.map((a) => `${a.alertname}:${a.subject}`),
        ["Hot:host"]
      )
      assert.deepStrictEqual(
        decoded.pending.map((a) => `${a.alertname}:${a.subject}`),
        ["Down:db"]
      )
      assert.deepStrictEqual(
        decoded.history.map((t) => `${t.alertname}:${t.event}:${t.reason}`),
        [
          "Hot:firing:null",
          "Down:firing:null",
          "Hot:resolved:recovered",
          "Hot:firing:null",
          "Down:resolved:subject-gone"
        ]
      )
      assert.strictEqual(decoded.firing[0]!.since, new Date(2 * MINUTE + 1000).toISOString())
      assert.strictEqual(decoded.history[0]!.at, new Date(1000).toISOString())
      assert.notInclude(JSON.stringify(body), "s3cret")
      assert.notInclude(JSON.stringify(body), "destinations")
    }).pipe(Effect.scoped)
  )

  it("AlertsGroup builds an OpenAPI document once added to an API", () => {
    const spec = OpenApi.fromApi(HttpApi.make("test").add(AlertsGroup))
    assert.containsAllKeys(spec.paths, ["/alerts", "/alerts/rules"])
    assert.include(JSON.stringify(spec.paths["/alerts/rules"]), "application/yaml")
  })
})
