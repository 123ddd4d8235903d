// The live collector and the service against the real dockerd (scripts/ensure-docker.sh starts
// it). These tests fail, never skip, when Docker cannot be reached: CI installs it.
//
// The run starts, all with --network none and a name prefix and label value unique to the run:
// three labelled containers (a passing healthcheck and a CPU-burning loop; a failing healthcheck;
// one that keeps restarting), a labelled container with a random SECRET_TOKEN in its env, another
// random string in its command line and a third in a foreign label, a plain idle labelled one (to
// compare memory with the docker CLI's own output), one unlabelled container, and one with the
// same label key but another stack's value.

import net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Result, Schema } from "effect"
import { HttpClient } from "effect/http"
import { afterAll, beforeAll } from "vitest"
import { ContainerStats } from "../../../src/api/ContainerStats.ts"
import { ContainerCollector } from "../../../src/collectors/containers/ContainerCollector.ts"
import * as DockerClient from "../../../src/collectors/containers/DockerClient.ts"
import { ContainerStatsAnswer } from "../../../src/collectors/containers/dockerSchemas.ts"
import * as Live from "../../../src/collectors/containers/live.ts"
import { countersFromCgroup, countersFromStatsAnswer } from "../../../src/collectors/containers/reading.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import {
  detectLayout,
  findContainerCgroup,
  readCgroupCounters,
  readHostCpuCounters,
  readProcessNetDev
} from "../../../src/kernel/cgroup/stats.ts"
import type { KernelFs } from "../../../src/kernel/fs.ts"
import { round2 } from "../../../src/views/units.ts"
import { sampleContainers } from "../../support/readings.ts"

const KERNEL: KernelFs = { proc: "/proc", sys: "/sys", root: "/" }

import { type Service, startService } from "../../support/service.ts"
import { docker, ensureDocker, IMAGE, inspectField, randomToken, removeByPrefix, waitFor } from "./support/docker.ts"

const runId = randomToken(6)
const prefix = `sp-test-${runId}`
const labelKey = "sp-test.stack"
const stackLabel = `${labelKey}=${runId}`
const secretEnv = `env-${randomToken()}`
const secretCmd = `cmd-${randomToken()}`
const secretLabel = `label-${randomToken()}`
const MiB = 1024 * 1024

const ids: Record<string, string> = {}
const labelled = ["healthy", "unhealthy", "restarting", "secret", "idle"] as const

const start = async (name: string, args: ReadonlyArray<string>, command: ReadonlyArray<string>) => {
  ids[name] = await docker([
    "run",
    "-d",
    "--network",
    "none",
    "--name",
    `${prefix}-${name}`,
    ...args,
    IMAGE,
    ...command
  ])
}

beforeAll(async () => {
  await ensureDocker()
  const label = ["--label", stackLabel]
  const health = (cmd: string) => ["--health-cmd", cmd, "--health-interval", "1s", "--health-retries", "1"]
  await start("healthy", [...label, ...health("true"), "--cpus", "0.5"], ["sh", "-c", "while :; do :; done"])
  await start("unhealthy", [...label, ...health("false")], ["sleep", "3600"])
  await start("restarting", [...label, "--restart", "always"], ["sh", "-c", "sleep 0.5; exit 3"])
  await start(
    "secret",
    [...label, "--label", `sp-test.note=${secretLabel}`, "-e", `SECRET_TOKEN=${secretEnv}`, "-m", "64m"],
    ["sh", "-c", `echo ${secretCmd} >/tmp/note; exec sleep 3600`]
  )
  await start("idle", label, ["sleep", "3600"])
  await start("unlabelled", [], ["sleep", "3600"])
  await start("other-stack", ["--label", `${labelKey}=${runId}-other`], ["sleep", "3600"])
  const container = (name: string) => `${prefix}-${name}`
  await waitFor("the healthchecks to settle and a restart", async () => {
    const healthy = await inspectField(container("healthy"), "{{.State.Health.Status}}")
    const unhealthy = await inspectField(container("unhealthy"), "{{.State.Health.Status}}")
    const restarts = Number(await inspectField(container("restarting"), "{{.RestartCount}}"))
    return healthy === "healthy" && unhealthy === "unhealthy" && restarts >= 1 ? true : undefined
  })
})

afterAll(async () => {
  await removeByPrefix(prefix)
})

/** docker/cli calculateMemUsageUnixNoCache, written out again here on the raw answer. */
const cliMemoryUsed = (raw: { memory_stats: { usage: number; stats: Record<string, number> } }): number => {
  const { usage, stats } = raw.memory_stats
  if ("total_inactive_file" in stats && stats.total_inactive_file! < usage) return usage - stats.total_inactive_file!
  if ((stats.inactive_file ?? 0) < usage) return usage - (stats.inactive_file ?? 0)
  return usage
}

const socket = { _tag: "unix", socketPath: "/var/run/docker.sock" } as const

/**
 * The live collector on the real socket, through a DockerClient that shows every raw answer to
 * `onAnswer` before decoding it: so a test can apply the docker CLI formula to the very answer
 * the collector used, or act on the daemon between two of the collector's calls.
 */
const tappedCollector = (
  label: string,
  onAnswer: (path: string, body: unknown) => Effect.Effect<void>,
  env: Record<string, string> = {}
) => {
  const tapped = Layer.effect(
    DockerClient.DockerClient,
    Effect.gen(function* () {
      const real = yield* DockerClient.make(socket, Duration.seconds(5))
      return DockerClient.DockerClient.of({
        endpoint: real.endpoint,
        get: (path, schema, what) =>
          real.get(path, Schema.Unknown, what).pipe(
            Effect.tap((body) => onAnswer(path, body)),
            Effect.flatMap((body) => Effect.orDie(Schema.decodeUnknownEffect(schema)(body)))
          )
      })
    })
  ).pipe(Layer.provide(DockerClient.httpLayer(socket)))
  return Layer.effect(ContainerCollector, Live.make).pipe(
    Layer.provide([tapped, layerTest({ SYSTEM_PROFILER_STACK_LABEL: label, ...env })])
  )
}

describe("the live collector on the real daemon", () => {
  it.live("lists exactly the labelled containers with docker's health, restarts, state and figures", () =>
    Effect.gen(function* () {
      const raw = new Map<string, Array<Record<string, unknown>>>()
      const inspected = new Map<
        string,
        { State: { Status: string; Health?: { Status: string } }; RestartCount: number }
      >()
      // The API as the stats source, so that every figure can be checked against its answer.
      const layer = tappedCollector(
        stackLabel,
        (path, body) =>
          Effect.sync(() => {
            const id = /containers\/([0-9a-f]{64})\/stats/.exec(path)?.[1]
            if (id !== undefined) raw.set(id, [...(raw.get(id) ?? []), body as Record<string, unknown>])
            const inspectedId = /containers\/([0-9a-f]{64})\/json/.exec(path)?.[1]
            if (inspectedId !== undefined) inspected.set(inspectedId, body as never)
          }),
        { SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "api" }
      )

      const restartsBefore = Number(yield* Effect.promise(() => inspectField(ids.restarting!, "{{.RestartCount}}")))
      const [first, second] = yield* Effect.gen(function* () {
        const first = yield* sampleContainers
        return [first, yield* sampleContainers] as const
      }).pipe(Effect.provide(layer))
      const restartsAfter = Number(yield* Effect.promise(() => inspectField(ids.restarting!, "{{.RestartCount}}")))

      Schema.decodeUnknownSync(ContainerStats)(second)
      const byName = new Map(second.containers.map((c) => [c.name.slice(prefix.length + 1), c]))
      assert.deepStrictEqual(second.containers.map((c) => c.id).sort(), labelled.map((n) => ids[n]!).sort())
      assert.deepStrictEqual(first.containers.map((c) => c.id).sort(), labelled.map((n) => ids[n]!).sort())

      const healthy = byName.get("healthy")!
      assert.strictEqual(healthy.health, "healthy")
      assert.strictEqual(healthy.state, "running")
      assert.strictEqual(byName.get("unhealthy")!.health, "unhealthy")
      assert.strictEqual(byName.get("secret")!.health, "none")
      const restarting = byName.get("restarting")!
      assert.isAtLeast(restarting.restartCount, Math.max(1, restartsBefore))
      assert.isAtMost(restarting.restartCount, restartsAfter)
      assert.include(["running", "restarting", "exited"], restarting.state)
      // State, health and restart count are exactly what the daemon answered in that sample.
      for (const info of second.containers) {
        const answer = inspected.get(info.id)!
        assert.strictEqual(info.state, answer.State.Status, info.name)
        assert.strictEqual(info.health, answer.State.Health?.Status ?? "none", info.name)
        assert.strictEqual(info.restartCount, answer.RestartCount, info.name)
      }
      assert.strictEqual(healthy.image, IMAGE)

      // Start time and uptime agree with docker inspect.
      const startedAt = yield* Effect.promise(() => inspectField(ids.healthy!, "{{.State.StartedAt}}"))
      assert.strictEqual(healthy.startedAt, new Date(Date.parse(startedAt)).toISOString())
      assert.isAtLeast(healthy.uptimeSeconds!, 0)

      // The busy loop shows CPU on the second sample, and the figure is the CLI formula over
      // the two answers the collector read.
      assert.isAbove(healthy.cpuPercent!, 0)
      const [a, b] = raw.get(ids.healthy!)!.slice(-2) as Array<{
        cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number }
      }>
      const cpuDelta = b!.cpu_stats.cpu_usage.total_usage - a!.cpu_stats.cpu_usage.total_usage
      const systemDelta = b!.cpu_stats.system_cpu_usage - a!.cpu_stats.system_cpu_usage
      // Rounded to two decimals, as `docker stats` prints it and as the host's percentages are.
      assert.strictEqual(healthy.cpuPercent, round2((cpuDelta / systemDelta) * b!.cpu_stats.online_cpus * 100))

      // Memory is the CLI formula applied to the stats answer of the same sample.
      for (const name of ["healthy", "unhealthy", "secret"] as const) {
        const info = byName.get(name)!
        const answer = raw.get(ids[name]!)!.at(-1) as Parameters<typeof cliMemoryUsed>[0] & {
          memory_stats: { limit: number }
        }
        const used = cliMemoryUsed(answer)
        assert.deepStrictEqual(
          info.memory,
          {
            usageBytes: used,
            limitBytes: answer.memory_stats.limit,
            usagePercent: round2((used / answer.memory_stats.limit) * 100)
          },
          name
        )
      }
      assert.strictEqual(byName.get("secret")!.memory!.limitBytes, 64 * MiB)

      const running = second.containers.filter((c) => c.state === "running").length
      assert.deepStrictEqual(second.summary, {
        total: labelled.length,
        running,
        stopped: labelled.length - running,
        unhealthy: 1
      })

      const text = JSON.stringify([first, second])
      for (const secret of [secretEnv, secretCmd, secretLabel]) assert.notInclude(text, secret)
    })
  )
})

describe("container figures from cgroupfs (the default) on the real daemon", () => {
  it.live("a sample reads running containers' figures from cgroupfs, asking the API for none", () =>
    Effect.gen(function* () {
      const paths: Array<string> = []
      const layer = tappedCollector(stackLabel, (path) => Effect.sync(() => paths.push(path)))
      const [first, second] = yield* Effect.gen(function* () {
        const first = yield* sampleContainers
        // /proc/stat counts in 10 ms ticks: a window of a second gives the CPU figure two digits.
        yield* Effect.sleep("1 second")
        return [first, yield* sampleContainers] as const
      }).pipe(Effect.provide(layer))
      // The restarting container may exit between its inspect and the read of its cgroup, which
      // is then gone: for that one the collector rightly asks the API. For no other.
      assert.deepStrictEqual(
        paths.filter((p) => p.includes("/stats") && !p.includes(ids.restarting!)),
        []
      )
      assert.isAbove(paths.filter((p) => /containers\/[0-9a-f]{64}\/json/.test(p)).length, 0)
      for (const sample of [first, second]) {
        assert.deepStrictEqual(sample.containers.map((c) => c.id).sort(), labelled.map((n) => ids[n]!).sort())
      }
      const byName = new Map(second.containers.map((c) => [c.name.slice(prefix.length + 1), c]))
      // The loop is held to half a CPU by --cpus 0.5: above 0, and never above its quota.
      const busy = byName.get("healthy")!.cpuPercent!
      assert.isAbove(busy, 0)
      assert.isAtMost(busy, 60)
      assert.strictEqual(byName.get("idle")!.cpuPercent, 0)
      assert.strictEqual(byName.get("secret")!.memory!.limitBytes, 64 * MiB)
      for (const info of second.containers.filter((c) => c.state === "running")) {
        assert.isNotNull(info.memory, info.name)
        assert.deepStrictEqual(info.network, { rxBytes: 0, txBytes: 0 }, info.name) // --network none
      }
    })
  )

  it.live("its counters are dockerd's: one-shot stats answers, read beside cgroupfs", () =>
    Effect.gen(function* () {
      const layout = detectLayout("/sys")
      if (layout.version === "none") return assert.fail("no cgroup hierarchy under /sys")
      const http = yield* HttpClient.HttpClient
      const apiStats = (id: string) =>
        http.get(`http://docker/v1.41/containers/${id}/stats?stream=false&one-shot=true`).pipe(
          Effect.flatMap((r) => r.json),
          Effect.flatMap(Schema.decodeUnknownEffect(ContainerStatsAnswer)),
          Effect.orDie
        )
      for (const name of ["healthy", "unhealthy", "secret", "idle"] as const) {
        const id = ids[name]!
        const pid = Number(yield* Effect.promise(() => inspectField(id, "{{.State.Pid}}")))
        const cgroup = findContainerCgroup(layout, id)
        assert.isDefined(cgroup, name)
        // Both sources map into the one counters shape the formulas run on.
        const api = countersFromStatsAnswer(yield* apiStats(id))!
        const host = Result.getOrThrow(readHostCpuCounters(KERNEL))
        const interfaces = Result.getOrThrow(readProcessNetDev(KERNEL, pid))
        const ours = countersFromCgroup(Result.getOrThrow(readCgroupCounters(layout, cgroup!)), host, interfaces)
        assert.strictEqual(ours.onlineCpus, api.onlineCpus, name)
        assert.strictEqual(ours.memoryLimitBytes, api.memoryLimitBytes, name)
        // dockerd read /proc/stat at its last tick, at most about a second before us.
        const systemAhead = ours.systemCpuNanos! - api.systemCpuNanos!
        assert.isAtLeast(systemAhead, 0, name)
        assert.isAtMost(systemAhead, 3e9 * host.onlineCpus, name)
        const cpuAhead = ours.cpuNanos - api.cpuNanos
        assert.isAtLeast(cpuAhead, 0, name)
        if (name === "idle") {
          // A sleeping process: nothing moves between the two reads.
          assert.strictEqual(cpuAhead, 0)
          assert.deepStrictEqual(
            [ours.memoryUsageBytes, ours.inactiveFileV1, ours.inactiveFile],
            [api.memoryUsageBytes, api.inactiveFileV1, api.inactiveFile]
          )
        }
        assert.deepStrictEqual(ours.blockIo, api.blockIo, name)
        const none = { rxBytes: 0, txBytes: 0 }
        assert.deepStrictEqual(ours.network ?? none, api.network ?? none, name)
      }
    }).pipe(Effect.provide(DockerClient.httpLayer(socket)))
  )
})

/** go-units BytesSize: base 1024, "%.4g%s", as `docker stats` prints MEM USAGE / LIMIT. */
const bytesSize = (bytes: number) => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
  let size = bytes
  let i = 0
  for (; size >= 1024 && i < units.length - 1; i++) size /= 1024
  return `${Number(size.toPrecision(4))}${units[i]}`
}

describe("containers that go away during a refresh", () => {
  it.live("one removed after the list and one removed after its inspect are left out, not errors", () =>
    Effect.gen(function* () {
      const label = `${labelKey}=${runId}-vanish`
      for (const name of ["vanish-stays", "vanish-before-inspect", "vanish-before-stats"]) {
        yield* Effect.promise(() => start(name, ["--label", label], ["sleep", "3600"]))
      }
      const remove = (name: string) => Effect.promise(() => docker(["rm", "-f", ids[name]!]))
      const layer = tappedCollector(label, (path) =>
        path.includes("/containers/json?")
          ? remove("vanish-before-inspect")
          : path.endsWith(`/containers/${ids["vanish-before-stats"]}/json`)
            ? remove("vanish-before-stats")
            : Effect.void
      )
      const sample = yield* sampleContainers.pipe(Effect.provide(layer))
      assert.deepStrictEqual(
        sample.containers.map((c) => c.id),
        [ids["vanish-stays"]]
      )
      assert.deepStrictEqual(sample.summary, { total: 1, running: 1, stopped: 0, unhealthy: 0 })
    })
  )
})

describe("DOCKER_HOST=tcp://", () => {
  it.live("reaches the same daemon through a tcp forwarder, as through a socket proxy", () =>
    Effect.gen(function* () {
      // A plain tcp → unix forwarder in front of the real socket.
      const server = yield* Effect.acquireRelease(
        Effect.promise(
          () =>
            new Promise<net.Server>((resolve) => {
              const s = net.createServer((client) => {
                const upstream = net.connect("/var/run/docker.sock")
                client.pipe(upstream).pipe(client)
                client.on("error", () => upstream.destroy())
                upstream.on("error", () => client.destroy())
              })
              s.listen(0, "127.0.0.1", () => resolve(s))
            })
        ),
        (s) => Effect.promise(() => new Promise((resolve) => s.close(resolve)))
      )
      const port = (server.address() as net.AddressInfo).port
      const sample = yield* sampleContainers.pipe(
        Effect.provide(
          ContainerCollector.layerLive.pipe(
            Layer.provide(
              layerTest({ SYSTEM_PROFILER_STACK_LABEL: stackLabel, DOCKER_HOST: `tcp://127.0.0.1:${port}` })
            )
          )
        )
      )
      assert.deepStrictEqual(sample.containers.map((c) => c.id).sort(), labelled.map((n) => ids[n]!).sort())
    })
  )
})

describe("the docker CLI itself", () => {
  it.live("prints the same MEM USAGE / LIMIT and MEM % as the collector for idle containers", () =>
    Effect.gen(function* () {
      // Idle containers without a healthcheck (whose exec moves memory every second) hold their
      // memory still, but the two reads are not simultaneous: a page that moves in between is
      // allowed a few fresh attempts.
      const names = ["idle", "secret"] as const
      let ours: Array<string> = []
      let cli: Array<string> = []
      for (let attempt = 0; attempt < 5; attempt++) {
        const sample = yield* sampleContainers
        ours = names.map((n) => {
          const m = sample.containers.find((c) => c.id === ids[n])!.memory!
          return `${bytesSize(m.usageBytes)} / ${bytesSize(m.limitBytes)} ${m.usagePercent.toFixed(2)}%`
        })
        const printed = yield* Effect.promise(() =>
          docker([
            "stats",
            "--no-stream",
            "--format",
            "{{.ID}} {{.MemUsage}} {{.MemPerc}}",
            ...names.map((n) => ids[n]!)
          ])
        )
        const byId = new Map(printed.split("\n").map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]))
        cli = names.map((n) => byId.get(ids[n]!.slice(0, 12)) ?? "")
        if (ours.join() === cli.join()) break
      }
      assert.deepStrictEqual(ours, cli)
    }).pipe(
      Effect.provide(
        ContainerCollector.layerLive.pipe(Layer.provide(layerTest({ SYSTEM_PROFILER_STACK_LABEL: stackLabel })))
      )
    )
  )
})

describe("the service on the real daemon", () => {
  let service: Service | undefined
  afterAll(async () => {
    await service?.stop()
  })

  it("serves the containers, and no secret appears in any route or in its logs", async () => {
    service = await startService(
      { SYSTEM_PROFILER_STACK_LABEL: stackLabel, SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1s" },
      `token-${randomToken()}`
    )
    const s = service
    const containers = await waitFor("/containers with a CPU figure", async () => {
      const { status, body } = await s.get("/containers")
      if (status !== 200) return undefined
      const stats = Schema.decodeUnknownSync(ContainerStats)(JSON.parse(body))
      return stats.containers.every((c) => c.state !== "running" || c.cpuPercent !== null) ? stats : undefined
    })
    assert.deepStrictEqual(containers.containers.map((c) => c.id).sort(), labelled.map((n) => ids[n]!).sort())

    // Every route the OpenAPI document lists (path parameters left out), plus /metrics.
    const openapi = JSON.parse((await s.get("/openapi.json")).body) as { paths: Record<string, unknown> }
    const paths = [...new Set([...Object.keys(openapi.paths).filter((p) => !p.includes("{")), "/metrics", "/stats"])]
    const bodies: Array<string> = []
    for (const path of paths) {
      const { status, body } = await s.get(path, { maxMs: 2_500 })
      assert.notStrictEqual(status, 0, path)
      bodies.push(`${path} ${status}\n${body}`)
      for (const secret of [secretEnv, secretCmd, secretLabel]) assert.notInclude(body, secret, path)
    }
    assert.include(bodies.join("\n"), ids.healthy!) // the figures really were in what was checked
    const metrics = bodies.find((b) => b.startsWith("/metrics "))!
    assert.match(metrics, /^\/metrics 200/)

    await s.stop()
    const output = s.output()
    assert.include(output, "docker API negotiated")
    for (const secret of [secretEnv, secretCmd, secretLabel]) assert.notInclude(output, secret)
  })
})
