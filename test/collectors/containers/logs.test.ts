// Repeated failures are logged when they start and when they end, with a count, never at every
// sample: a wedged stats call and a daemon whose list fails while /version answers.
import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { ContainerCollector } from "../../../src/collectors/containers/ContainerCollector.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import { sampleContainers } from "../../support/readings.ts"
import { type FakeDocker, makeFakeDocker } from "./support/fakeDocker.ts"

const hex = (n: number) => n.toString(16).padStart(64, "0")

let fake: FakeDocker
beforeEach(async () => {
  fake = await makeFakeDocker()
})
afterEach(async () => {
  await fake.close()
})

const collected = () => {
  const lines: Array<string> = []
  const logger = Logger.layer([Logger.map(Logger.formatJson, (line) => void lines.push(line))])
  const collector = ContainerCollector.layerLive.pipe(
    Layer.provide(
      layerTest({
        DOCKER_HOST: `unix://${fake.socketPath}`,
        SYSTEM_PROFILER_STACK_LABEL: "sp.fake.stack=logs",
        SYSTEM_PROFILER_DOCKER_TIMEOUT: "200ms",
        SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "api"
      })
    )
  )
  return { lines, layer: Layer.mergeAll(collector, logger) }
}

describe("repeated failures in the log", () => {
  it.live("a wedged stats call: one line when it starts, one with the count when it answers again", () => {
    const { lines, layer } = collected()
    return Effect.gen(function* () {
      fake.containers = [{ id: hex(1), name: "wedged", state: "running", hangStats: true }]
      for (let i = 0; i < 4; i++) yield* sampleContainers
      fake.containers = [{ id: hex(1), name: "wedged", state: "running" }]
      yield* sampleContainers
      yield* sampleContainers
      const timedOut = lines.filter((l) => l.includes("container stats timed out"))
      const again = lines.filter((l) => l.includes("container stats answer again"))
      assert.strictEqual(timedOut.length, 1)
      assert.strictEqual(again.length, 1)
      assert.include(again[0]!, '"timedOutSamples":4')
    }).pipe(Effect.provide(layer))
  })

  it.live("a list that fails while /version answers: negotiated once, not at every sample", () => {
    const { lines, layer } = collected()
    return Effect.gen(function* () {
      fake.containers = [{ id: hex(1), name: "web", state: "running" }]
      yield* sampleContainers
      fake.failList = 500
      for (let i = 0; i < 3; i++) yield* Effect.result(sampleContainers)
      assert.strictEqual(lines.filter((l) => l.includes("docker API negotiated")).length, 1)
    }).pipe(Effect.provide(layer))
  })
})
