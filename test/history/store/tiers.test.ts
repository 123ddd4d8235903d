import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { InvalidHistoryQuery } from "../../../src/history/store/errors.ts"
import {
  formatSpan,
  MAX_POINTS,
  MAX_WINDOW_MS,
  MIN_WINDOW_MS,
  parseSpan,
  planQuery,
  TIERS
} from "../../../src/history/store/tiers.ts"

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const span = fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.constantFrom("s", "m", "h", "d", "w", "y"))

describe("tiers", () => {
  it("each coarser tier is a whole number of the finer one's buckets, kept at least as long, in a ring of whole buckets", () => {
    for (let i = 1; i < TIERS.length; i++) {
      assert.strictEqual(TIERS[i]!.bucketMs % TIERS[i - 1]!.bucketMs, 0)
      assert.isAtLeast(TIERS[i]!.retentionMs, TIERS[i - 1]!.retentionMs)
    }
    for (const tier of TIERS) assert.strictEqual(tier.slots * tier.bucketMs, tier.retentionMs)
    assert.deepStrictEqual(
      TIERS.map((t) => [t.name, t.slots]),
      [
        ["1m", 2880],
        ["15m", 8640],
        ["2h", 8760],
        ["1d", 730]
      ]
    )
  })

  it("reads spans such as 90s, 15m, 7d and 2y, and spells them back", () => {
    assert.strictEqual(parseSpan("90s"), 90_000)
    assert.strictEqual(parseSpan("2y"), 730 * 24 * 60 * MINUTE)
    assert.strictEqual(parseSpan(" 7d "), 7 * 24 * 60 * MINUTE)
    for (const bad of ["", "7", "1.5h", "-1d", "1 d", "1D", "1mo", "99999999999d"]) {
      assert.isUndefined(parseSpan(bad), bad)
    }
    fc.assert(
      fc.property(span, ([n, unit]) => {
        const ms = parseSpan(`${n}${unit}`)
        assert.isDefined(ms)
        assert.strictEqual(parseSpan(formatSpan(ms!)), ms)
      })
    )
  })

  it("plans every window on the finest tier that covers it, with at most 500 points", () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_WINDOW_MS / 1000, max: MAX_WINDOW_MS / 1000 }), (seconds) => {
        const plan = planQuery(`${seconds}s`, undefined)
        if (plan instanceof InvalidHistoryQuery) throw plan
        const finest = TIERS.findIndex((t) => t.retentionMs >= seconds * 1000)
        assert.strictEqual(plan.tierIndex, finest)
        assert.strictEqual(plan.stepMs % plan.tier.bucketMs, 0)
        // Aligned to the step, the window touches at most one more step than it spans.
        assert.isAtMost(Math.ceil(plan.windowMs / plan.stepMs) + 1, 500)
        // Steps fall on round times: a divisor of a day, or whole days.
        assert.isTrue(DAY % plan.stepMs === 0 || plan.stepMs % DAY === 0, `${plan.stepMs}`)
        // Read from the coarsest tier whose buckets divide the step.
        const source = TIERS.findLastIndex((t) => plan.stepMs % t.bucketMs === 0)
        assert.strictEqual(plan.sourceIndex, Math.max(source, finest))
      })
    )
  })

  it("takes a step that is a multiple of the tier's bucket, at most the window, and at most 5000 points", () => {
    fc.assert(
      fc.property(span, span, ([wn, wu], [sn, su]) => {
        const window = `${wn}${wu}`
        const step = `${sn}${su}`
        const plan = planQuery(window, step)
        const windowMs = parseSpan(window)!
        const stepMs = parseSpan(step)!
        if (windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS) {
          assert.instanceOf(plan, InvalidHistoryQuery)
          return
        }
        const bucket = TIERS.find((t) => t.retentionMs >= windowMs)!.bucketMs
        const fine = stepMs % bucket === 0 && stepMs <= windowMs && Math.ceil(windowMs / stepMs) <= MAX_POINTS
        if (fine) assert.notInstanceOf(plan, InvalidHistoryQuery, `${window} ${step}`)
        else {
          assert.instanceOf(plan, InvalidHistoryQuery, `${window} ${step}`)
          assert.strictEqual((plan as InvalidHistoryQuery).parameter, "step")
        }
      })
    )
  })
})
