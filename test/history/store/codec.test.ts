import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  ByteWriter,
  decodeChunk,
  encodeBucket,
  MalformedChunk,
  readChunk,
  writeBucket
} from "../../../src/history/store/codec.ts"
import type { SeriesAgg } from "../../../src/history/store/model.ts"

// Any double but -0 (stored as 0: the sign of a zero means nothing for a figure) and NaN (never
// recorded): integers, float32-exact and other values each take their own encoding.
const value = fc
  .oneof(
    fc.double({ noNaN: true }),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.maxSafeInteger(),
    fc.float({ noNaN: true }).map(Math.fround),
    fc.integer({ min: 0, max: 10_000 }).map((n) => n / 4)
  )
  .map((v) => (Object.is(v, -0) ? 0 : v))

const seriesAgg = fc
  .record({
    gauges: fc.uniqueArray(
      fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.nat({ max: 1_000_000 }), value, value, value),
      { selector: (t) => t[0], maxLength: 8 }
    ),
    counters: fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 5000 }), value, value), {
      selector: (t) => t[0],
      maxLength: 8
    })
  })
  .map(
    ({ gauges, counters }): SeriesAgg<number> => ({
      gauges: new Map(gauges.map(([id, count, min, max, sum]) => [id, { count, min, max, sum }])),
      counters: new Map(counters.map(([id, last, increase]) => [id, { last, increase }]))
    })
  )

const bucket = fc.record({
  slot: fc.nat({ max: 1440 }),
  series: fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 100_000 }), seriesAgg), {
    selector: (t) => t[0],
    maxLength: 6
  })
})

describe("codec", () => {
  it("gives back every aggregate exactly, bucket by bucket and series by series", () => {
    fc.assert(
      fc.property(fc.array(bucket, { maxLength: 12 }), (buckets) => {
        const w = new ByteWriter(8)
        for (const b of buckets)
          writeBucket(
            w,
            b.slot,
            b.series.map(([seriesId, agg]) => ({ seriesId, agg }))
          )
        const decoded = decodeChunk(w.toBytes())
        assert.deepStrictEqual(
          decoded,
          buckets.map((b) => ({ slot: b.slot, series: new Map(b.series) }))
        )
      })
    )
  })

  it("skips a bucket or a series without decoding it, and reads the rest the same", () => {
    fc.assert(
      fc.property(fc.array(bucket, { minLength: 1, maxLength: 8 }), fc.integer(), (buckets, seed) => {
        const blob = buckets.map((b) =>
          encodeBucket(
            b.slot,
            b.series.map(([seriesId, agg]) => ({ seriesId, agg }))
          )
        )
        const w = new ByteWriter()
        for (const part of blob) w.bytes(part)
        const keepBucket = (i: number) => (i + seed) % 2 === 0
        const keepSeries = (id: number) => (id + seed) % 3 !== 0
        const seen: Array<[number, number, number]> = []
        let index = -1
        let slot = 0
        let series = 0
        readChunk(w.toBytes(), {
          bucket(s) {
            index++
            slot = s
            return keepBucket(index)
          },
          series(id) {
            series = id
            return keepSeries(id)
          },
          gauge(id) {
            seen.push([slot, series, id])
          },
          counter(id) {
            seen.push([slot, series, -id])
          }
        })
        const expected = buckets.flatMap((b, i) =>
          keepBucket(i)
            ? b.series
                .filter(([id]) => keepSeries(id))
                .flatMap(([id, agg]) => [
                  ...[...agg.gauges.keys()].map((g): [number, number, number] => [b.slot, id, g]),
                  ...[...agg.counters.keys()].map((c): [number, number, number] => [b.slot, id, -c])
                ])
            : []
        )
        assert.deepStrictEqual(seen, expected)
      })
    )
  })

  it("stores small integers in a byte or two, and floats in 4 or 8 bytes only when they need them", () => {
    const size = (count: number, min: number, max: number, sum: number) =>
      encodeBucket(0, [{ seriesId: 1, agg: { gauges: new Map([[1, { count, min, max, sum }]]), counters: new Map() } }])
        .length
    // slot, length, series id, length, metric key, tags: 6 bytes around the numbers.
    assert.strictEqual(size(12, 0, 1, 9), 6 + 4)
    assert.strictEqual(size(12, 0.5, 1.25, 9.75), 6 + 1 + 3 * 4)
    assert.strictEqual(size(12, 0.1, 1.1, 9.1), 6 + 1 + 3 * 8)
    assert.strictEqual(size(2, 8_000_000_000, 8_000_000_001, 16_000_000_001), 6 + 1 + 5 + 5 + 5)
  })

  it("stores a gauge that did not move as its min alone, and gives back max and sum exactly", () => {
    const roundTrip = (g: { count: number; min: number; max: number; sum: number }) => {
      const blob = encodeBucket(0, [{ seriesId: 1, agg: { gauges: new Map([[1, g]]), counters: new Map() } }])
      return { size: blob.length, back: decodeChunk(blob)[0]?.series.get(1)?.gauges.get(1) }
    }
    // A flag up all minute: count and 1, nothing else.
    assert.deepStrictEqual(roundTrip({ count: 12, min: 1, max: 1, sum: 12 }), {
      size: 6 + 2,
      back: { count: 12, min: 1, max: 1, sum: 12 }
    })
    // Three readings of 0.1 summed in a double are 0.1 * 3 in a double: derived, and exact.
    assert.deepStrictEqual(roundTrip({ count: 3, min: 0.1, max: 0.1, sum: 0.1 + 0.1 + 0.1 }).back, {
      count: 3,
      min: 0.1,
      max: 0.1,
      sum: 0.1 + 0.1 + 0.1
    })
    // A sum that is not min * count is stored as it is.
    assert.deepStrictEqual(roundTrip({ count: 3, min: 2, max: 2, sum: 7 }), {
      size: 6 + 3,
      back: { count: 3, min: 2, max: 2, sum: 7 }
    })
  })

  it("throws MalformedChunk, and nothing else, on damaged bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          readChunk(bytes, { bucket: () => true, series: () => true, gauge() {}, counter() {} })
        } catch (e) {
          assert.instanceOf(e, MalformedChunk)
        }
      })
    )
    // A length that runs past the end is damage, not a short read.
    assert.throws(() => decodeChunk(Uint8Array.from([0, 50, 1, 2])), MalformedChunk)
  })
})
