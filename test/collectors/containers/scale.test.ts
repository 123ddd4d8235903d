// More containers under the label than SYSTEM_PROFILER_MAX_CONTAINERS: the section fails with a
// message that names the count and the variable, without inspecting any of them, and recovers
// once the count is back within the maximum.

import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, Result } from "effect"
import type { ContainerStats } from "../../../src/api/ContainerStats.ts"
import { ContainerCollector } from "../../../src/collectors/containers/ContainerCollector.ts"
import { DEFAULT_MAX_CONTAINERS, layerTest, parseAppConfig } from "../../../src/config/AppConfig.ts"
import type { SampleError } from "../../../src/domain/SampleError.ts"
import { failureView } from "../../../src/views/stats.ts"
import { sampleContainers } from "../../support/readings.ts"
import { type FakeContainer, type FakeDocker, makeFakeDocker } from "./support/fakeDocker.ts"

const LABEL = "sp.fake.stack=scale"
const hex = (n: number) => n.toString(16).padStart(64, "0")
const containers = (n: number): Array<FakeContainer> =>
  Array.from({ length: n }, (_, i) => ({ id: hex(i + 1), name: `c${i}`, state: "running" }))

let fake: FakeDocker
let runtime: ManagedRuntime.ManagedRuntime<ContainerCollector, unknown> | undefined
beforeEach(async () => {
  fake = await makeFakeDocker()
})
afterEach(async () => {
  await runtime?.dispose()
  runtime = undefined
  await fake.close()
})

const collector = (max: string) => {
  runtime = ManagedRuntime.make(
    ContainerCollector.layerLive.pipe(
      Layer.provide(
        layerTest({
          DOCKER_HOST: `unix://${fake.socketPath}`,
          SYSTEM_PROFILER_STACK_LABEL: LABEL,
          SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "api",
          SYSTEM_PROFILER_MAX_CONTAINERS: max
        })
      )
    )
  )
  const r = runtime
  return (): Promise<Result.Result<ContainerStats, SampleError>> => r.runPromise(Effect.result(sampleContainers))
}

describe("SYSTEM_PROFILER_MAX_CONTAINERS", () => {
  it.effect("is 500 by default, and 1 to 2000 when set", () =>
    Effect.gen(function* () {
      const ctx = { platform: "linux" as const, pathExists: () => false }
      assert.strictEqual((yield* parseAppConfig({}, ctx)).maxContainers, DEFAULT_MAX_CONTAINERS)
      assert.strictEqual(DEFAULT_MAX_CONTAINERS, 500)
      assert.strictEqual((yield* parseAppConfig({ SYSTEM_PROFILER_MAX_CONTAINERS: "2000" }, ctx)).maxContainers, 2000)
      for (const bad of ["0", "2001", "lots"]) {
        const error = yield* Effect.flip(parseAppConfig({ SYSTEM_PROFILER_MAX_CONTAINERS: bad }, ctx))
        assert.strictEqual(error.variable, "SYSTEM_PROFILER_MAX_CONTAINERS", bad)
      }
    })
  )

  it("past it, a bad-response naming the count, the label and the variable; no container is inspected", async () => {
    const sample = collector("5")
    fake.containers = containers(6)
    const result = await sample()
    if (Result.isSuccess(result)) assert.fail("expected a failure")
    assert.strictEqual(failureView(result.failure, 0).reason, "bad-response")
    assert.include(result.failure.reason.message, `6 containers carry the label ${LABEL}`)
    assert.include(result.failure.reason.message, "more than the 5")
    assert.include(result.failure.reason.message, "SYSTEM_PROFILER_MAX_CONTAINERS")
    assert.isFalse(fake.requests.some((r) => /\/containers\/[0-9a-f]{64}\//.test(r.url)))

    // Back within the maximum: every container again.
    fake.containers = containers(5)
    const back = await sample()
    if (Result.isFailure(back)) assert.fail(back.failure.message)
    assert.strictEqual(back.success.containers.length, 5)
  })
})
