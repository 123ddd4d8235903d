// What a container's limits are doing to it, through the whole live collector: a fake daemon
// lists the container, and HOST_SYS/HOST_PROC point at a cgroup tree assembled from the
// fixtures of test/fixtures/cgroup (v2-systemd-reconstructed with the depth files of
// depth-v2-public; v1-cgroupfs-live-vm with those of depth-v1-live-vm/limited: the READMEs there
// say where each file came from). A container whose cgroup is not found gets its limits from the
// inspect answer and its throttling and pids from the stats API.

import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Layer, ManagedRuntime, Schema } from "effect"
import { ContainerInfo, type ContainerStats } from "../../../src/api/ContainerStats.ts"
import { ContainerCollector } from "../../../src/collectors/containers/ContainerCollector.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import { cpuLimitPercent } from "../../../src/views/containers.ts"
import { sampleContainers } from "../../support/readings.ts"
import { type FakeDocker, makeFakeDocker, SECRET_IN_FAKE_ENV } from "./support/fakeDocker.ts"

const fixtures = new URL("../../fixtures/cgroup/", import.meta.url).pathname
const V1_ID = "df08015b3e5f0f10d666f68bb0121fb0503c72ecb08e71f23d0a4572a4dc6f10"
const V2_ID = "3f1a6b0c2d4e5f60718293a4b5c6d7e8f9011223344556677889aabbccddeeff"
const V2_PUBLIC = join(fixtures, "depth-v2-public")
const V1_LIMITED = join(fixtures, "depth-v1-live-vm", "limited")
const LABEL = "sp.fake.stack=depth"

const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const copy = (from: string, to: string) => cpSync(from, to, { recursive: true })

/** v2-systemd-reconstructed, its scope given a CPU quota, OOM kills, pids and PSI files. */
const v2Tree = () => {
  const root = mkdtempSync(join(tmpdir(), "sp-depth-v2-"))
  dirs.push(root)
  copy(join(fixtures, "v2-systemd-reconstructed"), root)
  const scope = join(root, "sys/fs/cgroup/system.slice", `docker-${V2_ID}.scope`)
  copy(join(V2_PUBLIC, "containerd-cpu-max/cpu.max"), join(scope, "cpu.max"))
  for (const file of ["memory.events", "cpu.pressure", "memory.pressure", "io.pressure"]) {
    copy(join(V2_PUBLIC, "elastic-docker-scope-edited", file), join(scope, file))
  }
  for (const file of ["pids.current", "pids.max"])
    copy(join(V2_PUBLIC, "elastic-session-scope", file), join(scope, file))
  return root
}

/** v1-cgroupfs-live-vm, the container given the limited container's cpu, memory and pids files. */
const v1Tree = () => {
  const root = mkdtempSync(join(tmpdir(), "sp-depth-v1-"))
  dirs.push(root)
  copy(join(fixtures, "v1-cgroupfs-live-vm"), root)
  const cgroup = join(root, "sys/fs/cgroup")
  copy(join(V1_LIMITED, "cpu"), join(cgroup, "cpu/docker", V1_ID))
  copy(join(V1_LIMITED, "pids"), join(cgroup, "pids/docker", V1_ID))
  for (const file of ["memory.limit_in_bytes", "memory.oom_control"]) {
    copy(join(V1_LIMITED, "memory", file), join(cgroup, "memory/docker", V1_ID, file))
  }
  return root
}

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

const collector = (tree: string | undefined) => {
  const runtime = ManagedRuntime.make(
    ContainerCollector.layerLive.pipe(
      Layer.provide(
        layerTest({
          DOCKER_HOST: `unix://${fake.socketPath}`,
          SYSTEM_PROFILER_STACK_LABEL: LABEL,
          // No tree: a HOST_SYS without cgroups, as when /sys is not mounted.
          ...(tree === undefined
            ? { HOST_SYS: "/nonexistent" }
            : { HOST_SYS: join(tree, "sys"), HOST_PROC: join(tree, "proc") })
        })
      )
    )
  )
  runtimes.push(runtime)
  return async (): Promise<ContainerStats> => {
    const stats = await runtime.runPromise(sampleContainers)
    for (const info of stats.containers) Schema.decodeUnknownSync(ContainerInfo)(info)
    return stats
  }
}

const sample = (tree: string | undefined) => collector(tree)()

const compose = { "com.docker.compose.project": "pi-site", "com.docker.compose.service": "web" }

describe("depth figures through the live collector", () => {
  it("cgroup v2 (systemd layout): the quota, OOM kills, pids and pressure of the container's scope", async () => {
    fake.containers = [{ id: V2_ID, name: "v2", state: "running", pid: 4242, labels: compose }]
    const info = (await sample(v2Tree())).containers[0]!
    // No stats call: every figure came from the tree.
    assert.isFalse(fake.requests.some((r) => r.url.includes("/stats")))
    assert.deepStrictEqual(info.limits, { cpus: 1.25, memoryBytes: 4_000_000_000, pids: null })
    assert.deepStrictEqual(info.throttling, { periods: 0, throttledPeriods: 0, throttledSeconds: 0 })
    assert.strictEqual(info.oomKills, 1)
    assert.strictEqual(info.pids, 148)
    assert.deepStrictEqual(info.pressure, {
      cpu: { some: { avg10: 4.3, avg60: 3.2, avg300: 1.11, totalSeconds: 1.676316 }, full: null },
      memory: {
        some: { avg10: 0, avg60: 0, avg300: 0, totalSeconds: 0 },
        full: { avg10: 0, avg60: 0, avg300: 0, totalSeconds: 0 }
      },
      io: {
        some: { avg10: 3, avg60: 2.1, avg300: 4, totalSeconds: 1.154482 },
        full: { avg10: 10, avg60: 30, avg300: 0.5, totalSeconds: 1.154482 }
      }
    })
    // Its two compose labels, and no other label.
    assert.deepStrictEqual([info.composeProject, info.composeService], ["pi-site", "web"])
    assert.notInclude(JSON.stringify(info), SECRET_IN_FAKE_ENV)
  })

  it("cgroup v1 (cgroupfs layout): quota, throttling, memory limit, oom_control and pids of its controllers", async () => {
    fake.containers = [{ id: V1_ID, name: "v1", state: "running", pid: 20268 }]
    const stats = await sample(v1Tree())
    const info = stats.containers[0]!
    assert.isFalse(fake.requests.some((r) => r.url.includes("/stats")))
    assert.deepStrictEqual(info.limits, { cpus: 0.2, memoryBytes: 67_108_864, pids: 50 })
    assert.deepStrictEqual(info.throttling, { periods: 92, throttledPeriods: 76, throttledSeconds: 3.298670635 })
    assert.strictEqual(info.memory?.limitBytes, 67_108_864)
    assert.strictEqual(info.oomKills, 0)
    assert.strictEqual(info.pids, 1)
    assert.isNull(info.pressure) // no per-cgroup PSI on v1
    assert.deepStrictEqual([info.composeProject, info.composeService], [null, null])
  })

  it("limits are read again with the inspect answer, what they do at every sample", async () => {
    const tree = v2Tree()
    const scope = join(tree, "sys/fs/cgroup/system.slice", `docker-${V2_ID}.scope`)
    // "Up 3 minutes": the list says nothing changed, so the last inspect (and the limits read beside it) holds.
    const container = { id: V2_ID, name: "v2", state: "running" as const, pid: 4242, status: "Up 3 minutes" }
    fake.containers = [container]
    const read = collector(tree)
    assert.strictEqual((await read()).containers[0]!.limits?.cpus, 1.25)
    writeFileSync(join(scope, "cpu.max"), "50000 100000\n")
    writeFileSync(join(scope, "pids.current"), "7\n")
    const kept = (await read()).containers[0]!
    assert.deepStrictEqual([kept.limits?.cpus, kept.pids], [1.25, 7])
    // A restart (the list's uptime in seconds) means a new inspect, and the limits are read again.
    fake.containers = [{ ...container, status: "Up 2 seconds" }]
    assert.strictEqual((await read()).containers[0]!.limits?.cpus, 0.5)
  })

  it("without its cgroup: limits from the inspect answer, throttling and pids from the stats API", async () => {
    fake.containers = [
      {
        id: V2_ID,
        name: "api",
        state: "running",
        hostConfig: { NanoCpus: 500_000_000, CpuQuota: 0, CpuPeriod: 0, Memory: 8_388_608, PidsLimit: 20 },
        throttling: { periods: 10, throttled_periods: 4, throttled_time: 250_000_000 },
        pidsCurrent: 3
      },
      {
        id: V1_ID,
        name: "quota",
        state: "running",
        hostConfig: { NanoCpus: 0, CpuQuota: 150_000, CpuPeriod: 50_000, Memory: 0, PidsLimit: -1 }
      }
    ]
    const [api, quota] = (await sample(undefined)).containers
    assert.deepStrictEqual(api!.limits, { cpus: 0.5, memoryBytes: 8_388_608, pids: 20 })
    assert.deepStrictEqual(api!.throttling, { periods: 10, throttledPeriods: 4, throttledSeconds: 0.25 })
    assert.strictEqual(api!.pids, 3)
    assert.isNull(api!.oomKills) // the API does not count them
    // --cpu-quota 150000 --cpu-period 50000: three CPUs; no memory or pids limit.
    assert.deepStrictEqual(quota!.limits, { cpus: 3, memoryBytes: null, pids: null })
  })

  it("a stopped container: the last exit's code and OOM flag from inspect, no figures", async () => {
    fake.containers = [
      { id: V2_ID, name: "gone", state: "exited", exitCode: 137, oomKilled: true, status: "Exited (137) 3 seconds ago" }
    ]
    const info = (await sample(undefined)).containers[0]!
    assert.deepStrictEqual([info.exitCode, info.oomKilled], [137, true])
    assert.deepStrictEqual([info.throttling, info.pids, info.pressure, info.cpuLimitPercent], [null, null, null, null])
  })
})

describe("CPU use as a share of the limit", () => {
  it("is docker's CPU % (one core is 100) over the CPUs allowed", () => {
    assert.strictEqual(cpuLimitPercent(20, 0.2), 100)
    assert.strictEqual(cpuLimitPercent(10, 0.2), 50)
    assert.strictEqual(cpuLimitPercent(150, 2), 75)
    assert.isNull(cpuLimitPercent(20, null))
    assert.isNull(cpuLimitPercent(null, 0.5))
  })
})
