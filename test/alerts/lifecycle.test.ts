// The alert lifecycle through the Alerts service, on the TestClock: every evaluation happens at a
// time the test sets with TestClock.adjust, never at a real one.

import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, Stream } from "effect"
import { TestClock } from "effect/testing"
import { HOST_SUBJECT } from "../../src/alerts/figures.ts"
import { DEFAULT_RULES } from "../../src/alerts/rules.ts"
import { mockServicesReading } from "../../src/collectors/services/mock.ts"
import { parseProbeTargets } from "../../src/config/services.ts"
import { observationOf } from "../../src/views/observation.ts"
import { failedSection, readingsOf } from "../support/readings.ts"
import { alertsWith, events, hotRule, MINUTE, observe, rulesOf } from "./support.ts"

const hot = hotRule()
const temp = (celsius: number | undefined) => ({
  host: celsius === undefined ? {} : { "host.cpu_temperature": celsius }
})

describe("lifecycle: inactive → pending → firing → resolved", () => {
  it.effect("a breach goes pending, fires once `for` has elapsed, and resolves past the resolve threshold", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(hot)
      assert.deepStrictEqual(yield* observe(alerts, temp(70)), [])
      assert.deepStrictEqual(yield* alerts.current, [])

      yield* TestClock.adjust(10_000)
      const pending = yield* observe(alerts, temp(81))
      assert.deepStrictEqual(events(pending), [`pending:${HOST_SUBJECT}`])
      const p = pending[0]!
      assert.strictEqual(p.alertname, "Hot")
      assert.strictEqual(p.severity, "critical")
      assert.strictEqual(p.state, "pending")
      assert.strictEqual(p.figure, "host.cpu_temperature")
      assert.strictEqual(p.subjectKind, "host")
      assert.strictEqual(p.value, 81)
      assert.strictEqual(p.threshold, 80)
      assert.strictEqual(p.resolveThreshold, 75)
      assert.strictEqual(p.since, 10_000)
      assert.strictEqual(p.at, 10_000)
      assert.deepStrictEqual(p.destinations, ["ntfy://example/topic"])
      assert.deepStrictEqual(
        (yield* alerts.current).map((a) => a.state),
        ["pending"]
      )

      // Still breaching, `for` not yet over: no transition.
      yield* TestClock.adjust(MINUTE)
      assert.deepStrictEqual(yield* observe(alerts, temp(83)), [])

      yield* TestClock.adjust(MINUTE)
      const firing = yield* observe(alerts, temp(84))
      assert.deepStrictEqual(events(firing), [`firing:${HOST_SUBJECT}`])
      assert.strictEqual(firing[0]!.state, "firing")
      assert.strictEqual(firing[0]!.since, 10_000)
      assert.strictEqual(firing[0]!.firedAt, 10_000 + 2 * MINUTE)
      assert.strictEqual(firing[0]!.value, 84)
      assert.match(firing[0]!.summary, /CPU temperature is 84°C \(alert when CPU temperature ≥ 80°C for 2m\)/)
      const [current] = yield* alerts.current
      assert.strictEqual(current?.state, "firing")
      assert.strictEqual(current?.value, 84)

      yield* TestClock.adjust(10_000)
      const resolved = yield* observe(alerts, temp(70))
      assert.deepStrictEqual(events(resolved), [`resolved:${HOST_SUBJECT}`])
      assert.strictEqual(resolved[0]!.state, "resolved")
      assert.strictEqual(resolved[0]!.reason, "recovered")
      assert.strictEqual(resolved[0]!.value, 70)
      assert.strictEqual(resolved[0]!.since, 10_000)
      assert.deepStrictEqual(yield* alerts.current, [])

      // History keeps firing and resolved, not pending.
      assert.deepStrictEqual(
        (yield* alerts.history).map((t) => t.event),
        ["firing", "resolved"]
      )
    }).pipe(Effect.scoped)
  )

  it.effect("a pending alert whose condition clears before `for` is cancelled, and `for` starts over", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(hot)
      yield* observe(alerts, temp(85))
      yield* TestClock.adjust(MINUTE)
      const cancelled = yield* observe(alerts, temp(79))
      assert.deepStrictEqual(events(cancelled), [`cancelled:${HOST_SUBJECT}`])
      assert.strictEqual(cancelled[0]!.state, "inactive")
      assert.strictEqual(cancelled[0]!.reason, "recovered")

      // A new breach counts its `for` from itself, not from the first one.
      yield* TestClock.adjust(10_000)
      assert.deepStrictEqual(events(yield* observe(alerts, temp(85))), [`pending:${HOST_SUBJECT}`])
      yield* TestClock.adjust(MINUTE + 50_000)
      assert.deepStrictEqual(yield* observe(alerts, temp(85)), [])
      yield* TestClock.adjust(10_000)
      assert.deepStrictEqual(events(yield* observe(alerts, temp(85))), [`firing:${HOST_SUBJECT}`])
      assert.deepStrictEqual(yield* alerts.history.pipe(Effect.map((h) => h.map((t) => t.event))), ["firing"])
    }).pipe(Effect.scoped)
  )

  it.effect("a rule with for: 0s fires on its first breach, without a pending step", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf({ name: "Volts", figure: "host.under_voltage", comparison: "==", threshold: true })
      )
      assert.deepStrictEqual(yield* observe(alerts, { host: { "host.under_voltage": false } }), [])
      yield* TestClock.adjust(5000)
      const fired = yield* observe(alerts, { host: { "host.under_voltage": true } })
      assert.deepStrictEqual(events(fired), [`firing:${HOST_SUBJECT}`])
      assert.strictEqual(fired[0]!.value, true)
      assert.strictEqual(fired[0]!.resolveThreshold, null)
      yield* TestClock.adjust(5000)
      assert.deepStrictEqual(events(yield* observe(alerts, { host: { "host.under_voltage": false } })), [
        `resolved:${HOST_SUBJECT}`
      ])
    }).pipe(Effect.scoped)
  )
})

describe("hysteresis", () => {
  // A temperature that hovers at the threshold: without a margin, each crossing would be a
  // notification. 80 °C, resolve 75 °C by default.
  const hovering = [80.5, 79.5, 80.2, 78, 80.1, 76, 79.9, 80.3, 75.5, 79]

  it.effect("a figure hovering at the threshold fires once and does not resolve until it is back past the margin", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf({ name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80 })
      )
      const seen: Array<string> = []
      for (const celsius of hovering) {
        seen.push(...(yield* observe(alerts, temp(celsius))).map((t) => t.event))
        yield* TestClock.adjust(5000)
      }
      assert.deepStrictEqual(seen, ["firing"])
      const resolved = yield* observe(alerts, temp(74.9))
      assert.deepStrictEqual(events(resolved), [`resolved:${HOST_SUBJECT}`])
      assert.match(resolved[0]!.summary, /back past 75°C/)
    }).pipe(Effect.scoped)
  )

  it.effect("with resolve equal to the threshold the same sequence flaps: the margin is what prevents it", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf({ name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80, resolve: 80 })
      )
      const seen: Array<string> = []
      for (const celsius of hovering) {
        seen.push(...(yield* observe(alerts, temp(celsius))).map((t) => t.event))
        yield* TestClock.adjust(5000)
      }
      assert.deepStrictEqual(seen, [
        "firing",
        "resolved",
        "firing",
        "resolved",
        "firing",
        "resolved",
        "firing",
        "resolved"
      ])
    }).pipe(Effect.scoped)
  )

  it.effect("for a lower bound (memory available < 10 %) the margin is above the threshold", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf({ name: "Mem", figure: "host.memory_available", comparison: "<", threshold: 10, resolve: 15 })
      )
      const mem = (percent: number) => ({ host: { "host.memory_available": percent } })
      assert.deepStrictEqual(events(yield* observe(alerts, mem(9))), [`firing:${HOST_SUBJECT}`])
      yield* TestClock.adjust(5000)
      assert.deepStrictEqual(yield* observe(alerts, mem(12)), [])
      yield* TestClock.adjust(5000)
      assert.deepStrictEqual(yield* observe(alerts, mem(14.9)), [])
      yield* TestClock.adjust(5000)
      assert.deepStrictEqual(events(yield* observe(alerts, mem(15))), [`resolved:${HOST_SUBJECT}`])
    }).pipe(Effect.scoped)
  )

  it.effect("a pending alert uses the threshold itself, not the resolve threshold", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(hot)
      yield* observe(alerts, temp(81))
      yield* TestClock.adjust(MINUTE)
      // Inside the hysteresis band but under the threshold: nothing was announced, so it is cancelled.
      assert.deepStrictEqual(events(yield* observe(alerts, temp(78))), [`cancelled:${HOST_SUBJECT}`])
    }).pipe(Effect.scoped)
  )
})

describe("reminders", () => {
  it.effect("a firing alert is repeated at the repeat interval, and never without one", () =>
    Effect.gen(function* () {
      const reminded = rulesOf(
        { name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80, repeat: "30m" },
        { name: "Quiet", figure: "host.cpu_temperature", comparison: ">=", threshold: 80, repeat: "0s" }
      )
      const alerts = yield* alertsWith(reminded)
      const all: Array<string> = []
      // Two hours of evaluations every 5 minutes while it stays hot.
      for (let minute = 0; minute <= 120; minute += 5) {
        const ts = yield* observe(alerts, temp(90))
        all.push(...ts.map((t) => `${minute}:${t.alertname}:${t.event}`))
        yield* TestClock.adjust(5 * MINUTE)
      }
      assert.deepStrictEqual(all, [
        "0:Hot:firing",
        "0:Quiet:firing",
        "30:Hot:reminder",
        "60:Hot:reminder",
        "90:Hot:reminder",
        "120:Hot:reminder"
      ])
      // Reminders go to the stream, not the history.
      assert.deepStrictEqual(
        (yield* alerts.history).map((t) => t.event),
        ["firing", "firing"]
      )
    }).pipe(Effect.scoped)
  )
})

describe("start-up grace", () => {
  it.effect("nothing fires during the grace; what still holds fires at the first evaluation after it", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf({ name: "Volts", figure: "host.under_voltage", comparison: "==", threshold: true }),
        { settings: { graceMillis: 30_000 } }
      )
      const volts = { host: { "host.under_voltage": true } }
      const first = yield* observe(alerts, volts)
      // A `for: 0s` rule inside the grace waits as pending.
      assert.deepStrictEqual(events(first), [`pending:${HOST_SUBJECT}`])
      yield* TestClock.adjust(25_000)
      assert.deepStrictEqual(yield* observe(alerts, volts), [])
      yield* TestClock.adjust(5_000)
      const fired = yield* observe(alerts, volts)
      assert.deepStrictEqual(events(fired), [`firing:${HOST_SUBJECT}`])
      assert.strictEqual(fired[0]!.since, 0)
    }).pipe(Effect.scoped)
  )

  it.effect("`for` counts from the first breach seen in the grace", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(hot, { settings: { graceMillis: 30_000 } })
      yield* observe(alerts, temp(90))
      yield* TestClock.adjust(MINUTE)
      assert.deepStrictEqual(yield* observe(alerts, temp(90)), [])
      yield* TestClock.adjust(MINUTE)
      const fired = yield* observe(alerts, temp(90))
      assert.deepStrictEqual(events(fired), [`firing:${HOST_SUBJECT}`])
      assert.strictEqual(fired[0]!.since, 0)
    }).pipe(Effect.scoped)
  )

  it.effect("the grace is never longer than a minute, whatever is asked", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf({ name: "Volts", figure: "host.under_voltage", comparison: "==", threshold: true }),
        { settings: { graceMillis: 10 * MINUTE } }
      )
      const volts = { host: { "host.under_voltage": true } }
      yield* observe(alerts, volts)
      yield* TestClock.adjust(59_000)
      assert.deepStrictEqual(yield* observe(alerts, volts), [])
      yield* TestClock.adjust(1000)
      assert.deepStrictEqual(events(yield* observe(alerts, volts)), [`firing:${HOST_SUBJECT}`])
    }).pipe(Effect.scoped)
  )

  it.effect("an unsampled figure is never a breach: not in the grace, not after it", () =>
    Effect.gen(function* () {
      // Every default rule, and nothing sampled yet: the subjects are known, their figures are not.
      const alerts = yield* alertsWith(DEFAULT_RULES, { settings: { graceMillis: 30_000 } })
      const nothing = { host: {}, disk: { "/": {} }, container: { web: {} }, probe: { site: {} } }
      for (let i = 0; i < 24; i++) {
        assert.deepStrictEqual(yield* observe(alerts, nothing), [])
        yield* TestClock.adjust(5000)
      }
      // Not even the kinds whose subjects are unknown (collector down).
      assert.deepStrictEqual(yield* observe(alerts, {}), [])
      assert.deepStrictEqual(yield* alerts.current, [])
    }).pipe(Effect.scoped)
  )
})

describe("the default TlsCertificateExpiring, on what the https probe was shown", () => {
  const DAY = 86_400_000
  const targets = Effect.runSync(parseProbeTargets("site=https://example.org/,fresh=https://fresh.example.org/"))
  const services = mockServicesReading(targets, 0, {
    intervalMillis: 30_000,
    windowMillis: 3_600_000,
    timeoutMillis: 2000
  })
  /** The readings with site's certificate expiring `days` after its check; fresh keeps the mock's 60 days. */
  const siteExpiringIn = (days: number) =>
    observationOf(
      readingsOf(0, {
        host: failedSection("host"),
        containers: failedSection("containers"),
        services: {
          ...services,
          probes: services.probes.map((p) =>
            p.name === "site" ? { ...p, last: { ...p.last, tlsNotAfter: p.last.at + days * DAY } } : p
          )
        }
      })
    )

  it.effect("a certificate 10 days from expiry fires once the grace is past; a renewed one resolves it", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(DEFAULT_RULES, { settings: { graceMillis: 30_000 } })
      // `for: 0s`, but inside the grace: pending only.
      assert.deepStrictEqual(events(yield* alerts.evaluate(siteExpiringIn(10))), ["pending:site"])
      yield* TestClock.adjust(30_000)
      const fired = yield* alerts.evaluate(siteExpiringIn(10))
      assert.deepStrictEqual(events(fired), ["firing:site"])
      assert.strictEqual(fired[0]!.alertname, "TlsCertificateExpiring")
      assert.strictEqual(fired[0]!.severity, "warning")
      assert.strictEqual(fired[0]!.value, 10)
      assert.strictEqual(fired[0]!.threshold, 14)

      yield* TestClock.adjust(MINUTE)
      const renewed = yield* alerts.evaluate(siteExpiringIn(89.5))
      assert.deepStrictEqual(events(renewed), ["resolved:site"])
      assert.strictEqual(renewed[0]!.reason, "recovered")
      assert.deepStrictEqual(yield* alerts.current, [])
    }).pipe(Effect.scoped)
  )
})

describe("missing data and disappearing subjects", () => {
  const down = rulesOf({
    name: "Down",
    figure: "container.running",
    comparison: "==",
    threshold: false,
    for: "1m"
  })

  it.effect("a firing alert holds while its figure is not sampled, and ends as no-data after 10 minutes", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(hot)
      yield* observe(alerts, temp(90))
      yield* TestClock.adjust(2 * MINUTE)
      assert.deepStrictEqual(events(yield* observe(alerts, temp(90))), [`firing:${HOST_SUBJECT}`])
      for (let i = 0; i < 9; i++) {
        yield* TestClock.adjust(MINUTE)
        assert.deepStrictEqual(yield* observe(alerts, temp(undefined)), [])
      }
      // Data again: the clock of missing data starts over.
      yield* TestClock.adjust(MINUTE)
      assert.deepStrictEqual(yield* observe(alerts, temp(90)), [])
      for (let i = 0; i < 10; i++) {
        yield* TestClock.adjust(MINUTE)
        assert.deepStrictEqual(yield* observe(alerts, temp(undefined)), [])
      }
      yield* TestClock.adjust(MINUTE)
      const ended = yield* observe(alerts, temp(undefined))
      assert.deepStrictEqual(events(ended), [`resolved:${HOST_SUBJECT}`])
      assert.strictEqual(ended[0]!.reason, "no-data")
      assert.isNull(ended[0]!.value)
    }).pipe(Effect.scoped)
  )

  it.effect("a removed container resolves its firing alert and cancels its pending one (subject-gone)", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(down)
      const stopped = { "container.running": false }
      yield* observe(alerts, { container: { web: stopped, db: { "container.running": true } } })
      yield* TestClock.adjust(MINUTE)
      assert.deepStrictEqual(events(yield* observe(alerts, { container: { web: stopped, db: stopped } })), [
        "firing:web",
        "pending:db"
      ])
      yield* TestClock.adjust(10_000)
      const gone = yield* observe(alerts, { container: {} })
      assert.deepStrictEqual(events(gone), ["resolved:web", "cancelled:db"])
      assert.deepStrictEqual(
        gone.map((t) => t.reason),
        ["subject-gone", "subject-gone"]
      )
      assert.deepStrictEqual(yield* alerts.current, [])
    }).pipe(Effect.scoped)
  )

  it.effect("when a kind's subjects are unknown (collector down), its alerts hold instead of ending", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(down)
      yield* observe(alerts, { container: { web: { "container.running": false } } })
      yield* TestClock.adjust(MINUTE)
      assert.deepStrictEqual(events(yield* observe(alerts, { container: { web: { "container.running": false } } })), [
        "firing:web"
      ])
      for (let i = 0; i < 5; i++) {
        yield* TestClock.adjust(MINUTE)
        assert.deepStrictEqual(yield* observe(alerts, { host: {} }), [])
      }
      assert.deepStrictEqual(
        (yield* alerts.current).map((a) => `${a.state}:${a.subject}`),
        ["firing:web"]
      )
      yield* TestClock.adjust(MINUTE)
      assert.deepStrictEqual(events(yield* observe(alerts, { container: { web: { "container.running": true } } })), [
        "resolved:web"
      ])
    }).pipe(Effect.scoped)
  )

  it.effect("per-subject rules watch only the subjects they name", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(
        rulesOf({ name: "Full", figure: "disk.used", subjects: ["/"], comparison: ">=", threshold: 90 })
      )
      const ts = yield* observe(alerts, { disk: { "/": { "disk.used": 95 }, "/var/lib/docker": { "disk.used": 99 } } })
      assert.deepStrictEqual(events(ts), ["firing:/"])
      assert.strictEqual(ts[0]!.subjectKind, "disk")
    }).pipe(Effect.scoped)
  )
})

describe("increase figures (crash loop)", () => {
  const loop = rulesOf({
    name: "Loop",
    figure: "container.restarts",
    comparison: ">=",
    threshold: 3,
    window: "10m"
  })
  const restarts = (n: number) => ({ container: { web: { "container.restarts": n } } })

  it.effect("3 restarts within 10 minutes fire; the alert resolves once they leave the window", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(loop)
      // Restarts from before this service started are the baseline, not a crash loop.
      assert.deepStrictEqual(yield* observe(alerts, restarts(7)), [])
      for (const n of [8, 9]) {
        yield* TestClock.adjust(2 * MINUTE)
        assert.deepStrictEqual(yield* observe(alerts, restarts(n)), [])
      }
      yield* TestClock.adjust(2 * MINUTE)
      const fired = yield* observe(alerts, restarts(10))
      assert.deepStrictEqual(events(fired), ["firing:web"])
      assert.strictEqual(fired[0]!.value, 3)
      // Stable from minute 6 on: the first of the three restarts (minute 2) leaves the window at 12.
      yield* TestClock.adjust(5 * MINUTE)
      assert.deepStrictEqual(yield* observe(alerts, restarts(10)), [])
      yield* TestClock.adjust(MINUTE)
      const resolved = yield* observe(alerts, restarts(10))
      assert.deepStrictEqual(events(resolved), ["resolved:web"])
      assert.strictEqual(resolved[0]!.value, 2)
    }).pipe(Effect.scoped)
  )

  it.effect("a counter that goes back to 0 (container re-created) counts as a reset, not as a drop", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(loop)
      yield* observe(alerts, restarts(5))
      yield* TestClock.adjust(MINUTE)
      yield* observe(alerts, restarts(6))
      yield* TestClock.adjust(MINUTE)
      yield* observe(alerts, restarts(0))
      yield* TestClock.adjust(MINUTE)
      const fired = yield* observe(alerts, restarts(2))
      // 5→6 (+1), reset to 0 (+0), 0→2 (+2).
      assert.deepStrictEqual(events(fired), ["firing:web"])
      assert.strictEqual(fired[0]!.value, 3)
    }).pipe(Effect.scoped)
  )
})

describe("the service", () => {
  it.effect("the stream carries every transition in order; history stays bounded", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(hot, { historyLimit: 4 })
      const fiber = yield* alerts.transitions.pipe(
        Stream.take(7),
        Stream.runCollect,
        Effect.forkChild({ startImmediately: true })
      )
      yield* Effect.yieldNow
      // Five flips between fired and resolved, each a firing or resolved event (for: 2m elapsed).
      yield* observe(alerts, temp(90))
      for (let i = 0; i < 3; i++) {
        yield* TestClock.adjust(2 * MINUTE)
        yield* observe(alerts, temp(90))
        yield* TestClock.adjust(MINUTE)
        yield* observe(alerts, temp(50))
        yield* TestClock.adjust(MINUTE)
        yield* observe(alerts, temp(90))
      }
      const streamed = yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        streamed.map((t) => t.event),
        ["pending", "firing", "resolved", "pending", "firing", "resolved", "pending"]
      )
      const history = yield* alerts.history
      assert.strictEqual(history.length, 4)
      assert.deepStrictEqual(
        history.map((t) => t.event),
        ["firing", "resolved", "firing", "resolved"]
      )
      // The oldest were dropped, not the newest.
      assert.strictEqual(history.at(-1)!.at, streamed[5]!.at + 4 * MINUTE)
    }).pipe(Effect.scoped)
  )

  it.effect("an observation that throws costs one evaluation, not the service or its caller", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(hot)
      yield* observe(alerts, temp(90))
      const broken = {
        value: () => {
          throw new Error("reading vanished")
        },
        subjects: () => []
      }
      assert.deepStrictEqual(yield* alerts.evaluate(broken), [])
      assert.deepStrictEqual(
        (yield* alerts.current).map((a) => a.state),
        ["pending"]
      )
      yield* TestClock.adjust(2 * MINUTE)
      assert.deepStrictEqual(events(yield* observe(alerts, temp(90))), [`firing:${HOST_SUBJECT}`])
      // The same with no alert open, where a quiet reading skips the step.
      const calm = yield* alertsWith(hot)
      yield* observe(calm, temp(50))
      assert.deepStrictEqual(yield* calm.evaluate(broken), [])
      assert.deepStrictEqual(events(yield* observe(calm, temp(90))), [`pending:${HOST_SUBJECT}`])
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([])))
  )

  it.effect("state stays bounded while containers come and go", () =>
    Effect.gen(function* () {
      const alerts = yield* alertsWith(DEFAULT_RULES)
      for (let round = 0; round < 200; round++) {
        const name = `job-${round}`
        yield* observe(alerts, {
          container: { [name]: { "container.running": false, "container.restarts": round % 7 } }
        })
        yield* TestClock.adjust(30_000)
      }
      // Only the container present now has an alert; the 199 that came and went left nothing.
      assert.deepStrictEqual(
        (yield* alerts.current).map((a) => a.subject),
        ["job-199"]
      )
    }).pipe(Effect.scoped)
  )
})
