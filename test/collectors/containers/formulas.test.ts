// The docker CLI's figures for recorded Docker answers (cgroup v1 and v2). The expected values
// come from test/fixtures/docker/README.md, where they were derived by applying docker/cli's
// stats_helpers.go in float64 arithmetic; docker/cli's own unit-test cases are at the end.

import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import {
  ContainerStatsAnswer,
  type CpuStats,
  type MemoryStats
} from "../../../src/collectors/containers/dockerSchemas.ts"
import {
  countersFromStatsAnswer,
  startedAtMillis,
  blockIoTotals as totalsOf
} from "../../../src/collectors/containers/reading.ts"
import type { BlkioEntry } from "../../../src/kernel/cgroup/parse.ts"
import {
  cpuPercent,
  memoryPercent,
  uptimeSeconds as uptimeOf,
  memoryUsed as usedOfCounters
} from "../../../src/views/dockerFormulas.ts"

// The answers' blocks as the collector maps them into counters, for the formulas' inputs.
const cpuCounters = (cpu: CpuStats) => ({ totalUsage: cpu.cpu_usage.total_usage, systemUsage: cpu.system_cpu_usage! })
const onlineCpus = (cpu: CpuStats) => countersFromStatsAnswer({ cpu_stats: cpu })!.onlineCpus
const memoryUsed = (m: MemoryStats) =>
  usedOfCounters({
    memoryUsageBytes: m.usage ?? 0,
    inactiveFileV1: m.stats?.total_inactive_file,
    inactiveFile: m.stats?.inactive_file
  })
const networkTotals = (networks: ContainerStatsAnswer["networks"]) =>
  countersFromStatsAnswer({
    cpu_stats: { cpu_usage: { total_usage: 0 } },
    ...(networks === undefined ? {} : { networks })
  })!.network ?? {
    rxBytes: 0,
    txBytes: 0
  }
const blockIoTotals = (entries: ReadonlyArray<BlkioEntry> | null | undefined) => totalsOf(entries ?? [])
const startedAtIso = (s: string | undefined) => {
  const millis = startedAtMillis(s)
  return millis === undefined ? null : new Date(millis).toISOString()
}
const uptimeSeconds = (startedAt: string, now: number) => uptimeOf(Date.parse(startedAt), now)

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/docker/${path}`, import.meta.url), "utf8"))

const stats = (path: string) => Schema.decodeUnknownSync(ContainerStatsAnswer)(fixture(path))

/** Every figure `docker stats` shows, from one answer that carries its own precpu_stats. */
const cliFigures = (path: string) => {
  const s = stats(path)
  const cpu = s.cpu_stats!
  const used = memoryUsed(s.memory_stats!)
  return {
    cpuPercent: cpuPercent(cpuCounters(s.precpu_stats!)!, cpuCounters(cpu)!, onlineCpus(cpu)),
    used,
    limit: s.memory_stats!.limit!,
    memPercent: memoryPercent(s.memory_stats!.limit!, used),
    network: networkTotals(s.networks),
    blockIo: blockIoTotals(s.blkio_stats?.io_service_bytes_recursive)
  }
}

describe("docker CLI figures for recorded answers", () => {
  it("live VM capture (dockerd 20.10.24, cgroup v1, 2 CPUs, no network)", () => {
    assert.deepStrictEqual(cliFigures("live-vm/containers-t1-stats-stream-false.json"), {
      cpuPercent: 0.4742622885572139,
      used: 1081344, // usage 1150976 − total_inactive_file 69632; `usage − cache` would be 815104
      limit: 25276026880,
      memPercent: 0.004278140726522285,
      network: { rxBytes: 0, txBytes: 0 },
      blockIo: { readBytes: 0, writeBytes: 0 }
    })
  })

  it("moby API 1.41 example (cgroup v1)", () => {
    const f = cliFigures("moby-api-v1.41/container-stats.cgroupv1.example.json")
    assert.strictEqual(f.cpuPercent, 6.651498884408222e-8)
    assert.strictEqual(f.used, 6537216)
    assert.strictEqual(f.memPercent, 9.7412109375)
    // 9.98kB / 1.34kB as the CLI prints it, summed over eth0 and eth5.
    assert.strictEqual((f.network.rxBytes / 1000).toPrecision(3), "9.98")
    assert.strictEqual((f.network.txBytes / 1000).toPrecision(3), "1.34")
  })

  it("Home Assistant cgroup v1 sample: total_inactive_file is subtracted", () => {
    const f = cliFigures("home-assistant-supervisor/container_stats_cgroupv1.json")
    assert.strictEqual(f.cpuPercent, 540)
    assert.strictEqual(f.used, 59700000)
    assert.strictEqual(f.limit, 4000000000)
    assert.strictEqual(f.memPercent, 1.4925000000000002)
    // 555MB / 9.29MB: Title-case ops (Read, Write), Sync/Async/Total ignored.
    assert.strictEqual((f.blockIo.readBytes / 1e6).toPrecision(3), "555")
    assert.strictEqual((f.blockIo.writeBytes / 1e6).toPrecision(3), "9.29")
  })

  it("Home Assistant cgroup v2 sample: inactive_file is subtracted, no percpu_usage", () => {
    const f = cliFigures("home-assistant-supervisor/container_stats_cgroupv2.json")
    assert.strictEqual(f.cpuPercent, 540)
    assert.strictEqual(f.used, 59700000)
    assert.strictEqual(f.memPercent, 1.4925000000000002)
    assert.deepStrictEqual(f.network, { rxBytes: 1243260, txBytes: 5274 })
    assert.deepStrictEqual(f.blockIo, { readBytes: 0, writeBytes: 413696 })
  })

  it("an old-daemon sample without inactive_file keys: plain usage, as the CLI does", () => {
    const f = cliFigures("home-assistant-supervisor/container_stats.json")
    assert.strictEqual(f.cpuPercent, 2160)
    assert.strictEqual(f.used, 60000000)
    assert.strictEqual(f.memPercent, 1.5)
  })

  it("moby API 1.56 per-field examples (cgroup v2 memory.stat and blkio)", () => {
    const raw = fixture("moby-api-v1.56/stats-field-examples.cgroupv2.json") as Record<string, unknown>
    const memStats = raw["memory_stats.stats (ContainerMemoryStats.properties.stats.example)"] as {
      inactive_file: number
    }
    const s = Schema.decodeUnknownSync(ContainerStatsAnswer)({
      memory_stats: { usage: 10_000_000, limit: 20_000_000, stats: memStats },
      blkio_stats: raw["blkio_stats (ContainerBlkioStats.example)"]
    })
    assert.strictEqual(memoryUsed(s.memory_stats!), 10_000_000 - memStats.inactive_file)
    assert.deepStrictEqual(blockIoTotals(s.blkio_stats?.io_service_bytes_recursive), {
      readBytes: 7593984,
      writeBytes: 100
    })
  })
})

describe("docker/cli stats_helpers_test.go cases", () => {
  it("calculateMemUsageUnixNoCache and calculateMemPercentUnixNoCache", () => {
    assert.strictEqual(memoryUsed({ usage: 500, stats: { total_inactive_file: 400 } }), 100)
    assert.strictEqual(memoryPercent(100, 70), 70)
    assert.strictEqual(memoryPercent(0, 70), 0)
  })

  it("calculateBlockIO", () => {
    const entries = [
      ["read", 1234],
      ["read", 4567],
      ["Read", 6],
      ["Read", 8],
      ["write", 123],
      ["write", 456],
      ["Write", 6],
      ["Write", 8],
      ["", 456]
    ].map(([op, value]) => ({ op: op as string, value: value as number }))
    assert.deepStrictEqual(blockIoTotals(entries), { readBytes: 5815, writeBytes: 593 })
  })
})

describe("edge cases of the formulas", () => {
  it("CPU % is 0 when either delta is not positive (a restarted container, a stale sample)", () => {
    assert.strictEqual(cpuPercent({ totalUsage: 10, systemUsage: 10 }, { totalUsage: 5, systemUsage: 20 }, 2), 0)
    assert.strictEqual(cpuPercent({ totalUsage: 10, systemUsage: 20 }, { totalUsage: 15, systemUsage: 20 }, 2), 0)
  })

  it("online CPUs fall back to the length of percpu_usage when the daemon says 0", () => {
    assert.strictEqual(onlineCpus({ cpu_usage: { total_usage: 1, percpu_usage: [1, 2, 3] }, online_cpus: 0 }), 3)
    assert.strictEqual(onlineCpus({ cpu_usage: { total_usage: 1 } }), 0)
  })

  it("cgroup v1 key wins even when the v2 key is also present, and a key above usage is ignored", () => {
    assert.strictEqual(memoryUsed({ usage: 1000, stats: { total_inactive_file: 100, inactive_file: 300 } }), 900)
    assert.strictEqual(memoryUsed({ usage: 1000, stats: { total_inactive_file: 2000, inactive_file: 300 } }), 700)
    assert.strictEqual(memoryUsed({ usage: 1000, stats: { inactive_file: 5000 } }), 1000)
  })

  it("StartedAt: Docker's zero time means never started; nanoseconds are cut to milliseconds", () => {
    assert.isNull(startedAtIso("0001-01-01T00:00:00Z"))
    assert.isNull(startedAtIso(undefined))
    assert.strictEqual(startedAtIso("2026-11-24T01:58:21.823600933Z"), "2026-11-24T01:58:21.823Z")
    assert.strictEqual(uptimeSeconds("2026-11-24T01:58:21.823Z", Date.parse("2026-11-24T02:58:22.000Z")), 3600)
    assert.strictEqual(uptimeSeconds("2026-11-24T01:58:21.823Z", Date.parse("2026-11-24T01:58:20Z")), 0)
  })
})
