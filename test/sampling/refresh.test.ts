// A section read on its interval and soon after each wakeup (a Docker event), under the TestClock:
// a wakeup is read within settle, a burst is one read, a flood is at most one read per minGap, and
// without wakeups only the interval reads. Then the same through the Sampler: a containers wakeup
// puts a new reading in the snapshot long before the interval.

import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Queue, Result, Stream } from "effect"
import { TestClock } from "effect/testing"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { layerTest } from "../../src/config/AppConfig.ts"
import { repeatWithWakeups } from "../../src/sampling/refresh.ts"
import { Sampler } from "../../src/sampling/Sampler.ts"

const INTERVAL = Duration.seconds(10)
const OPTIONS = { settle: Duration.millis(50), minGap: Duration.millis(250) }

/** A counted read, run by repeatWithWakeups over a queue of wakeups the test offers to. */
const harness = Effect.gen(function* () {
  const wake = yield* Queue.unbounded<void>()
  const reads = { count: 0 }
  yield* repeatWithWakeups(
    Effect.sync(() => {
      reads.count++
    }),
    INTERVAL,
    Stream.fromQueue(wake),
    OPTIONS
  ).pipe(Effect.forkScoped)
  // Let the loop make its first read and the subscriber start.
  yield* TestClock.adjust(Duration.millis(1))
  const offer = (n = 1) =>
    Effect.gen(function* () {
      for (let i = 0; i < n; i++) yield* Queue.offer(wake, undefined)
      yield* Effect.yieldNow
    })
  return { reads, offer }
})

describe("repeatWithWakeups (TestClock)", () => {
  it.effect("reads at once, then on the interval only, without wakeups", () =>
    Effect.gen(function* () {
      const { reads } = yield* harness
      assert.strictEqual(reads.count, 1)
      yield* TestClock.adjust(Duration.seconds(9))
      assert.strictEqual(reads.count, 1)
      yield* TestClock.adjust(Duration.seconds(1))
      assert.strictEqual(reads.count, 2)
      yield* TestClock.adjust(Duration.seconds(30))
      assert.strictEqual(reads.count, 5)
    }).pipe(Effect.scoped)
  )

  it.effect("a wakeup is read once its burst has settled, long before the interval", () =>
    Effect.gen(function* () {
      const { reads, offer } = yield* harness
      yield* TestClock.adjust(Duration.seconds(2))
      assert.strictEqual(reads.count, 1)
      // kill, then die and stop 20 ms later: one `docker stop`.
      yield* offer(1)
      yield* TestClock.adjust(Duration.millis(20))
      yield* offer(2)
      yield* TestClock.adjust(Duration.millis(20))
      assert.strictEqual(reads.count, 1)
      yield* TestClock.adjust(Duration.millis(20))
      assert.strictEqual(reads.count, 2)
      // The burst was one read; the interval starts again from it.
      yield* TestClock.adjust(Duration.seconds(9))
      assert.strictEqual(reads.count, 2)
      yield* TestClock.adjust(Duration.seconds(1))
      assert.strictEqual(reads.count, 3)
    }).pipe(Effect.scoped)
  )

  it.effect("a flood of wakeups (a tight restart loop) makes at most one read per minGap", () =>
    Effect.gen(function* () {
      const { reads, offer } = yield* harness
      yield* TestClock.adjust(Duration.seconds(1))
      const before = reads.count
      // 100 wakeups every 10 ms for 5 s.
      for (let step = 0; step < 500; step++) {
        yield* offer(100)
        yield* TestClock.adjust(Duration.millis(10))
      }
      const made = reads.count - before
      assert.isAtMost(made, 5000 / 250 + 1)
      // ...and it keeps reading while they come: the flood is not starving it either.
      assert.isAtLeast(made, 5000 / 250 / 2)
    }).pipe(Effect.scoped)
  )
})

describe("the Sampler with a collector that has wakeups (TestClock)", () => {
  it.effect("a wakeup puts a new containers reading in the snapshot within settle, not at the interval", () =>
    Effect.gen(function* () {
      const wake = yield* Queue.unbounded<void>()
      const reads = { count: 0 }
      const containers = Layer.succeed(
        ContainerCollector,
        ContainerCollector.of({
          read: () =>
            Effect.sync(() => {
              reads.count++
              return mockContainersReading(reads.count * 1000)
            }),
          wakeups: Stream.fromQueue(wake)
        })
      )
      const sampler = Sampler.layer.pipe(
        Layer.provide(Layer.mergeAll(HostCollector.layerMock, containers, ServiceCollector.layerMock)),
        Layer.provide(
          layerTest({
            MOCK_HOST_STATS: "true",
            SYSTEM_PROFILER_HOST_INTERVAL: "1h",
            SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1h",
            SYSTEM_PROFILER_SERVICES_INTERVAL: "1h"
          })
        )
      )
      yield* Effect.gen(function* () {
        const s = yield* Sampler
        yield* TestClock.adjust(Duration.millis(1))
        const first = yield* s.current
        assert.strictEqual(reads.count, 1)
        yield* TestClock.adjust(Duration.minutes(5))
        yield* Queue.offer(wake, undefined)
        yield* Effect.yieldNow
        yield* TestClock.adjust(Duration.millis(100))
        assert.strictEqual(reads.count, 2)
        const after = yield* s.current
        assert.isTrue(Result.isSuccess(after.containers.current))
        assert.isAbove(after.containers.at, first.containers.at)
        // The reading before is kept as previous, for the CPU % window.
        assert.strictEqual(after.containers.previous?.at, 1000)
      }).pipe(Effect.provide(sampler))
    })
  )
})
