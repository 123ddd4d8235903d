// Docker answers past their byte limit (src/collectors/containers/dockerCalls.ts): a fake daemon
// sends a 512 MiB answer, or an endless chunked one, to each call in turn. The collector must
// stop reading at the call's limit, hang up, and fail the section with a bad-response that names
// the endpoint and the call, well within the timeout (which bounds time, not bytes).

import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, Result } from "effect"
import type { ContainerStats } from "../../../src/api/ContainerStats.ts"
import type { CollectorFailure } from "../../../src/api/errors.ts"
import { ContainerCollector } from "../../../src/collectors/containers/ContainerCollector.ts"
import {
  type DockerCall,
  INSPECT_CALL,
  listCall,
  STATS_CALL,
  VERSION_CALL
} from "../../../src/collectors/containers/dockerCalls.ts"
import { DEFAULT_MAX_CONTAINERS, layerTest } from "../../../src/config/AppConfig.ts"
import type { SampleError } from "../../../src/domain/SampleError.ts"
import { failureView } from "../../../src/views/stats.ts"
import { sampleContainers } from "../../support/readings.ts"
import { type FakeCall, type FakeDocker, makeFakeDocker } from "./support/fakeDocker.ts"

const hex = (n: number) => n.toString(16).padStart(64, "0")

// What the sockets between the two ends may hold besides what the collector read: the kernel's
// unix socket buffers and Node's stream buffers on both sides, a few hundred KB in all.
const IN_FLIGHT_SLACK = 2 * 1024 * 1024

let fake: FakeDocker
let runtime: ManagedRuntime.ManagedRuntime<ContainerCollector, unknown> | undefined

beforeEach(async () => {
  fake = await makeFakeDocker()
  fake.containers = [{ id: hex(1), name: "web", state: "running" }]
})
afterEach(async () => {
  await runtime?.dispose()
  runtime = undefined
  await fake.close()
})

const sample = (env: Record<string, string> = {}): Promise<Result.Result<ContainerStats, SampleError>> => {
  runtime = ManagedRuntime.make(
    ContainerCollector.layerLive.pipe(
      Layer.provide(
        layerTest({
          DOCKER_HOST: `unix://${fake.socketPath}`,
          SYSTEM_PROFILER_STACK_LABEL: "sp.fake.stack=limits",
          // Stats from the API, whatever this machine's cgroupfs holds.
          SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "api",
          // Long enough that only the byte limit can end a fast endless answer.
          SYSTEM_PROFILER_DOCKER_TIMEOUT: "60s",
          ...env
        })
      )
    )
  )
  return runtime.runPromise(Effect.result(sampleContainers))
}

const failed = (result: Result.Result<ContainerStats, SampleError>): CollectorFailure => {
  if (Result.isSuccess(result)) assert.fail("expected a failure")
  return failureView(result.failure, 0)
}

/** Until the fake sees every hostile answer closed: the collector hung up on it. */
const hungUp = async () => {
  const until = Date.now() + 10_000
  while (fake.hostileOpen > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  return fake.hostileOpen === 0
}

const calls: ReadonlyArray<[FakeCall, DockerCall]> = [
  ["version", VERSION_CALL],
  ["list", listCall(DEFAULT_MAX_CONTAINERS)],
  ["inspect", INSPECT_CALL],
  ["stats", STATS_CALL]
]

describe("an answer past its call's byte limit", () => {
  for (const [call, limits] of calls) {
    for (const body of ["huge", "endless"] as const) {
      it(`${body} ${limits.what}: a bad-response naming the endpoint and the call; reading stops at the limit`, async () => {
        fake.hostile = { call, body }
        const error = failed(await sample())
        assert.strictEqual(error.reason, "bad-response")
        assert.include(error.error, fake.socketPath)
        assert.include(error.error, limits.what)
        assert.include(error.error, "more than")
        // The daemon could write only what the collector read, plus what sockets buffer.
        assert.isAtMost(fake.hostileBytesSent, limits.maxBytes + IN_FLIGHT_SLACK)
        assert.isTrue(await hungUp(), "the collector left the answer open")
      })
    }
  }

  it("the list's limit follows SYSTEM_PROFILER_MAX_CONTAINERS", async () => {
    fake.hostile = { call: "list", body: "endless" }
    const error = failed(await sample({ SYSTEM_PROFILER_MAX_CONTAINERS: "10" }))
    assert.include(error.error, `more than ${Math.round(listCall(10).maxBytes / 1024)} KiB`)
    assert.isAtMost(fake.hostileBytesSent, listCall(10).maxBytes + IN_FLIGHT_SLACK)
  })

  it("an answer under the limit is still read whole", async () => {
    // A list entry padded to nearly the per-container allowance is no reason to fail.
    fake.containers = Array.from({ length: 20 }, (_, i) => ({
      id: hex(i + 1),
      name: `c${i}`,
      state: "exited" as const,
      status: `Exited (0) ${"x".repeat(7000)}`
    }))
    const result = await sample({ SYSTEM_PROFILER_MAX_CONTAINERS: "20" })
    assert.isTrue(Result.isSuccess(result))
  })
})
