// The pure step function on its own: what the service test cannot see (the state it keeps).

import { assert, describe, it } from "@effect/vitest"
import { initialState, step, unchanged } from "../../src/alerts/engine.ts"
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

  it("unchanged: only with no alert open and every watched figure as it was, when the step would change nothing", () => {
    const rules = [
      ...down,
      ...rulesOf({ name: "Hot", figure: "host.cpu_temperature", comparison: ">=", threshold: 80 })
    ]
    const at = (temperature: number, restarts: number, running = true, load = 0.5) =>
      makeObservation({
        host: { "host.cpu_temperature": temperature, "host.load1": load },
        container: { web: { "container.running": running, "container.restarts": restarts } }
      })
    // The grace starts with the first step: before it, a step is never skipped.
    assert.isFalse(unchanged(initialState({ graceMillis: 0 }), rules, at(50, 1), at(50, 1)))
    const quiet = step(initialState({ graceMillis: 0 }), rules, at(50, 1), 0).state
    assert.isTrue(unchanged(quiet, rules, at(50, 1), at(50, 1)))
    // A figure no rule watches moves freely.
    assert.isTrue(unchanged(quiet, rules, at(50, 1), at(50, 1, true, 3.5)))
    // What the skipped step would have done, even an hour later: nothing.
    const later = step(quiet, rules, at(50, 1, true, 3.5), 60 * MINUTE)
    assert.deepStrictEqual(later.transitions, [])
    assert.strictEqual(later.state.instances.size, 0)
    // A watched figure, a subject or a kind's being known that moved is evaluated.
    assert.isFalse(unchanged(quiet, rules, at(50, 1), at(51, 1)))
    assert.isFalse(unchanged(quiet, rules, at(50, 1), at(50, 2)))
    assert.isFalse(unchanged(quiet, rules, at(50, 1), makeObservation({ host: { "host.cpu_temperature": 50 } })))
    assert.isFalse(
      unchanged(
        quiet,
        rules,
        at(50, 1),
        makeObservation({
          host: { "host.cpu_temperature": 50 },
          container: { web: { "container.running": true, "container.restarts": 1 }, db: {} }
        })
      )
    )
    // An open alert moves with time (for, reminders, no-data): never skipped.
    const open = step(quiet, rules, at(50, 1, false), MINUTE).state
    assert.strictEqual(open.instances.size, 1)
    assert.isFalse(unchanged(open, rules, at(50, 1, false), at(50, 1, false)))
    // A counter sliding out of its window can make "fewer than" hold without a new value.
    const fewer = rulesOf({ name: "Few", figure: "container.restarts", comparison: "<", threshold: 1, window: "10m" })
    const counted = step(initialState({ graceMillis: 0 }), fewer, at(50, 1), 0).state
    assert.isFalse(unchanged(counted, fewer, at(50, 1), at(50, 1)))
  })
})
