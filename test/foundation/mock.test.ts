import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { ContainerStats } from "../../src/api/ContainerStats.ts"
import { HostStats } from "../../src/api/HostStats.ts"
import { ServiceHealthStats } from "../../src/api/ServiceStats.ts"
import { Stats } from "../../src/api/Stats.ts"
import { layerTest } from "../../src/config/AppConfig.ts"
import { HistoryStore } from "../../src/history/store/HistoryStore.ts"
import { encoded } from "../../src/sampling/Encoded.ts"
import { Sampler } from "../../src/sampling/Sampler.ts"

const MockSampling = Sampler.layerFromConfig.pipe(
  Layer.provide(HistoryStore.layerScratch),
  Layer.provide(
    layerTest({ MOCK_HOST_STATS: "true", SYSTEM_PROFILER_SERVICES: "web=http://web:3000/,db=postgres://db" })
  )
)

// `layer` runs on the TestClock: moving it drives the sampling fibers and the mock figures.
layer(MockSampling)("mock collectors", (it) => {
  it.effect("figures decode and move as the clock moves", () =>
    Effect.gen(function* () {
      const sampler = yield* Sampler
      yield* TestClock.adjust("1 millis")
      const first = Schema.decodeUnknownSync(Stats)(encoded(yield* sampler.current).stats)
      const host1 = Schema.decodeUnknownSync(HostStats)(first.host)
      const containers1 = Schema.decodeUnknownSync(ContainerStats)(first.containers)
      const services1 = Schema.decodeUnknownSync(ServiceHealthStats)(first.services)
      assert.deepStrictEqual(
        services1.services.map((s) => [s.name, s.kind]),
        [
          ["web", "http"],
          ["db", "postgres"]
        ]
      )

      yield* TestClock.adjust("47 seconds")
      const second = Schema.decodeUnknownSync(Stats)(encoded(yield* sampler.current).stats)
      const host2 = Schema.decodeUnknownSync(HostStats)(second.host)
      const containers2 = Schema.decodeUnknownSync(ContainerStats)(second.containers)
      const services2 = Schema.decodeUnknownSync(ServiceHealthStats)(second.services)

      assert.notStrictEqual(second.timestamp, first.timestamp)
      assert.notStrictEqual(host2.sampledAt, host1.sampledAt)
      assert.notStrictEqual(host2.cpu.usagePercent, host1.cpu.usagePercent)
      assert.notStrictEqual(host2.memory.availableBytes, host1.memory.availableBytes)
      assert.notStrictEqual(containers2.containers[0]!.cpuPercent, containers1.containers[0]!.cpuPercent)
      assert.notStrictEqual(services2.services[0]!.latencyMs, services1.services[0]!.latencyMs)
      // Counters only grow, as real ones do.
      assert.isAbove(host2.network.interfaces[0]!.rxBytes, host1.network.interfaces[0]!.rxBytes)
      // Mock figures stay consistent with each other.
      assert.strictEqual(host2.memory.usedBytes, host2.memory.totalBytes - host2.memory.availableBytes)
    })
  )
})
