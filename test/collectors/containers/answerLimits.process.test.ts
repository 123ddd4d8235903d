// The service as a process against a fake daemon that answers the container list with 512 MiB,
// then with an endless chunked body, every sample. Unbounded, the first answer alone would take
// the process past its memory (the image's heap is 64 MB); bounded, it reads at most the list's
// limit each time, keeps answering /health, reports a 503 naming the endpoint, and stops on
// SIGTERM.

import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { listCall } from "../../../src/collectors/containers/dockerCalls.ts"
import { DEFAULT_MAX_CONTAINERS } from "../../../src/config/AppConfig.ts"
import { eventually, MiB, memoryOf, stopWithin } from "../../support/processFigures.ts"
import { type Service, startService } from "../../support/service.ts"
import { type FakeDocker, makeFakeDocker } from "./support/fakeDocker.ts"

// How much the service's peak RSS may grow while it is fed the hostile answers: a few list
// limits' worth of buffers and parse garbage, far below one unbounded answer (512 MiB).
const PEAK_GROWTH_BOUND = 96 * MiB
const LIST = listCall(DEFAULT_MAX_CONTAINERS)

let fake: FakeDocker
let service: Service

beforeAll(async () => {
  fake = await makeFakeDocker()
  fake.containers = [{ id: "a".repeat(64), name: "web", state: "running" }]
  service = await startService(
    {
      DOCKER_HOST: `unix://${fake.socketPath}`,
      SYSTEM_PROFILER_STACK_LABEL: "sp.fake.stack=process-limits",
      SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "api",
      SYSTEM_PROFILER_CONTAINERS_INTERVAL: "500ms",
      SYSTEM_PROFILER_DOCKER_TIMEOUT: "30s"
    },
    "answer-limits-token"
  )
})

afterAll(async () => {
  await service?.stop()
  await fake?.close()
})

const listCalls = () => fake.requests.filter((r) => r.url.includes("/containers/json?")).length

describe("a daemon that floods the container list", () => {
  it("costs a bounded amount of memory, a 503 naming the endpoint, and no lost /health", async () => {
    assert.isTrue(await eventually(async () => (await service.get("/containers")).status === 200, 20_000))
    const pid = service.child.pid!
    const before = memoryOf(pid)

    for (const body of ["huge", "endless"] as const) {
      fake.hostile = { call: "list", body }
      const from = listCalls()
      // Several samples' worth of hostile answers, each read up to the list's limit.
      assert.isTrue(await eventually(() => listCalls() >= from + 6, 30_000), `${body}: too few samples`)
      const { status, body: text } = await service.get("/containers")
      assert.strictEqual(status, 503, text)
      const error = JSON.parse(text) as { reason: string; error: string }
      assert.strictEqual(error.reason, "bad-response")
      assert.include(error.error, fake.socketPath)
      assert.include(error.error, "GET /containers/json")
      assert.strictEqual((await service.get("/health")).status, 200)
    }

    const after = memoryOf(pid)
    const growth = after.peak - before.peak
    console.info(
      `RSS ${(before.rss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB, peak ${(before.peak / MiB).toFixed(0)} -> ${(after.peak / MiB).toFixed(0)} MiB; ` +
        `${(fake.hostileBytesSent / MiB).toFixed(0)} MiB sent in ${listCalls()} list answers of at most ${(LIST.maxBytes / MiB).toFixed(1)} MiB read`
    )
    assert.isBelow(growth, PEAK_GROWTH_BOUND)
    // The daemon could only write what was read, answer after answer.
    assert.isBelow(fake.hostileBytesSent, listCalls() * (LIST.maxBytes + 2 * MiB))

    assert.strictEqual(await stopWithin(service.child, 1_000), 0, service.output())
  })
})
