import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  counterIncrease,
  type GaugeAgg,
  mergeGauge,
  mergeSeriesAgg,
  type SeriesAgg
} from "../../../src/history/store/model.ts"

const GAP = 15 * 60_000

describe("counter increase", () => {
  it("is the growth, or the new value after a decrease (a reset), never negative", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (previous, value) => {
        const increase = counterIncrease({ value: previous, at: 0 }, value, 1000, GAP)
        assert.isAtLeast(increase, 0)
        assert.strictEqual(increase, value >= previous ? value - previous : value)
        // A reset never counts more than the counter holds now.
        assert.isAtMost(increase, value)
      })
    )
  })

  it("is nothing for a first reading or one after a longer gap than allowed", () => {
    assert.strictEqual(counterIncrease(undefined, 5000, 0, GAP), 0)
    assert.strictEqual(counterIncrease({ value: 10, at: 0 }, 5000, GAP, GAP), 4990)
    assert.strictEqual(counterIncrease({ value: 10, at: 0 }, 5000, GAP + 1, GAP), 0)
  })
})

describe("roll-ups", () => {
  const gauge = fc
    .array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 30 })
    .map((values): [Array<number>, GaugeAgg] => [
      values,
      {
        count: values.length,
        sum: values.reduce((a, b) => a + b, 0),
        min: Math.min(...values),
        max: Math.max(...values)
      }
    ])

  it("merging buckets gives what one bucket of all their values holds", () => {
    fc.assert(
      fc.property(fc.array(gauge, { minLength: 1, maxLength: 10 }), (parts) => {
        const merged = { ...parts[0]![1] }
        for (const [, agg] of parts.slice(1)) mergeGauge(merged, agg)
        const all = parts.flatMap(([values]) => values)
        assert.deepStrictEqual(merged, {
          count: all.length,
          sum: all.reduce((a, b) => a + b, 0),
          min: Math.min(...all),
          max: Math.max(...all)
        })
      })
    )
  })

  it("keeps the later bucket's last counter value and sums the increases", () => {
    const earlier: SeriesAgg = { gauges: new Map(), counters: new Map([["rx", { last: 900, increase: 50 }]]) }
    const later: SeriesAgg = {
      gauges: new Map([["cpu", { count: 2, sum: 3, min: 1, max: 2 }]]),
      counters: new Map([
        ["rx", { last: 20, increase: 20 }],
        ["tx", { last: 7, increase: 0 }]
      ])
    }
    mergeSeriesAgg(earlier, later)
    assert.deepStrictEqual(earlier.counters.get("rx"), { last: 20, increase: 70 })
    assert.deepStrictEqual(earlier.counters.get("tx"), { last: 7, increase: 0 })
    assert.deepStrictEqual(earlier.gauges.get("cpu"), { count: 2, sum: 3, min: 1, max: 2 })
    // The later bucket is not changed by being merged.
    assert.deepStrictEqual(later.counters.get("rx"), { last: 20, increase: 20 })
  })
})
