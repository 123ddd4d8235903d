import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { ContainersPoint, History as HistoryBody, ServicesPoint } from "../../src/api/History.ts"
import { layerTest } from "../../src/config/AppConfig.ts"
import { History, HistorySettings } from "../../src/sampling/History.ts"
import { Sampler } from "../../src/sampling/Sampler.ts"
import { containersPointOf, pointTime, servicesPointOf } from "../../src/views/history.ts"
import { countingCollectors, newCalls } from "../stream/harness.ts"

const INTERVAL = Duration.seconds(1)
const env = {
  SYSTEM_PROFILER_HOST_INTERVAL: "1s",
  SYSTEM_PROFILER_CONTAINERS_INTERVAL: "10s",
  SYSTEM_PROFILER_SERVICES_INTERVAL: "30s",
  SYSTEM_PROFILER_HISTORY_WINDOW: "1m"
}

const historyOver = (settings?: typeof HistorySettings.Service) => {
  const base = History.layer.pipe(
    Layer.provide(Sampler.layer.pipe(Layer.provide(countingCollectors(newCalls())))),
    Layer.provide(layerTest({ MOCK_HOST_STATS: "true", ...env }))
  )
  return settings === undefined ? base : base.pipe(Layer.provide(Layer.succeed(HistorySettings, settings)))
}

const decode = Schema.decodeUnknownSync(HistoryBody)

/** Lets the TestClock run `seconds` of sampling, one second at a time. */
const run = (seconds: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < seconds; i++) yield* TestClock.adjust(INTERVAL)
  })

describe("history ring buffer (TestClock)", () => {
  it.effect("a point's containers and probes are those of the readings, kept between their own samples", () =>
    Effect.gen(function* () {
      const history = yield* History
      const sampler = yield* Sampler
      // 25 host samples: the containers (every 10 s) and the probes (every 30 s) change less often.
      for (let i = 0; i < 25; i++) {
        yield* TestClock.adjust(INTERVAL)
        const readings = yield* sampler.current
        const last = decode(JSON.parse(yield* history.read(undefined))).points.at(-1)!
        assert.strictEqual(last.timestamp, pointTime(readings))
        assert.deepStrictEqual(last.containers, Schema.encodeSync(ContainersPoint)(containersPointOf(readings)!))
        assert.deepStrictEqual(last.services, Schema.encodeSync(ServicesPoint)(servicesPointOf(readings)!))
      }
    }).pipe(
      Effect.provide(
        History.layer.pipe(
          Layer.provideMerge(Sampler.layer.pipe(Layer.provide(countingCollectors(newCalls())))),
          Layer.provide(layerTest({ MOCK_HOST_STATS: "true", ...env }))
        )
      )
    )
  )

  it.effect("keeps one point per host sample, at most the configured window's worth", () =>
    Effect.gen(function* () {
      const history = yield* History
      // 1 minute at 1 s.
      assert.strictEqual(history.capacity, Duration.toSeconds(Duration.minutes(1)) / Duration.toSeconds(INTERVAL))
      yield* run(10)
      const early = decode(JSON.parse(yield* history.read(undefined)))
      assert.isAbove(early.points.length, 5)
      assert.isAtMost(early.points.length, 11)
      yield* run(300)
      const size = yield* history.size
      assert.strictEqual(size.points, history.capacity)
      const full = decode(JSON.parse(yield* history.read(undefined)))
      assert.strictEqual(full.capacity, history.capacity)
      assert.strictEqual(full.intervalSeconds, 1)
      assert.strictEqual(full.windowSeconds, 60)
      assert.strictEqual(full.points.length, history.capacity)
      // Oldest first, one host interval apart: no sample lost, none twice.
      const times = full.points.map((p) => Date.parse(p.timestamp))
      for (let i = 1; i < times.length; i++) assert.strictEqual(times[i]! - times[i - 1]!, Duration.toMillis(INTERVAL))
      assert.isNotNull(full.points.at(-1)?.host)
      assert.isNotNull(full.points.at(-1)?.containers)
      // The containers' figures are those of one reading, which says when it was (every 10 s here),
      // and never after the point.
      for (const p of full.points) {
        const at = Date.parse(p.containers!.sampledAt!)
        assert.isAtMost(at, Date.parse(p.timestamp))
        assert.isBelow(Date.parse(p.timestamp) - at, 10_000)
      }
      // The first point has the host: nothing is recorded before the first host sample.
      assert.isNotNull(early.points[0]!.host)
    }).pipe(Effect.provide(historyOver()))
  )

  it.effect("a window query returns only the points inside it", () =>
    Effect.gen(function* () {
      const history = yield* History
      yield* run(120)
      const now = yield* Clock.currentTimeMillis
      for (const [window, ms] of [
        ["10s", 10_000],
        ["30", 30_000],
        ["1m", 60_000]
      ] as const) {
        const body = decode(JSON.parse(yield* history.read(window)))
        assert.strictEqual(body.windowSeconds, ms / 1000)
        assert.isAbove(body.points.length, 0)
        for (const p of body.points) assert.isAtLeast(Date.parse(p.timestamp), now - ms)
        // Everything the ring holds inside the window, at one point per interval.
        assert.strictEqual(body.points.length, Math.min(history.capacity, ms / Duration.toMillis(INTERVAL) + 1))
      }
    }).pipe(Effect.provide(historyOver()))
  )

  it.effect("bad windows are typed InvalidQuery errors that say what is accepted", () =>
    Effect.gen(function* () {
      const history = yield* History
      for (const bad of ["abc", "", "-5m", "1.5h", "0s", "10d", "2h", "61m"]) {
        const error = yield* Effect.flip(history.read(bad))
        assert.strictEqual(error._tag, "InvalidQuery", bad)
        assert.match(error.error, /window must be/, bad)
      }
      assert.match((yield* Effect.flip(history.read("2h"))).error, /at most 1m/)
    }).pipe(Effect.provide(historyOver()))
  )

  it.effect("holds to its memory bound in characters, whatever the points hold", () =>
    Effect.gen(function* () {
      const maxChars = 6_000
      const history = yield* History
      for (let i = 0; i < 60; i++) {
        yield* run(1)
        const size = yield* history.size
        assert.isAtMost(size.chars, maxChars)
      }
      const size = yield* history.size
      // The character budget, not the count, is what limits this ring.
      assert.isBelow(size.points, history.capacity)
      assert.isAbove(size.points, 0)
      const body = decode(JSON.parse(yield* history.read(undefined)))
      assert.strictEqual(body.points.length, size.points)
    }).pipe(Effect.provide(historyOver({ maxPoints: 17_280, maxChars: 6_000 })))
  )
})
