import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { layerTest } from "../../src/config/AppConfig.ts"
import { encoded } from "../../src/sampling/Encoded.ts"
import { Feed, FeedSettings } from "../../src/sampling/Feed.ts"
import { Sampler } from "../../src/sampling/Sampler.ts"
import { countingCollectors, newCalls } from "./harness.ts"

const SAMPLES = 200
const calls = newCalls()
const feed = Feed.layer.pipe(
  Layer.provideMerge(Sampler.layer.pipe(Layer.provide(countingCollectors(calls)))),
  Layer.provide(Layer.succeed(FeedSettings, { heartbeat: Duration.hours(1) })),
  Layer.provide(
    layerTest({
      MOCK_HOST_STATS: "true",
      SYSTEM_PROFILER_HOST_INTERVAL: "1s",
      SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1h",
      SYSTEM_PROFILER_SERVICES_INTERVAL: "1h"
    })
  )
)

describe("fan-out (TestClock)", () => {
  it.effect("a client that stops reading is held to the newest snapshots, not a queue of all of them", () =>
    Effect.gen(function* () {
      const { events } = yield* Feed
      const snapshot = yield* Sampler
      const pull = yield* Stream.toPull(events)
      yield* pull // the current snapshot; then the client stops reading
      const before = calls.host
      for (let i = 0; i < SAMPLES; i++) yield* TestClock.adjust("1 second")
      assert.isAtLeast(calls.host - before, SAMPLES)
      // Reading again, it catches up to the current snapshot after a bounded backlog.
      const current = encoded(yield* snapshot.current).frame
      let backlog = 0
      let last: Uint8Array | undefined
      while (last !== current) {
        for (const frame of yield* pull) {
          backlog++
          last = frame
        }
      }
      assert.isBelow(backlog, SAMPLES / 4)
    }).pipe(Effect.scoped, Effect.provide(feed))
  )
})
