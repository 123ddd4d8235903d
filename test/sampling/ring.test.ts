import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Ring } from "../../src/sampling/Ring.ts"

describe("Ring", () => {
  it("never holds more than its points or characters, and keeps the newest points in order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.string({ maxLength: 60 }), { maxLength: 200 }),
        (maxPoints, maxChars, texts) => {
          const ring = new Ring(maxPoints, maxChars)
          const kept: Array<string> = []
          texts.forEach((text, i) => {
            ring.push(i, text)
            if (text.length <= maxChars) kept.push(text)
            assert.isAtMost(ring.size, maxPoints)
            assert.isAtMost(ring.totalChars, maxChars)
          })
          const all = ring.since(Number.NEGATIVE_INFINITY)
          assert.strictEqual(all.length, ring.size)
          // What it holds is the newest run of what fit, oldest first.
          assert.deepStrictEqual(all, kept.slice(kept.length - all.length))
          assert.strictEqual(
            all.reduce((n, t) => n + t.length, 0),
            ring.totalChars
          )
        }
      )
    )
  })

  it("since() filters by time", () => {
    const ring = new Ring(5, 1000)
    for (let t = 0; t < 8; t++) ring.push(t * 10, `p${t}`)
    assert.deepStrictEqual(ring.since(55), ["p6", "p7"])
    assert.deepStrictEqual(ring.since(0), ["p3", "p4", "p5", "p6", "p7"])
  })
})
