// The mock services collector: decodes against the contract, moves with the clock, and carries
// a history as the live collector would, outage included.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { RECENT_CHECKS, ServiceHealthStats } from "../../../src/api/ServiceStats.ts"
import { ServiceCollector } from "../../../src/collectors/services/ServiceCollector.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import { servicesView } from "../../../src/views/services.ts"

const Mock = ServiceCollector.layerMock.pipe(Layer.provide(layerTest({ MOCK_HOST_STATS: "true" })))
const decode = Schema.decodeUnknownSync(ServiceHealthStats)
// Minute 7 of a 20-minute cycle: the second probe's outage.
const OUTAGE = 7 * 60_000 + 10_000

describe("services mock", () => {
  it.effect("shows the pi-site probes, healthy at the epoch, with a full window of history", () =>
    Effect.gen(function* () {
      const stats = decode(servicesView(yield* (yield* ServiceCollector).read(Duration.seconds(29))))
      assert.deepStrictEqual(
        stats.services.map((s) => s.name),
        ["web", "ai-img-validator", "db"]
      )
      assert.isTrue(stats.allHealthy)
      assert.strictEqual(stats.historyWindowSeconds, 3600)
      // One hour at the default 30 s interval, of which the last RECENT_CHECKS are carried.
      for (const s of stats.services) {
        assert.strictEqual(s.checksInWindow, 120)
        assert.strictEqual(s.recent.length, RECENT_CHECKS)
        assert.strictEqual(new Date(s.recent.at(-1)!.at).toISOString(), s.checkedAt)
      }
    }).pipe(Effect.provide(Mock))
  )

  it.effect("drifts, and goes through an outage and back as the clock moves", () =>
    Effect.gen(function* () {
      const collector = yield* ServiceCollector
      const before = decode(servicesView(yield* collector.read(Duration.seconds(29))))
      yield* TestClock.setTime(OUTAGE)
      const during = decode(servicesView(yield* collector.read(Duration.seconds(29))))
      const down = during.services[1]!
      assert.notStrictEqual(during.services[0]!.latencyMs, before.services[0]!.latencyMs)
      assert.isFalse(during.allHealthy)
      assert.isFalse(down.healthy)
      assert.strictEqual(down.reason, "timeout")
      assert.isAbove(down.consecutiveFailures, 0)
      assert.isBelow(down.uptimePercent, 100)
      assert.strictEqual(down.lastChange, new Date(7 * 60_000).toISOString())
      assert.deepStrictEqual(down.recent.at(-1), { at: 7 * 60_000, ok: false, ms: null, reason: "timeout" })

      yield* TestClock.setTime(OUTAGE + 5 * 60_000)
      const after = decode(servicesView(yield* collector.read(Duration.seconds(29))))
      const back = after.services[1]!
      assert.isTrue(back.healthy)
      assert.strictEqual(back.consecutiveFailures, 0)
      assert.strictEqual(back.lastChange, new Date(8 * 60_000).toISOString())
      assert.isBelow(back.uptimePercent, 100)
      assert.isTrue(
        back.recent.some((b) => !b.ok),
        "the outage is still among the recent checks"
      )
    }).pipe(Effect.provide(Mock))
  )
})
