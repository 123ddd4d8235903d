// The in-memory event store: bounded by count and by age, read back oldest first.

import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as fc from "fast-check"
import type { ContainerEvent } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { EventRing, EventStore } from "../../../../src/collectors/containers/events/EventStore.ts"

const ev = (timeNano: bigint): ContainerEvent => ({
  timeNano,
  id: "a".repeat(64),
  name: "web",
  action: "start",
  exitCode: null,
  signal: null,
  health: null,
  oomKilled: null,
  composeProject: null,
  composeService: null
})

describe("EventRing", () => {
  const byTime = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)

  it("in time order: keeps the newest events within the retention, up to its capacity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.bigInt({ min: 1n, max: 500n }),
        fc.array(fc.bigInt({ min: 0n, max: 1_000n }), { maxLength: 200 }),
        (capacity, retention, raw) => {
          const times = [...raw].sort(byTime)
          const ring = new EventRing(capacity, retention)
          for (const t of times) ring.push(ev(t))
          const newest = times.at(-1) ?? 0n
          const expected = times.filter((t) => t >= newest - retention).slice(-capacity)
          assert.deepStrictEqual(
            ring.since(0n).map((e) => e.timeNano),
            expected
          )
        }
      )
    )
  })

  it("in any order: never more than its capacity, nothing past the retention, oldest first", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.bigInt({ min: 1n, max: 500n }),
        fc.array(fc.bigInt({ min: 0n, max: 1_000n }), { maxLength: 200 }),
        fc.bigInt({ min: 0n, max: 1_000n }),
        (capacity, retention, times, from) => {
          const ring = new EventRing(capacity, retention)
          let newest = -1n
          for (const t of times) {
            ring.push(ev(t))
            if (t > newest) newest = t
            assert.isAtMost(ring.size, capacity)
          }
          const kept = ring.since(from).map((e) => e.timeNano)
          assert.isAtMost(kept.length, capacity)
          for (const t of kept) assert.isTrue(t >= newest - retention && t >= from)
          assert.deepStrictEqual(kept, [...kept].sort(byTime))
          // The last arrival is always kept, unless it arrived already past the retention.
          const last = times.at(-1)
          if (last !== undefined && last >= newest - retention && last >= from) assert.include(kept, last)
        }
      )
    )
  })

  it("since() starts at the given time, inclusive", () => {
    const ring = new EventRing(10, 1_000n)
    for (const t of [10n, 20n, 30n, 40n]) ring.push(ev(t))
    assert.deepStrictEqual(
      ring.since(20n).map((e) => e.timeNano),
      [20n, 30n, 40n]
    )
  })
})

describe("EventStore.layerMemory", () => {
  it.effect("appends and reads back, and tells its bounds", () =>
    Effect.gen(function* () {
      const store = yield* EventStore
      yield* store.append(ev(5n))
      yield* store.append(ev(7n))
      assert.deepStrictEqual(
        (yield* store.since(6n)).map((e) => e.timeNano),
        [7n]
      )
      assert.strictEqual(store.capacity, 3)
      assert.strictEqual(Duration.toMillis(store.retention), 60_000)
    }).pipe(Effect.provide(EventStore.layerMemory({ capacity: 3, retention: "1 minute" })))
  )
})
