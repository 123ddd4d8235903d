// The live collector against a fake daemon: version negotiation, the one-shot CPU window,
// vanished and wedged containers, bounded concurrency, and every way Docker can be unavailable.

import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, Result } from "effect"
import type { ContainerStats } from "../../../src/api/ContainerStats.ts"
import type { CollectorFailure } from "../../../src/api/errors.ts"
import { ContainerCollector } from "../../../src/collectors/containers/ContainerCollector.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import type { SampleError } from "../../../src/domain/SampleError.ts"
import { failureView } from "../../../src/views/stats.ts"
import { sampleContainers } from "../../support/readings.ts"
import { type FakeDocker, makeFakeDocker, SECRET_IN_FAKE_ENV } from "./support/fakeDocker.ts"

const LABEL = "sp.fake.stack=unit"
const hex = (n: number) => n.toString(16).padStart(64, "0")

let fake: FakeDocker
let runtimes: Array<ManagedRuntime.ManagedRuntime<ContainerCollector, unknown>> = []

beforeEach(async () => {
  fake = await makeFakeDocker()
})
afterEach(async () => {
  for (const runtime of runtimes) await runtime.dispose()
  runtimes = []
  await fake.close()
})

/** A collector on the fake daemon; `sample()` resolves to its Result. */
const collector = (env: Record<string, string> = {}) => {
  const runtime = ManagedRuntime.make(
    ContainerCollector.layerLive.pipe(
      Layer.provide(
        layerTest({
          DOCKER_HOST: `unix://${fake.socketPath}`,
          SYSTEM_PROFILER_STACK_LABEL: LABEL,
          SYSTEM_PROFILER_DOCKER_TIMEOUT: "2s",
          ...env
        })
      )
    )
  )
  runtimes.push(runtime)
  return {
    sample: (): Promise<Result.Result<ContainerStats, SampleError>> =>
      runtime.runPromise(Effect.result(sampleContainers))
  }
}

const ok = (result: Result.Result<ContainerStats, SampleError>): ContainerStats => {
  if (Result.isFailure(result)) assert.fail(`expected figures, got ${result.failure.message}`)
  return result.success
}
/** The failure as the API shows it: the reason and the error text. */
const failed = (result: Result.Result<ContainerStats, SampleError>): CollectorFailure => {
  if (Result.isSuccess(result)) assert.fail("expected a failure")
  return failureView(result.failure, 0)
}

describe("requests", () => {
  it("only GETs, with the label filter, versioned paths and one-shot stats on API 1.41", async () => {
    fake.containers = [{ id: hex(1), name: "web", state: "running" }]
    ok(await collector().sample())
    assert.isTrue(fake.requests.every((r) => r.method === "GET"))
    const urls = fake.requests.map((r) => r.url)
    assert.deepStrictEqual(urls, [
      "/version",
      `/v1.41/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ label: [LABEL] }))}`,
      `/v1.41/containers/${hex(1)}/json`,
      `/v1.41/containers/${hex(1)}/stats?stream=false&one-shot=true`
    ])
    // No tracing headers: nothing exports spans, and the daemon has no use for them.
    for (const request of fake.requests) {
      assert.notInclude(request.headerNames, "traceparent", request.url)
      assert.notInclude(request.headerNames, "b3", request.url)
    }
  })

  it("speaks the daemon's version when it is older, without one-shot below 1.41", async () => {
    fake.apiVersion = "1.40"
    fake.containers = [{ id: hex(1), name: "web", state: "running" }]
    const sample = ok(await collector().sample())
    assert.include(
      fake.requests.map((r) => r.url),
      `/v1.40/containers/${hex(1)}/stats?stream=false`
    )
    // The daemon's own precpu window gives a CPU figure from the first sample on.
    assert.strictEqual(sample.containers[0]!.cpuPercent, 50)
  })

  it("speaks its own newest version to a newer daemon, and negotiates once", async () => {
    fake.apiVersion = "1.99"
    fake.containers = [{ id: hex(1), name: "web", state: "running" }]
    const c = collector()
    ok(await c.sample())
    ok(await c.sample())
    const urls = fake.requests.map((r) => r.url)
    assert.isTrue(urls.filter((u) => u !== "/version").every((u) => u.startsWith("/v1.51/")))
    assert.strictEqual(urls.filter((u) => u === "/version").length, 1)
  })

  it("stats calls stay within SYSTEM_PROFILER_DOCKER_CONCURRENCY", async () => {
    fake.containers = Array.from({ length: 8 }, (_, i) => ({
      id: hex(i + 1),
      name: `c${i}`,
      state: "running" as const
    }))
    fake.statsDelayMs = 50
    const sample = ok(await collector({ SYSTEM_PROFILER_DOCKER_CONCURRENCY: "3" }).sample())
    assert.strictEqual(sample.containers.length, 8)
    assert.strictEqual(fake.maxStatsInFlight, 3)
  })

  it("reaches a socket proxy over tcp when DOCKER_HOST is tcp://", async () => {
    const port = await fake.listenTcp()
    fake.containers = [{ id: hex(1), name: "web", state: "running" }]
    const sample = ok(await collector({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }).sample())
    assert.deepStrictEqual(
      sample.containers.map((c) => c.name),
      ["web"]
    )
  })
})

describe("figures", () => {
  it("CPU % is null on the first one-shot sample and the docker formula over our own window after", async () => {
    fake.containers = [{ id: hex(1), name: "web", state: "running", cpuStep: 500_000_000 }]
    const c = collector()
    const first = ok(await c.sample()).containers[0]!
    assert.isNull(first.cpuPercent)
    const second = ok(await c.sample()).containers[0]!
    // Δ 500e6 ns of container CPU over Δ 2e9 ns of host CPU, × 2 online CPUs × 100.
    assert.strictEqual(second.cpuPercent, (500_000_000 / 2_000_000_000) * 2 * 100)
    assert.deepStrictEqual(second.memory, { usageBytes: 2_000_000, limitBytes: 10_000_000, usagePercent: 20 })
    assert.deepStrictEqual(second.network, { rxBytes: 11, txBytes: 22 })
    assert.deepStrictEqual(second.blockIo, { readBytes: 4096, writeBytes: 0 })
    assert.strictEqual(second.startedAt, "2026-11-25T08:00:00.123Z")
  })

  it("health, restart count and the summary; stopped containers get no stats call", async () => {
    fake.containers = [
      { id: hex(1), name: "a-ok", state: "running", health: "healthy" },
      { id: hex(2), name: "b-sick", state: "running", health: "unhealthy" },
      { id: hex(3), name: "c-loop", state: "restarting", restartCount: 7 },
      { id: hex(4), name: "d-done", state: "exited" }
    ]
    const sample = ok(await collector().sample())
    assert.deepStrictEqual(
      sample.containers.map((c) => [c.name, c.state, c.health, c.restartCount]),
      [
        ["a-ok", "running", "healthy", 0],
        ["b-sick", "running", "unhealthy", 0],
        ["c-loop", "restarting", "none", 7],
        ["d-done", "exited", "none", 0]
      ]
    )
    assert.deepStrictEqual(sample.summary, { total: 4, running: 2, stopped: 2, unhealthy: 1 })
    assert.isFalse(fake.requests.some((r) => r.url.includes(`${hex(3)}/stats`) || r.url.includes(`${hex(4)}/stats`)))
  })

  it("a container that vanishes between the list and its details is left out, not an error", async () => {
    fake.containers = [
      { id: hex(1), name: "stays", state: "running" },
      { id: hex(2), name: "gone-before-inspect", state: "running", vanishOn: "inspect" },
      { id: hex(3), name: "gone-before-stats", state: "running", vanishOn: "stats" }
    ]
    const sample = ok(await collector().sample())
    assert.deepStrictEqual(
      sample.containers.map((c) => c.name),
      ["stays"]
    )
    assert.deepStrictEqual(sample.summary, { total: 1, running: 1, stopped: 0, unhealthy: 0 })
  })

  it("a wedged stats call costs one container its figures, within the timeout, not the section", async () => {
    fake.containers = [
      { id: hex(1), name: "fine", state: "running" },
      { id: hex(2), name: "wedged", state: "running", hangStats: true }
    ]
    const sample = ok(await collector({ SYSTEM_PROFILER_DOCKER_TIMEOUT: "200ms" }).sample())
    const [fine, wedged] = sample.containers
    assert.isNotNull(fine!.memory)
    assert.strictEqual(wedged!.name, "wedged")
    assert.strictEqual(wedged!.state, "running")
    assert.isNull(wedged!.memory)
    assert.isNull(wedged!.cpuPercent)
  })

  it("nothing from Env, the command or foreign labels reaches the figures", async () => {
    fake.containers = [{ id: hex(1), name: "web", state: "running" }]
    const c = collector()
    await c.sample()
    const text = JSON.stringify(ok(await c.sample()))
    assert.notInclude(text, SECRET_IN_FAKE_ENV)
  })
})

describe("Docker unavailable", () => {
  it("no socket: unavailable, naming the path", async () => {
    const error = failed(await collector({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }).sample())
    assert.strictEqual(error.reason, "unavailable")
    assert.include(error.error, "/nonexistent/docker.sock")
  })

  it("a proxy or daemon that refuses with 403: permission-denied; a 500: bad-response", async () => {
    fake.mode = 403
    const c = collector()
    assert.strictEqual(failed(await c.sample()).reason, "permission-denied")
    fake.mode = 500
    const error = failed(await c.sample())
    assert.strictEqual(error.reason, "bad-response")
    assert.notInclude(error.error, "forbidden by proxy") // Docker's message bodies are not passed on
  })

  it("a daemon that does not answer: timeout, within the configured time", async () => {
    fake.mode = "hang"
    const error = failed(await collector({ SYSTEM_PROFILER_DOCKER_TIMEOUT: "200ms" }).sample())
    assert.strictEqual(error.reason, "timeout")
    assert.include(error.error, "within 200ms")
  })

  it("a daemon that stops is unavailable; once back, the next sample recovers and renegotiates", async () => {
    fake.containers = [{ id: hex(1), name: "web", state: "running" }]
    const c = collector()
    ok(await c.sample())
    await fake.stop()
    const error = failed(await c.sample())
    assert.strictEqual(error.reason, "unavailable")
    assert.include(error.error, fake.socketPath)
    fake.apiVersion = "1.43" // upgraded while it was down
    await fake.start()
    const back = ok(await c.sample())
    assert.strictEqual(back.containers.length, 1)
    assert.strictEqual(fake.requests.filter((r) => r.url === "/version").length, 2)
    assert.isTrue(fake.requests.at(-1)!.url.startsWith("/v1.43/"))
  })
})
