// The cgroup source of container figures: its parsers on real and documented file formats, and
// the whole read on the two fixture trees of test/fixtures/cgroup (README there has the values).

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { ContainerStatsAnswer } from "../../../src/collectors/containers/dockerSchemas.ts"
import {
  blockIoTotals,
  countersFromCgroup,
  countersFromStatsAnswer
} from "../../../src/collectors/containers/reading.ts"
import type { ContainerCounters } from "../../../src/domain/ContainerReading.ts"
import { parseBlkioV1, parseCgroupValue, parseIoStatV2, parseKeyedCounters } from "../../../src/kernel/cgroup/parse.ts"
import {
  type CgroupHierarchy,
  detectLayout,
  findContainerCgroup,
  type HostCpuCounters,
  readCgroupCounters,
  readHostCpuCounters,
  readProcessNetDev
} from "../../../src/kernel/cgroup/stats.ts"
import type { SourceError } from "../../../src/kernel/source.ts"
import { memoryUsed } from "../../../src/views/dockerFormulas.ts"

const readHostCounters = (proc: string) => readHostCpuCounters({ proc, sys: "/nonexistent", root: "/" })

/** What the collector reads of a container from cgroupfs, as counters. */
const readCgroupStats = (
  proc: string,
  layout: CgroupHierarchy,
  target: { readonly cgroup: string; readonly pid: number; readonly networkMode: string | undefined },
  host: HostCpuCounters
): Result.Result<ContainerCounters, SourceError> =>
  Result.gen(function* () {
    const counters = yield* readCgroupCounters(layout, target.cgroup)
    const interfaces =
      target.networkMode !== "host" && target.pid > 0
        ? yield* readProcessNetDev({ proc, sys: "/nonexistent", root: "/" }, target.pid)
        : undefined
    return countersFromCgroup(counters, host, interfaces)
  })

const fixtures = new URL("../../fixtures/cgroup/", import.meta.url).pathname
const V1 = join(fixtures, "v1-cgroupfs-live-vm")
const V2 = join(fixtures, "v2-systemd-reconstructed")
const V1_ID = "df08015b3e5f0f10d666f68bb0121fb0503c72ecb08e71f23d0a4572a4dc6f10"
const V2_ID = "3f1a6b0c2d4e5f60718293a4b5c6d7e8f9011223344556677889aabbccddeeff"

const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) assert.fail(`expected a success, got ${String(result.failure)}`)
  return result.success
}
const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) assert.fail("expected a failure")
  return result.failure
}

describe("cgroup file parsers", () => {
  it("one-value files: counts, and v2's max", () => {
    const v1Limit = readFileSync(join(V1, `sys/fs/cgroup/memory/docker/${V1_ID}/memory.limit_in_bytes`), "utf8")
    assert.strictEqual(ok(parseCgroupValue(v1Limit, "memory.limit_in_bytes")), Number("9223372036854771712")) // rounded, as JSON.parse rounds it in the API answer
    assert.strictEqual(ok(parseCgroupValue("max\n", "memory.max")), "max")
    assert.strictEqual(ok(parseCgroupValue("60000000\n", "memory.current")), 60000000)
    const bad = failure(parseCgroupValue("-1\n", "/x/memory.current"))
    assert.strictEqual(bad.message, '/x/memory.current line 1: "-1" is not a count or "max"')
  })

  it("memory.stat (v1, captured) and cpu.stat (v2)", () => {
    const v1 = ok(
      parseKeyedCounters(
        readFileSync(join(V1, `sys/fs/cgroup/memory/docker/${V1_ID}/memory.stat`), "utf8"),
        "memory.stat"
      )
    )
    assert.strictEqual(v1.get("total_inactive_file"), 10584064)
    assert.strictEqual(v1.get("hierarchical_memory_limit"), Number("9223372036854771712")) // rounded, as JSON.parse rounds it in the API answer
    const v2 = ok(
      parseKeyedCounters(
        readFileSync(join(V2, `sys/fs/cgroup/system.slice/docker-${V2_ID}.scope/cpu.stat`), "utf8"),
        "cpu.stat"
      )
    )
    assert.strictEqual(v2.get("usage_usec"), 5641725)
    const bad = failure(parseKeyedCounters("anon 1\nfile 2 3\n", "/x/memory.stat"))
    assert.strictEqual(bad.message, '/x/memory.stat line 2: 3 fields, expected "key value"')
    const notCount = failure(parseKeyedCounters("anon 1\nfile -2\n", "/x/memory.stat"))
    assert.strictEqual(notCount.message, '/x/memory.stat line 2: file: "-2" is not a count')
  })

  it("blkio (v1): per-device ops as printed, the Total line skipped", () => {
    assert.deepStrictEqual(ok(parseBlkioV1("Total 0\n", "blkio")), [])
    // The format of runc's blkio test (libcontainer/cgroups/fs/blkio_test.go), two devices.
    const text = "8:0 Read 100\n8:0 Write 200\n8:0 Sync 300\n8:0 Async 500\n8:0 Total 500\n8:16 Read 7\nTotal 507\n"
    const entries = ok(parseBlkioV1(text, "blkio"))
    assert.deepStrictEqual(entries.map((e) => e.op).join(","), "Read,Write,Sync,Async,Total,Read")
    assert.deepStrictEqual(blockIoTotals(entries), { readBytes: 107, writeBytes: 200 })
    const bad = failure(parseBlkioV1("8:0 Read 100\nsda Read 1\n", "/x/blkio"))
    assert.strictEqual(bad.message, '/x/blkio line 2: "sda Read 1" is not "MAJ:MIN Op bytes"')
  })

  it("io.stat (v2): read and write bytes per device; other keys, decimals included, ignored", () => {
    // The line of Documentation/admin-guide/cgroup-v2.rst, and one with iocost's debug keys.
    const text =
      "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n8:0 rbytes=10 wbytes=20 cost.vrate=100.00\n"
    const entries = ok(parseIoStatV2(text, "io.stat"))
    assert.deepStrictEqual(entries, [
      { op: "read", value: 1459200 },
      { op: "write", value: 314773504 },
      { op: "read", value: 10 },
      { op: "write", value: 20 }
    ])
    assert.strictEqual(
      failure(parseIoStatV2("8:0 rbytes=x\n", "/x/io.stat")).message,
      '/x/io.stat line 1: "rbytes=x" is not rbytes=count'
    )
    assert.strictEqual(
      failure(parseIoStatV2("8:0 rbytes\n", "/x/io.stat")).message,
      '/x/io.stat line 1: "rbytes" is not key=value'
    )
  })
})

const hierarchy = (root: string): CgroupHierarchy => {
  const layout = detectLayout(join(root, "sys"))
  if (layout.version === "none") return assert.fail(`no cgroup hierarchy under ${root}`)
  return layout
}

describe("a container's stats from cgroupfs", () => {
  it("v1 (captured): the same counters as dockerd's answer of the same second", () => {
    const layout = hierarchy(V1)
    assert.strictEqual(layout.version, 1)
    const cgroup = findContainerCgroup(layout, V1_ID)
    assert.strictEqual(cgroup, `docker/${V1_ID}`)
    const inspect = JSON.parse(readFileSync(join(V1, "inspect-subset.json"), "utf8"))
    const host = ok(readHostCounters(join(V1, "proc")))
    const ours = ok(
      readCgroupStats(
        join(V1, "proc"),
        layout,
        { cgroup: cgroup!, pid: inspect.State.Pid, networkMode: inspect.HostConfig.NetworkMode },
        host
      )
    )
    const docker = Schema.decodeUnknownSync(ContainerStatsAnswer)(
      JSON.parse(readFileSync(join(V1, "stats-answer.json"), "utf8"))
    )
    // Both sources map into one counters shape.
    const api = countersFromStatsAnswer(docker)!
    assert.strictEqual(ours.cpuNanos, api.cpuNanos)
    assert.strictEqual(ours.onlineCpus, api.onlineCpus)
    assert.strictEqual(ours.systemCpuNanos, 31290350000000)
    assert.strictEqual(api.systemCpuNanos! - ours.systemCpuNanos!, 4 * 1e7)
    assert.deepStrictEqual(
      [ours.memoryUsageBytes, ours.memoryLimitBytes, ours.inactiveFileV1, ours.inactiveFile],
      [api.memoryUsageBytes, api.memoryLimitBytes, api.inactiveFileV1, api.inactiveFile]
    )
    assert.strictEqual(memoryUsed(ours), 1916928)
    assert.strictEqual(ours.memoryLimitBytes, 25276514304)
    assert.deepStrictEqual(ours.network ?? { rxBytes: 0, txBytes: 0 }, api.network ?? { rxBytes: 0, txBytes: 0 })
    assert.deepStrictEqual(ours.network, { rxBytes: 0, txBytes: 0 })
    assert.deepStrictEqual(ours.blockIo, { readBytes: 0, writeBytes: 0 })
    assert.deepStrictEqual(ours.blockIo, api.blockIo)
  })

  it("v2 (systemd layout): the figures of the answer it was reconstructed from", () => {
    const layout = hierarchy(V2)
    assert.strictEqual(layout.version, 2)
    const cgroup = findContainerCgroup(layout, V2_ID)
    assert.strictEqual(cgroup, `system.slice/docker-${V2_ID}.scope`)
    const host = ok(readHostCounters(join(V2, "proc")))
    assert.deepStrictEqual(host, { systemCpuNanos: 513700000000, onlineCpus: 4, machineMemory: 15666184 * 1024 })
    const target = { cgroup: cgroup!, pid: 4242, networkMode: "bridge" }
    const ours = ok(readCgroupStats(join(V2, "proc"), layout, target, host))
    assert.deepStrictEqual([ours.cpuNanos, ours.systemCpuNanos, ours.onlineCpus], [5641725000, 513700000000, 4])
    assert.deepStrictEqual(
      [ours.memoryUsageBytes, ours.memoryLimitBytes, ours.inactiveFileV1, ours.inactiveFile],
      [60000000, 4000000000, undefined, 300000]
    )
    assert.strictEqual(memoryUsed(ours), 59700000)
    assert.deepStrictEqual(ours.network, { rxBytes: 1243260, txBytes: 5274 })
    assert.deepStrictEqual(ours.blockIo, { readBytes: 0, writeBytes: 413696 })
    // --network host: the host's interfaces are not the container's, and Docker reports none.
    const hostMode = ok(readCgroupStats(join(V2, "proc"), layout, { ...target, networkMode: "host" }, host))
    assert.isUndefined(hostMode.network)
  })

  /** The v2 tree copied to a temporary directory, to edit its files; `read` reads it as it is now. */
  const withV2Copy = (f: (scope: string, read: () => ReturnType<typeof readCgroupStats>, dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), "sp-cgroup-"))
    try {
      cpSync(V2, dir, { recursive: true })
      const layout = hierarchy(dir)
      const host = ok(readHostCounters(join(dir, "proc")))
      const target = { cgroup: `system.slice/docker-${V2_ID}.scope`, pid: 4242, networkMode: undefined }
      f(join(dir, "sys/fs/cgroup", target.cgroup), () => readCgroupStats(join(dir, "proc"), layout, target, host), dir)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it("no limit (v2 max) and a limit above the machine's memory are reported as MemTotal, as dockerd does", () =>
    withV2Copy((scope, read) => {
      for (const value of ["max\n", `${15666184 * 1024 + 1}\n`]) {
        writeFileSync(join(scope, "memory.max"), value)
        assert.strictEqual(ok(read()).memoryLimitBytes, 15666184 * 1024)
      }
    }))

  it("a missing or malformed file is a typed error that names it", () =>
    withV2Copy((scope, read, dir) => {
      writeFileSync(join(scope, "memory.current"), "max\n")
      assert.strictEqual(
        failure(read()).message,
        `${join(scope, "memory.current")} line 1: "max" where a count was expected`
      )
      writeFileSync(join(scope, "memory.current"), "60000000\n")
      writeFileSync(join(scope, "memory.stat"), "anon 1\n")
      assert.strictEqual(failure(read()).message, `${join(scope, "memory.stat")}: no inactive_file line`)
      rmSync(join(scope, "io.stat"))
      writeFileSync(join(scope, "memory.stat"), "inactive_file 1\n")
      const missing = failure(read())
      assert.strictEqual(missing._tag, "HostReadError")
      assert.strictEqual(missing.message, `${join(scope, "io.stat")}: does not exist`)
      rmSync(join(dir, "proc/4242"), { recursive: true })
      writeFileSync(join(scope, "io.stat"), "")
      assert.strictEqual(failure(read()).message, `${join(dir, "proc/4242/net/dev")}: does not exist`)
    }))

  it("finds a container only where dockerd's drivers put it, and only by a full id", () => {
    const layout = hierarchy(V1)
    assert.isUndefined(findContainerCgroup(layout, V2_ID))
    assert.isUndefined(findContainerCgroup(layout, "../../etc"))
    assert.isUndefined(findContainerCgroup(layout, V1_ID.slice(0, 12)))
    assert.deepStrictEqual(detectLayout(join(fixtures, "nowhere")), { version: "none" })
    assert.isUndefined(findContainerCgroup({ version: "none" }, V1_ID))
  })
})
