// History, uptime and state changes as the collector keeps them, on the TestClock: each sample
// is a step in virtual time, so window edges and timestamps are exact.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { RECENT_CHECKS, ServiceHealthStats } from "../../../src/api/ServiceStats.ts"
import type { Probe } from "../../../src/collectors/services/check.ts"
import type { CollectorSettings } from "../../../src/collectors/services/collector.ts"
import { historyLimits, MAX_BEATS } from "../../../src/collectors/services/history.ts"
import { ConnectionRefused } from "../../../src/collectors/services/ProbeError.ts"
import { parseProbeTargets } from "../../../src/config/services.ts"
import { makeServiceCollector } from "../../support/readings.ts"

const INTERVAL = 30_000
const targets = Effect.runSync(parseProbeTargets("web=http://web:3000/,db=postgres://db:5432"))

/** A probe that plays a script per target: true is an answer, false a refusal, undefined hangs. */
const scripted = (script: Record<string, Array<boolean | undefined>>): Probe => {
  const next = new Map<string, number>()
  return (target) =>
    Effect.suspend(() => {
      const i = next.get(target.name) ?? 0
      next.set(target.name, i + 1)
      const step = script[target.name]?.[Math.min(i, script[target.name]!.length - 1)]
      if (step === undefined) return Effect.never
      return step
        ? Effect.succeed({ latencyMs: 3, statusCode: 200 })
        : Effect.fail(new ConnectionRefused({ address: `${target.host}:${target.port}` }))
    })
}

const settingsWith = (
  windowMillis: number,
  retries = 0
): CollectorSettings & { readonly budget: Duration.Duration } => ({
  targets,
  timeout: Duration.seconds(2),
  retries,
  retryBase: Duration.millis(200),
  budget: Duration.seconds(29),
  history: historyLimits(windowMillis, INTERVAL)
})

const iso = (millis: number) => new Date(millis).toISOString()

describe("service history", () => {
  it.effect("uptime, last change and consecutive failures follow the results", () =>
    Effect.gen(function* () {
      const collector = makeServiceCollector(
        settingsWith(120_000),
        scripted({ web: [true, false, false, true, true], db: [true] })
      )
      const sampleAt = Effect.fnUntraced(function* (millis: number) {
        yield* TestClock.setTime(millis)
        const stats = Schema.decodeUnknownSync(ServiceHealthStats)(yield* collector.sample)
        return stats.services.find((s) => s.name === "web")!
      })

      const first = yield* sampleAt(0)
      assert.isTrue(first.healthy)
      assert.strictEqual(first.lastChange, iso(0))
      assert.strictEqual(first.uptimePercent, 100)
      assert.strictEqual(first.consecutiveFailures, 0)
      assert.strictEqual(first.checksInWindow, 1)
      assert.deepStrictEqual(first.recent, [{ at: 0, ok: true, ms: 3 }])

      const down = yield* sampleAt(30_000)
      assert.isFalse(down.healthy)
      assert.strictEqual(down.reason, "refused")
      assert.strictEqual(down.lastChange, iso(30_000))
      assert.strictEqual(down.consecutiveFailures, 1)
      assert.strictEqual(down.uptimePercent, 50)

      const stillDown = yield* sampleAt(60_000)
      assert.strictEqual(stillDown.lastChange, iso(30_000), "a repeated failure is no change")
      assert.strictEqual(stillDown.consecutiveFailures, 2)
      assert.strictEqual(stillDown.uptimePercent, 33.33)

      const back = yield* sampleAt(90_000)
      assert.isTrue(back.healthy)
      assert.strictEqual(back.lastChange, iso(90_000))
      assert.strictEqual(back.consecutiveFailures, 0)
      assert.strictEqual(back.uptimePercent, 50)
      assert.deepStrictEqual(
        back.recent.map((b) => [b.at, b.ok, b.reason ?? null]),
        [
          [0, true, null],
          [30_000, false, "refused"],
          [60_000, false, "refused"],
          [90_000, true, null]
        ]
      )
      assert.deepStrictEqual(back.recent[1], { at: 30_000, ok: false, ms: null, reason: "refused" })

      // Two minutes of window at 150 s: the beats at 0 s and 30 s have left it.
      const later = yield* sampleAt(150_000)
      assert.deepStrictEqual(
        later.recent.map((b) => b.at),
        [60_000, 90_000, 150_000]
      )
      assert.strictEqual(later.checksInWindow, 3)
      assert.strictEqual(later.uptimePercent, 66.67)
      assert.strictEqual(later.lastChange, iso(90_000), "the change stays known after its beats leave the window")
    })
  )

  it.effect("allHealthy is false while any probe fails", () =>
    Effect.gen(function* () {
      const collector = makeServiceCollector(settingsWith(3_600_000), scripted({ web: [true, false], db: [true] }))
      const first = yield* collector.sample
      assert.isTrue(first.allHealthy)
      assert.strictEqual(first.historyWindowSeconds, 3600)
      yield* TestClock.adjust(INTERVAL)
      const second = yield* collector.sample
      assert.isFalse(second.allHealthy)
      assert.isTrue(second.services.find((s) => s.name === "db")!.healthy)
    })
  )

  it.effect("with no probes configured, the section is an empty, healthy list", () =>
    Effect.gen(function* () {
      const collector = makeServiceCollector({ ...settingsWith(3_600_000), targets: [] }, scripted({}))
      const stats = yield* collector.sample
      assert.deepStrictEqual(stats.services, [])
      assert.isTrue(stats.allHealthy)
    })
  )

  it.effect("the window is bounded by its length at the interval, and by MAX_BEATS; the API carries the last few", () =>
    Effect.gen(function* () {
      const window = 3_600_000
      const collector = makeServiceCollector(settingsWith(window), scripted({ web: [true], db: [true] }))
      let last = yield* collector.sample
      for (let i = 0; i < 200; i++) {
        yield* TestClock.adjust(INTERVAL)
        last = yield* collector.sample
      }
      const web = last.services[0]!
      // Checks strictly inside the last hour: 3600 s / 30 s = 120.
      assert.strictEqual(web.checksInWindow, 120)
      assert.strictEqual(historyLimits(window, 100).maxBeats, MAX_BEATS)
      // Only the newest RECENT_CHECKS go out, oldest first, the last one being this check.
      assert.strictEqual(web.recent.length, RECENT_CHECKS)
      assert.deepStrictEqual(
        web.recent.map((b) => b.at),
        Array.from({ length: RECENT_CHECKS }, (_, i) => 200 * INTERVAL - (RECENT_CHECKS - 1 - i) * INTERVAL)
      )
      assert.strictEqual(iso(web.recent.at(-1)!.at), web.checkedAt)
    })
  )

  it.effect("uptime counts the whole window, also the failures that left the recent list", () =>
    Effect.gen(function* () {
      // 10 failures, then answers: after 40 more checks the failures are out of `recent`.
      const script = [...Array<boolean>(10).fill(false), true]
      const collector = makeServiceCollector(settingsWith(3_600_000), scripted({ web: script, db: [true] }))
      let web = (yield* collector.sample).services[0]!
      for (let i = 1; i < 50; i++) {
        yield* TestClock.adjust(INTERVAL)
        web = Schema.decodeUnknownSync(ServiceHealthStats)(yield* collector.sample).services[0]!
      }
      assert.strictEqual(web.checksInWindow, 50)
      assert.isTrue(web.recent.every((b) => b.ok))
      assert.strictEqual(web.uptimePercent, 80) // 40 of 50
      assert.strictEqual(web.lastChange, iso(10 * INTERVAL))
      assert.strictEqual(web.consecutiveFailures, 0)
    })
  )

  it.effect("retries wait with exponential backoff, and a hung attempt times out", () =>
    Effect.gen(function* () {
      const collector = makeServiceCollector(
        settingsWith(3_600_000, 2),
        scripted({ web: [false, false, true], db: [undefined] })
      )
      const fiber = yield* Effect.forkChild(collector.sample)
      // web: fails, 200 ms, fails, 400 ms, answers. db: 2 s timeout, 200 ms, 2 s, 400 ms, 2 s.
      yield* TestClock.adjust(599)
      assert.isUndefined(fiber.pollUnsafe(), "the sample waits for the backoff")
      yield* TestClock.adjust(6_600 - 599)
      const stats = yield* Fiber.join(fiber)
      const web = stats.services.find((s) => s.name === "web")!
      const db = stats.services.find((s) => s.name === "db")!
      assert.isTrue(web.healthy)
      assert.strictEqual(web.attempts, 3)
      assert.strictEqual(web.checkedAt, iso(600))
      assert.isFalse(db.healthy)
      assert.strictEqual(db.reason, "timeout")
      assert.strictEqual(db.error, "no answer within 2000 ms")
      assert.strictEqual(db.attempts, 3)
      assert.strictEqual(db.checkedAt, iso(6_600))
      assert.isNull(db.latencyMs)
    })
  )

  it.effect("a check that would outlast the sample ends at its budget", () =>
    Effect.gen(function* () {
      const collector = makeServiceCollector(
        { ...settingsWith(3_600_000, 10), budget: Duration.seconds(5) },
        scripted({ web: [true], db: [undefined] })
      )
      const fiber = yield* Effect.forkChild(collector.sample)
      yield* TestClock.adjust(5_000)
      const stats = yield* Fiber.join(fiber)
      const db = stats.services.find((s) => s.name === "db")!
      assert.strictEqual(db.reason, "timeout")
      assert.strictEqual(db.checkedAt, iso(5_000))
      assert.strictEqual(db.attempts, 3, "2 s, 200 ms, 2 s, 400 ms: the third attempt was cut short")
    })
  )
})
