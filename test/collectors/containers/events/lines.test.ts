// The line splitter: the same lines whatever the chunking, never more than one line's limit
// held, oversize lines skipped without costing the lines after them, an endless one reported.

import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { LineSplitter } from "../../../../src/collectors/containers/events/lines.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

/** Feeds `text` cut at `cuts`; what came out. */
const feed = (splitter: LineSplitter, text: string, cuts: ReadonlyArray<number>) => {
  const data = bytes(text)
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
  const lines: Array<string> = []
  const oversize: Array<number> = []
  let held = 0
  let start = 0
  const outcomes: Array<string> = []
  for (const end of [...points, data.length]) {
    outcomes.push(
      splitter.push(data.subarray(start, end), { line: (l) => lines.push(l), oversize: (n) => oversize.push(n) })
    )
    held = Math.max(held, splitter.pending)
    start = end
  }
  return { lines, oversize, held, outcomes }
}

describe("LineSplitter", () => {
  it("gives the same lines whatever the chunking, multi-byte characters included", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 30, unit: "grapheme" }).map((s) => s.replace(/[\r\n]/g, "")),
          { maxLength: 20 }
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (parts, cuts) => {
          const text = parts.map((p) => `${p}\n`).join("")
          const { lines, oversize } = feed(new LineSplitter(1_000, 10_000), text, cuts)
          assert.deepStrictEqual(
            lines,
            parts.filter((p) => p.trim() !== "")
          )
          assert.deepStrictEqual(oversize, [])
        }
      )
    )
  })

  it("holds at most the limit, skips the long lines and keeps the ones after them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 120 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (lengths, cuts) => {
          const limit = 50
          const parts = lengths.map((n, i) => `${i}`.padEnd(Math.max(n, `${i}`.length), "x"))
          const text = parts.map((p) => `${p}\n`).join("")
          const { lines, oversize, held } = feed(new LineSplitter(limit, 10_000), text, cuts)
          assert.isAtMost(held, limit)
          assert.deepStrictEqual(
            lines,
            parts.filter((p) => bytes(p).length <= limit)
          )
          assert.deepStrictEqual(
            oversize,
            parts.filter((p) => bytes(p).length > limit).map((p) => bytes(p).length)
          )
        }
      )
    )
  })

  it("reports a line that goes on past the skip limit without ending", () => {
    const splitter = new LineSplitter(10, 100)
    const sink = { line: () => assert.fail("no line expected"), oversize: () => assert.fail("no end expected") }
    const outcomes = Array.from({ length: 12 }, () => splitter.push(bytes("y".repeat(10)), sink))
    assert.deepStrictEqual(outcomes.slice(0, 10), Array(10).fill("ok"))
    assert.strictEqual(outcomes[10], "endless")
    assert.strictEqual(splitter.pending, 0)
  })

  it("drops a carriage return before the newline and skips blank lines", () => {
    const { lines } = feed(new LineSplitter(100, 1000), "a\r\n\n  \nb\n", [])
    assert.deepStrictEqual(lines, ["a", "b"])
  })
})
