// The live collector inspects a container again only when its last inspect may no longer hold:
// an unchanged, running container costs one stats call per sample (from the API here: the fake
// daemon's containers have no cgroup), while a restart, a health change, a stopped container or
// a daemon that came back is always inspected afresh.

import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, Result } from "effect"
import type { ContainerStats } from "../../../src/api/ContainerStats.ts"
import { ContainerCollector } from "../../../src/collectors/containers/ContainerCollector.ts"
import type { ContainerListItem } from "../../../src/collectors/containers/dockerSchemas.ts"
import { INSPECT_REUSE_MS, inspectStillHolds, RESTART_VISIBLE_MS } from "../../../src/collectors/containers/live.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import { sampleContainers } from "../../support/readings.ts"
import { type FakeDocker, makeFakeDocker } from "./support/fakeDocker.ts"

const LABEL = "sp.fake.stack=reuse"
const ID = "a".repeat(64)

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

const sampler = () => {
  runtime = ManagedRuntime.make(
    ContainerCollector.layerLive.pipe(
      Layer.provide(
        layerTest({
          DOCKER_HOST: `unix://${fake.socketPath}`,
          SYSTEM_PROFILER_STACK_LABEL: LABEL,
          SYSTEM_PROFILER_DOCKER_TIMEOUT: "2s"
        })
      )
    )
  )
  const r = runtime
  return async (): Promise<ContainerStats> => {
    const result = await r.runPromise(Effect.result(sampleContainers))
    if (Result.isFailure(result)) return assert.fail(`expected figures, got ${result.failure.message}`)
    return result.success
  }
}

const count = (kind: "json" | "stats") =>
  fake.requests.filter((r) => r.url.startsWith(`/v1.41/containers/${ID}/${kind}`)).length

describe("inspect reuse on the fake daemon", () => {
  it("an unchanged running container is inspected once, and still gets fresh stats every sample", async () => {
    fake.containers = [{ id: ID, name: "web", state: "running", status: "Up 2 hours (healthy)", health: "healthy" }]
    const sample = sampler()
    const first = await sample()
    const second = await sample()
    const third = await sample()
    assert.strictEqual(count("json"), 1)
    assert.strictEqual(count("stats"), 3)
    for (const s of [first, second, third]) {
      assert.strictEqual(s.containers[0]!.health, "healthy")
      assert.strictEqual(s.containers[0]!.restartCount, 0)
      assert.strictEqual(s.containers[0]!.state, "running")
    }
    // One-shot stats need the previous sample: the CPU figure comes from the second on.
    assert.isNotNull(third.containers[0]!.cpuPercent)
  })

  it("an uptime that moves on (Up 2 hours, Up 3 hours) is not inspected again", async () => {
    fake.containers = [{ id: ID, name: "web", state: "running", status: "Up 2 hours (healthy)", health: "healthy" }]
    const sample = sampler()
    await sample()
    fake.containers[0]!.status = "Up 3 hours (healthy)"
    await sample()
    fake.containers[0]!.status = "Up 4 hours (healthy)"
    const third = await sample()
    assert.strictEqual(count("json"), 1)
    assert.strictEqual(third.containers[0]!.status, "Up 4 hours (healthy)")
  })

  it("a restarted container is inspected again: its restart count and start time are new", async () => {
    fake.containers = [{ id: ID, name: "web", state: "running", status: "Up 2 hours" }]
    const sample = sampler()
    const before = await sample()
    assert.strictEqual(before.containers[0]!.restartCount, 0)
    fake.containers[0]!.status = "Up 4 seconds"
    fake.containers[0]!.restartCount = 1
    fake.containers[0]!.startedAt = "2026-11-25T10:00:00.000000000Z"
    const after = await sample()
    assert.strictEqual(count("json"), 2)
    assert.strictEqual(after.containers[0]!.restartCount, 1)
    assert.strictEqual(after.containers[0]!.startedAt, "2026-11-25T10:00:00.000Z")
    // Still in its first minute: every sample inspects it.
    await sample()
    assert.strictEqual(count("json"), 3)
  })

  it("a health change shows in the list's Status, and is inspected", async () => {
    fake.containers = [{ id: ID, name: "web", state: "running", status: "Up 2 hours (healthy)", health: "healthy" }]
    const sample = sampler()
    await sample()
    fake.containers[0]!.status = "Up 2 hours (unhealthy)"
    fake.containers[0]!.health = "unhealthy"
    const after = await sample()
    assert.strictEqual(after.containers[0]!.health, "unhealthy")
    assert.strictEqual(after.summary.unhealthy, 1)
  })

  it("a container that is not running is inspected every sample", async () => {
    fake.containers = [{ id: ID, name: "job", state: "exited", status: "Exited (0) 2 hours ago" }]
    const sample = sampler()
    await sample()
    await sample()
    assert.strictEqual(count("json"), 2)
    assert.strictEqual(count("stats"), 0)
  })

  it("after a failed sample (the daemon went away), every container is inspected afresh", async () => {
    fake.containers = [{ id: ID, name: "web", state: "running", status: "Up 2 hours" }]
    const sample = sampler()
    await sample()
    await fake.stop()
    await runtime!.runPromise(Effect.result(sampleContainers))
    await fake.start()
    await sample()
    assert.strictEqual(count("json"), 2)
  })
})

describe("inspectStillHolds", () => {
  const item = (Status: string, State = "running"): ContainerListItem => ({
    Id: ID,
    Names: ["/web"],
    Image: "x",
    State,
    Status
  })
  const at = 1_000_000
  const seen = { state: "running", status: "Up 3 minutes (healthy)", at, seenAt: at }

  it("holds for the same running entry, its uptime moving on, within the reuse window", () => {
    assert.isTrue(inspectStillHolds(seen, item("Up 3 minutes (healthy)"), at + 1))
    assert.isTrue(inspectStillHolds(seen, item("Up 4 minutes (healthy)"), at + 10_000))
    const later = { ...seen, seenAt: at + INSPECT_REUSE_MS - 10_000 }
    assert.isTrue(inspectStillHolds(later, item("Up 13 minutes (healthy)"), at + INSPECT_REUSE_MS - 1))
  })
  it("not once the reuse window is over, whatever the list says", () => {
    const later = { ...seen, seenAt: at + INSPECT_REUSE_MS - 10_000 }
    assert.isFalse(inspectStillHolds(later, item("Up 13 minutes (healthy)"), at + INSPECT_REUSE_MS))
  })
  it("not when the last sample that saw it is a minute old: a restart in between could read in minutes", () => {
    assert.isFalse(inspectStillHolds(seen, item("Up 2 minutes (healthy)"), at + RESTART_VISIBLE_MS))
    assert.isTrue(inspectStillHolds(seen, item("Up 2 minutes (healthy)"), at + RESTART_VISIBLE_MS - 1))
  })
  it("not for a changed health or State, nor for an uptime counted in seconds", () => {
    assert.isFalse(inspectStillHolds(seen, item("Up 3 minutes (unhealthy)"), at + 1))
    assert.isFalse(inspectStillHolds(seen, item("Up 3 minutes"), at + 1))
    assert.isFalse(inspectStillHolds(seen, item("Up 3 minutes (healthy)", "paused"), at + 1))
    assert.isFalse(inspectStillHolds(seen, item("Up Less than a second (health: starting)"), at + 1))
    const plain = { ...seen, status: "Up 3 minutes" }
    assert.isFalse(inspectStillHolds(plain, item("Up 30 seconds"), at + 1))
    assert.isFalse(inspectStillHolds(plain, item("Up 1 second"), at + 1))
  })
  it("not when the list has no State (an old daemon)", () => {
    const { State: _, ...old } = item("Up 3 minutes (healthy)")
    assert.isFalse(inspectStillHolds({ ...seen, state: undefined }, old, at + 1))
  })
})
