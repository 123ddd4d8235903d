// Figures outside the contract in one section (a negative restart count and memory figure from the daemon) cost
// that section alone: /containers is a typed 503 naming the field, and /history keeps recording
// the host and the services.
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { History as HistoryBody } from "../../src/api/History.ts"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { HostCollector } from "../../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../../src/collectors/services/ServiceCollector.ts"
import { layerTest } from "../../src/config/AppConfig.ts"
import { encoded } from "../../src/sampling/Encoded.ts"
import { History } from "../../src/sampling/History.ts"
import { Sampler } from "../../src/sampling/Sampler.ts"

const negativeRestarts = Layer.succeed(
  ContainerCollector,
  ContainerCollector.of({
    read: () =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const r = mockContainersReading(now)
        return {
          ...r,
          containers: r.containers.map((c, i) =>
            i === 0 ? { ...c, restartCount: -1, counters: { ...c.counters!, memoryUsageBytes: -5 } } : c
          )
        }
      })
  })
)

const sampling = Layer.mergeAll(History.layer, Sampler.layer).pipe(
  Layer.provideMerge(Sampler.layer),
  Layer.provide(Layer.mergeAll(HostCollector.layerMock, ServiceCollector.layerMock, negativeRestarts)),
  Layer.provide(
    layerTest({
      MOCK_HOST_STATS: "true",
      SYSTEM_PROFILER_HOST_INTERVAL: "1s",
      SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1s",
      SYSTEM_PROFILER_SERVICES_INTERVAL: "1s"
    })
  )
)

describe("one section outside the contract", () => {
  it.effect("fails only that section, naming the field, and history keeps the others", () =>
    Effect.gen(function* () {
      const sampler = yield* Sampler
      const history = yield* History
      for (let i = 0; i < 5; i++) yield* TestClock.adjust("1 second")
      const stats = encoded(yield* sampler.current).stats
      assert.isTrue("collector" in stats.containers)
      if ("collector" in stats.containers) {
        assert.strictEqual(stats.containers.reason, "internal")
        assert.match(stats.containers.error, /restartCount|usageBytes/)
      }
      assert.isFalse("collector" in stats.host)
      const body = Schema.decodeUnknownSync(HistoryBody)(JSON.parse(yield* history.read(undefined)))
      const last = body.points.at(-1)!
      assert.isNotNull(last.host)
      assert.isNotNull(last.services)
      assert.isNull(last.containers)
    }).pipe(Effect.provide(sampling))
  )
})
