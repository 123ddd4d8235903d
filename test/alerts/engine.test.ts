// The pure step function on its own: what the service test cannot see (the state it keeps).

import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { idle, idleChecker, initialState, step } from "../../src/alerts/engine.ts"
import { makeObservation } from "../../src/alerts/Observation.ts"
import { MINUTE, rulesOf } from "./support.ts"

const down = rulesOf(
  { name: "Down", figure: "container.running", comparison: "==", threshold: false },
  { name: "Loop", figure: "container.restarts", comparison: ">=", threshold: 3, window: "10m" }
)

describe("engine step", () => {
  it("a rule switched off or removed resolves its firing alerts (rule-removed)", () => {
    const obs = makeObservation({ container: { web: { "container.running": false } } })
    const first = step(initialState({ graceMillis: 0 }), down, obs, 0)
    assert.deepStrictEqual(
      first.transitions.map((t) => `${t.alertname}:${t.event}`),
      ["Down:firing"]
    )
    const off = down.map((r) => (r.name === "Down" ? { ...r, enabled: false } : r))
    const second = step(first.state, off, obs, MINUTE)
    assert.deepStrictEqual(
      second.transitions.map((t) => `${t.alertname}:${t.event}:${t.reason}`),
      ["Down:resolved:rule-removed"]
    )
    assert.strictEqual(second.state.instances.size, 0)
    // Removed outright, the same.
    const third = step(first.state, [], obs, MINUTE)
    assert.deepStrictEqual(
      third.transitions.map((t) => t.reason),
      ["rule-removed"]
    )
  })

  it("counter history is kept per present subject only, and capped", () => {
    let state = initialState({ graceMillis: 0, maxSeriesPoints: 8 })
    // A container restarting every 10 s for an hour: 360 changes, far more than the cap.
    for (let i = 0; i < 360; i++) {
      const obs = makeObservation({
        container: { web: { "container.restarts": i, "container.running": true }, [`gone-${i}`]: {} }
      })
      state = step(state, down, obs, i * 10_000).state
      assert.isAtMost(state.series.get("container.restarts\u0000web")?.length ?? 0, 8)
    }
    assert.deepStrictEqual([...state.series.keys()], ["container.restarts\u0000web"])
    // Capped history still sees the crash loop.
    assert.deepStrictEqual(
      [...state.instances.values()].map((i) => `${i.rule.name}:${i.state}`),
      ["Loop:firing"]
    )
    // Gone: its series goes with it.
    state = step(state, down, makeObservation({ container: {} }), 3600_000).state
    assert.strictEqual(state.series.size, 0)
    assert.strictEqual(state.instances.size, 0)
  })

  it("a value of the wrong type counts as not sampled", () => {
    const rules = rulesOf({ name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80 })
    const weird = makeObservation({ host: { "host.cpu_temperature": true } })
    assert.deepStrictEqual(step(initialState({ graceMillis: 0 }), rules, weird, 0).transitions, [])
    const nan = makeObservation({ host: { "host.cpu_temperature": Number.NaN } })
    assert.deepStrictEqual(step(initialState({ graceMillis: 0 }), rules, nan, 0).transitions, [])
  })

  it("the same subject listed twice is evaluated once", () => {
    const obs = {
      value: () => false,
      subjects: () => ["web", "web"]
    }
    const result = step(initialState({ graceMillis: 0 }), down.slice(0, 1), obs, 0)
    assert.deepStrictEqual(
      result.transitions.map((t) => t.subject),
      ["web"]
    )
  })
})

// Every kind of rule the engine has: for, none, a counter with and without its own window, a
// boolean, "fewer than" on a counter (which a counter sliding out of its window can make hold).
const mixed = rulesOf(
  { name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80, for: "2m" },
  { name: "Down", figure: "container.running", comparison: "==", threshold: false, for: "1m" },
  { name: "Loop", figure: "container.restarts", comparison: ">=", threshold: 3, window: "10m" },
  { name: "LoopAny", figure: "container.restarts", comparison: ">=", threshold: 5 },
  { name: "Calm", figure: "container.restarts", comparison: "<", threshold: 1, window: "5m", subjects: ["db"] },
  { name: "Probe", figure: "probe.consecutive_failures", comparison: ">=", threshold: 2 }
)

const reading = fc.record({
  // Mostly quiet, as at idle, with a breach now and then.
  temperature: fc.constantFrom(undefined, 50, 50, 50, 79, 85),
  containers: fc.option(
    fc.dictionary(
      fc.constantFrom("web", "db", "cache"),
      fc.record({
        running: fc.constantFrom(true, true, true, true, false),
        restarts: fc.constantFrom(undefined, 0, 2, 2, 2, 2, 2, 6)
      })
    ),
    { nil: undefined }
  ),
  failures: fc.constantFrom(undefined, 0, 0, 0, 0, 1, 3),
  after: fc.constantFrom(5_000, 10_000, 60_000, 5 * MINUTE, 11 * MINUTE)
})

describe("engine idle", () => {
  it("skipping the steps it calls idle changes no transition, whatever the readings and their times", () => {
    let skippedInAll = 0
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 40 }), fc.constantFrom(0, 30_000), (readings, graceMillis) => {
        let always = initialState({ graceMillis }, 0)
        let skipping = initialState({ graceMillis }, 0)
        let now = 0
        let skipped = 0
        for (const r of readings) {
          now += r.after
          const obs = makeObservation({
            ...(r.temperature === undefined ? {} : { host: { "host.cpu_temperature": r.temperature } }),
            ...(r.containers === undefined
              ? {}
              : {
                  container: Object.fromEntries(
                    Object.entries(r.containers).map(([name, c]) => [
                      name,
                      {
                        "container.running": c.running,
                        ...(c.restarts === undefined ? {} : { "container.restarts": c.restarts })
                      }
                    ])
                  )
                }),
            probe: { api: r.failures === undefined ? {} : { "probe.consecutive_failures": r.failures } }
          })
          const full = step(always, mixed, obs, now)
          always = full.state
          if (idle(skipping, mixed, obs, now)) {
            skipped++
            assert.deepStrictEqual(full.transitions, [])
            continue
          }
          const next = step(skipping, mixed, obs, now)
          skipping = next.state
          assert.deepStrictEqual(next.transitions, full.transitions)
        }
        assert.deepStrictEqual([...skipping.instances.keys()], [...always.instances.keys()])
        skippedInAll += skipped
      }),
      { numRuns: 300 }
    )
    // The readings are such that many steps are idle: the property is not vacuous.
    assert.isAbove(skippedInAll, 20)
  })

  it("idleChecker answers as idle does, skipping the kinds whose figures are the same records", () => {
    let reused = 0
    // A reading, or the last one again later (nothing observed changed, time went by), as at idle.
    const readingOrAgain = fc.oneof(
      reading,
      fc.record({ again: fc.constant(true), after: fc.constantFrom(5_000, 60_000, 5 * MINUTE, 11 * MINUTE) })
    )
    fc.assert(
      fc.property(fc.array(readingOrAgain, { maxLength: 40 }), fc.constantFrom(0, 30_000), (readings, graceMillis) => {
        const check = idleChecker(mixed)
        // As the alert loop's observer does: a section whose figures did not change is the same record.
        const records = new Map<string, object>()
        const same = <A extends object>(record: A): A => {
          const key = JSON.stringify(record)
          const known = records.get(key)
          if (known !== undefined) reused++
          else records.set(key, record)
          return (known ?? record) as A
        }
        let state = initialState({ graceMillis }, 0)
        let now = 0
        let last: typeof reading extends fc.Arbitrary<infer R> ? R : never = {
          temperature: undefined,
          containers: undefined,
          failures: undefined,
          after: 0
        }
        for (const next of readings) {
          now += next.after
          const r = "again" in next ? last : next
          last = r
          const obs = makeObservation({
            ...(r.temperature === undefined ? {} : { host: same({ "host.cpu_temperature": r.temperature }) }),
            ...(r.containers === undefined
              ? {}
              : {
                  container: same(
                    Object.fromEntries(
                      Object.entries(r.containers).map(([name, c]) => [
                        name,
                        {
                          "container.running": c.running,
                          ...(c.restarts === undefined ? {} : { "container.restarts": c.restarts })
                        }
                      ])
                    )
                  )
                }),
            probe: same({ api: r.failures === undefined ? {} : { "probe.consecutive_failures": r.failures } })
          })
          const expected = idle(state, mixed, obs, now)
          assert.strictEqual(check(state, obs, now), expected)
          if (!expected) state = step(state, mixed, obs, now).state
        }
      }),
      { numRuns: 1000 }
    )
    assert.isAbove(reused, 100)
  })

  it("an open alert, a holding condition or a new counter value is never idle", () => {
    const quiet = step(initialState({ graceMillis: 0 }, 0), down, makeObservation({ container: {} }), 0).state
    const web = (running: boolean, restarts: number) =>
      makeObservation({ container: { web: { "container.running": running, "container.restarts": restarts } } })
    assert.isTrue(idle(quiet, down, makeObservation({ container: {} }), MINUTE))
    // A new counter value is a new point, before it holds.
    assert.isFalse(idle(quiet, down, web(true, 0), MINUTE))
    const counted = step(quiet, down, web(true, 0), MINUTE).state
    assert.isTrue(idle(counted, down, web(true, 0), 2 * MINUTE))
    assert.isFalse(idle(counted, down, web(false, 0), 2 * MINUTE))
    const open = step(counted, down, web(false, 0), 2 * MINUTE).state
    assert.strictEqual(open.instances.size, 1)
    assert.isFalse(idle(open, down, web(true, 0), 3 * MINUTE))
    // The grace starts with the first step: before it, nothing is idle.
    assert.isFalse(idle(initialState({ graceMillis: 0 }), down, makeObservation({ container: {} }), 0))
  })
})
