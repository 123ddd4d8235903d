// What the decoders keep of real Docker answers: only allowlisted fields. Env, commands,
// mounts and labels must not survive decoding, so they can never reach a response or a log.

import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { ContainerInfo } from "../../../src/api/ContainerStats.ts"
import {
  type ContainerStatsAnswer as Answer,
  ContainerInspect,
  ContainerList,
  type ContainerListItem,
  ContainerStatsAnswer
} from "../../../src/collectors/containers/dockerSchemas.ts"
import { containerReading, countersFromStatsAnswer } from "../../../src/collectors/containers/reading.ts"
import { containerView, summarize } from "../../../src/views/containers.ts"

/** A container as GET /containers shows it, from its answers and, when one was kept, its previous reading. */
const containerInfo = (
  item: ContainerListItem,
  inspect: ContainerInspect,
  stats: Answer | undefined,
  previous: ReturnType<typeof containerReading> | undefined,
  now: number
) => {
  const reading = containerReading(item, inspect, stats === undefined ? undefined : countersFromStatsAnswer(stats))
  return { reading, info: containerView(reading, previous, now) }
}

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/docker/${path}`, import.meta.url), "utf8"))

/** Every key at any depth of a decoded value. */
const keysOf = (value: unknown, into = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into)
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      into.add(k)
      keysOf(v, into)
    }
  }
  return into
}

const forbidden = ["Env", "Cmd", "Args", "Command", "Mounts", "Labels", "Config", "Binds", "Path", "Entrypoint"]

describe("decoding keeps only allowlisted fields", () => {
  it("an inspect answer with tokens in its Env keeps none of them (Home Assistant add-on)", () => {
    const raw = fixture("home-assistant-supervisor/container_attrs.json")
    assert.include(JSON.stringify(raw), "SUPERVISOR_TOKEN=abc123") // the input does hold them
    const decoded = Schema.decodeUnknownSync(ContainerInspect)(raw)
    const text = JSON.stringify(decoded)
    assert.notInclude(text, "abc123")
    assert.notInclude(text, "TOKEN")
    for (const key of forbidden) assert.isFalse(keysOf(decoded).has(key), key)
    // Of HostConfig, the network mode (with State.Pid, where the network counters are) and the
    // limits as numbers; of State, the last exit's code and OOM flag.
    assert.deepStrictEqual(
      [...keysOf(decoded)].sort(),
      [
        "Id",
        "RestartCount",
        "StartedAt",
        "State",
        "Status",
        "Pid",
        "ExitCode",
        "OOMKilled",
        "HostConfig",
        "NetworkMode",
        "NanoCpus",
        "CpuQuota",
        "CpuPeriod",
        "Memory",
        "PidsLimit"
      ].sort()
    )
    assert.deepStrictEqual(Object.keys(decoded.HostConfig ?? {}).sort(), [
      "CpuPeriod",
      "CpuQuota",
      "Memory",
      "NanoCpus",
      "NetworkMode",
      "PidsLimit"
    ])
  })

  it("the moby inspect example keeps the health status, nothing of its Config", () => {
    const decoded = Schema.decodeUnknownSync(ContainerInspect)(fixture("moby-api-v1.41/container-inspect.example.json"))
    assert.deepStrictEqual(decoded.State.Health, { Status: "healthy" })
    assert.strictEqual(decoded.RestartCount, 1)
    assert.deepStrictEqual(decoded.HostConfig, { NetworkMode: "bridge", CpuPeriod: 100000, Memory: 0 })
    assert.deepStrictEqual([decoded.State.ExitCode, decoded.State.OOMKilled], [9, false])
    for (const key of forbidden) assert.isFalse(keysOf(decoded).has(key), key)
  })

  it("list answers drop Command, Mounts, network settings and every label but the compose two", () => {
    for (const path of ["moby-api-v1.41/containers-json.example.json", "live-vm/containers-json.json"]) {
      const raw = fixture(path)
      assert.include(JSON.stringify(raw), '"Labels":{"') // the input does hold labels
      const decoded = Schema.decodeUnknownSync(ContainerList)(raw)
      assert.isAbove(decoded.length, 0)
      assert.deepStrictEqual(
        [...keysOf(decoded)].sort(),
        ["Id", "Image", "Names", "State", "Status", "Labels"].sort(),
        path
      )
      for (const item of decoded) assert.deepStrictEqual(item.Labels, {}, path)
    }
  })

  it("of a list item's labels, only com.docker.compose.project and .service are kept", () => {
    const secret = "s3cr3t-value"
    const [item] = Schema.decodeUnknownSync(ContainerList)([
      {
        Id: "a".repeat(64),
        Names: ["/pi-site-web-1"],
        Image: "web",
        State: "running",
        Status: "Up 1 hour",
        Labels: {
          "com.docker.compose.project": "pi-site",
          "com.docker.compose.service": "web",
          "com.docker.compose.project.config_files": `/home/${secret}/docker-compose.yml`,
          "app.token": secret,
          [secret]: "x"
        }
      }
    ])
    assert.deepStrictEqual(item!.Labels, {
      "com.docker.compose.project": "pi-site",
      "com.docker.compose.service": "web"
    })
    assert.notInclude(JSON.stringify(item), secret)
  })

  it("stats answers keep counters only, not interface or device identities beyond the formula inputs", () => {
    const decoded = Schema.decodeUnknownSync(ContainerStatsAnswer)(
      fixture("home-assistant-supervisor/container_stats_cgroupv1.json")
    )
    const keys = keysOf(decoded)
    for (const key of ["major", "minor", "name", "id", "cache", "rx_packets", "limit_stats"]) {
      assert.isFalse(keys.has(key), key)
    }
    // Of the pids, the count only; of the CPU, the throttling counters.
    assert.deepStrictEqual(Object.keys(decoded.pids_stats ?? {}), ["current"])
    assert.deepStrictEqual(Object.keys(decoded.cpu_stats?.throttling_data ?? {}).sort(), [
      "periods",
      "throttled_periods",
      "throttled_time"
    ])
  })
})

describe("one container from the live VM capture (cgroup v1, dockerd 20.10.24)", () => {
  const item = Schema.decodeUnknownSync(ContainerList)(fixture("live-vm/containers-json.json"))[0]!
  const inspect = Schema.decodeUnknownSync(ContainerInspect)(fixture("live-vm/containers-t1-json.json"))
  const stats = Schema.decodeUnknownSync(ContainerStatsAnswer)(fixture("live-vm/containers-t1-stats-stream-false.json"))
  const now = Date.parse("2026-11-24T01:58:21.823Z")

  it("becomes a ContainerInfo with the docker CLI figures, using the daemon's own precpu window", () => {
    const { info, reading } = containerInfo(item, inspect, stats, undefined, now)
    assert.deepStrictEqual(info, {
      id: "bf317a8a3452e51d974431654e8bcde8eefb7ed949d34b9392a60e4d4ba85f19",
      name: "t1",
      image: "localbusybox:1",
      state: "running",
      status: "Up 2 hours (healthy)",
      health: "healthy",
      restartCount: 0,
      startedAt: "2026-11-24T00:15:51.822Z",
      uptimeSeconds: Math.floor((now - Date.parse("2026-11-24T00:15:51.822Z")) / 1000),
      // docker stats prints 0.47% and 0.00%: rounded to two decimals, as the host's percentages.
      cpuPercent: 0.47,
      memory: { usageBytes: 1081344, limitBytes: 25276026880, usagePercent: 0 },
      network: { rxBytes: 0, txBytes: 0 },
      blockIo: { readBytes: 0, writeBytes: 0 },
      // Its list entry carries only the stack label; no limit was set (HostConfig's zeros).
      composeProject: null,
      composeService: null,
      exitCode: null,
      oomKilled: null,
      limits: { cpus: null, memoryBytes: null, pids: null },
      cpuLimitPercent: null,
      throttling: { periods: 0, throttledPeriods: 0, throttledSeconds: 0 },
      oomKills: null,
      pids: 2,
      pressure: null,
      crashLoop: null
    })
    assert.doesNotThrow(() => Schema.decodeUnknownSync(ContainerInfo)(info))
    assert.deepStrictEqual(
      [reading.counters?.cpuNanos, reading.counters?.systemCpuNanos],
      [133148758664, 12599520000000]
    )
  })

  it("with one-shot (no precpu) the first sample has no CPU %, the next one uses the kept sample", () => {
    const { precpu_stats: _, ...oneShot } = stats
    const first = containerInfo(item, inspect, oneShot, undefined, now)
    assert.isNull(first.info.cpuPercent)
    // The previous sample the service kept is the one the daemon would have sent as precpu.
    const previous = {
      ...first.reading,
      counters: { ...first.reading.counters!, cpuNanos: 133143992328, systemCpuNanos: 12597510000000 }
    }
    const second = containerInfo(item, inspect, oneShot, previous, now)
    assert.strictEqual(second.info.cpuPercent, 0.47)
    // After a restart the counters start again: no figure rather than a wrong one.
    const restarted = containerInfo(
      item,
      inspect,
      oneShot,
      { ...previous, startedAt: Date.parse("2020-01-01T00:00:00.000Z") },
      now
    )
    assert.isNull(restarted.info.cpuPercent)
  })

  it("a stopped container has no figures and no uptime; the summary counts it as stopped", () => {
    const exited = {
      ...inspect,
      State: { ...inspect.State, Status: "exited" as const, ExitCode: 137, OOMKilled: true }
    }
    const { info, reading: exitedReading } = containerInfo(item, exited, undefined, undefined, now)
    assert.strictEqual(info.state, "exited")
    // Its last exit, as inspect tells it; a running container's 0 and false say nothing, so null.
    assert.deepStrictEqual([info.exitCode, info.oomKilled], [137, true])
    assert.deepStrictEqual([info.throttling, info.pids, info.cpuLimitPercent], [null, null, null])
    assert.isNull(info.uptimeSeconds)
    assert.isNull(info.cpuPercent)
    assert.isNull(info.memory)
    const running = containerInfo(item, inspect, stats, undefined, now).reading
    const unhealthy = { ...running, health: "unhealthy" as const }
    assert.deepStrictEqual(summarize([exitedReading, running, unhealthy]), {
      total: 3,
      running: 2,
      stopped: 1,
      unhealthy: 1
    })
  })
})
