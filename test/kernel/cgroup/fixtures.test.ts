// The cgroup readers on real files: cgroup v1 captured on the build VM, cgroup v2 from public
// sources (see each folder's README). Every figure asserted is the file's, in base units.

import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { readCpuLimitV1, readCpuLimitV2 } from "../../../src/kernel/cgroup/cpuLimit.ts"
import { readCpuStatV1, readCpuStatV2 } from "../../../src/kernel/cgroup/cpuStat.ts"
import { readMemoryLimitV1, readMemoryLimitV2 } from "../../../src/kernel/cgroup/memoryLimit.ts"
import { readMemoryEventsV2, readOomControlV1 } from "../../../src/kernel/cgroup/oom.ts"
import { readPids } from "../../../src/kernel/cgroup/pids.ts"
import { parsePressure, readPressureV2 } from "../../../src/kernel/cgroup/pressure.ts"
import { readParsed } from "../../../src/kernel/cgroup/text.ts"

const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/cgroup/${p}`, import.meta.url))
const v1 = (container: string, controller: string) => fixture(`depth-v1-live-vm/${container}/${controller}`)
const v2 = (folder: string) => fixture(`depth-v2-public/${folder}`)

const ok = <A, E extends { readonly message: string }>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) assert.fail(`expected a value, got ${r.failure.message}`)
  return r.success
}

describe("cgroup v1, captured", () => {
  it("a container limited to 0.2 CPUs, burning CPU: throttled, with its quota", () => {
    assert.deepStrictEqual(ok(readCpuStatV1(v1("limited", "cpu"))), {
      periods: 92,
      throttledPeriods: 76,
      throttledSeconds: 3.298670635
    })
    assert.deepStrictEqual(ok(readCpuLimitV1(v1("limited", "cpu"))), {
      quotaSeconds: 0.02,
      periodSeconds: 0.1,
      cpus: 0.2
    })
    assert.strictEqual(ok(readMemoryLimitV1(v1("limited", "memory"))), 64 * 1024 * 1024)
    assert.deepStrictEqual(ok(readPids(v1("limited", "pids"))), { current: 1, max: 50 })
  })

  it("a container whose subshell was OOM-killed: oom_kill 1", () => {
    assert.deepStrictEqual(ok(readOomControlV1(v1("oom", "memory"))), {
      oomKillDisable: false,
      underOom: false,
      oomKill: 1
    })
    assert.strictEqual(ok(readMemoryLimitV1(v1("oom", "memory"))), 8 * 1024 * 1024)
    assert.deepStrictEqual(ok(readPids(v1("oom", "pids"))), { current: 2, max: null })
  })

  it("a container without limits: no quota, no memory limit (v1's huge number), no pids limit", () => {
    assert.deepStrictEqual(ok(readCpuLimitV1(v1("plain", "cpu"))), {
      quotaSeconds: null,
      periodSeconds: 0.1,
      cpus: null
    })
    assert.isNull(ok(readMemoryLimitV1(v1("plain", "memory"))))
    assert.deepStrictEqual(ok(readCpuStatV1(v1("plain", "cpu"))), {
      periods: 0,
      throttledPeriods: 0,
      throttledSeconds: 0
    })
    assert.deepStrictEqual(ok(readOomControlV1(v1("plain", "memory"))).oomKill, 0)
  })

  it("the PSI format as this kernel prints it (/proc/pressure)", () => {
    const cpu = ok(readParsed(fixture("depth-v1-live-vm/proc-pressure/cpu"), parsePressure))
    assert.deepStrictEqual(cpu.some, { avg10: 0.9349, avg60: 0.9331, avg300: 0.9157, totalSeconds: 1884.17151 })
    assert.deepStrictEqual(cpu.full, { avg10: 0, avg60: 0, avg300: 0, totalSeconds: 0 })
    const io = ok(readParsed(fixture("depth-v1-live-vm/proc-pressure/io"), parsePressure))
    assert.deepStrictEqual(io.full, { avg10: 0, avg60: 0, avg300: 0.0005, totalSeconds: 10.843166 })
  })

  it("a missing file is a read error naming it, not a parse error", () => {
    const r = readCpuStatV1(v1("limited", "memory"))
    assert.isTrue(Result.isFailure(r))
    if (Result.isFailure(r)) {
      assert.strictEqual(r.failure._tag, "HostReadError")
      assert.include(r.failure.message, "limited/memory/cpu.stat")
    }
  })
})

describe("cgroup v2, public fixtures", () => {
  it("a recent kernel's scope without limits (elastic-agent-system-metrics)", () => {
    const dir = v2("elastic-session-scope")
    assert.deepStrictEqual(ok(readCpuStatV2(dir)), { periods: 0, throttledPeriods: 0, throttledSeconds: 0 })
    assert.deepStrictEqual(ok(readCpuLimitV2(dir)), { quotaSeconds: null, periodSeconds: 0.1, cpus: null })
    assert.isNull(ok(readMemoryLimitV2(dir)))
    assert.deepStrictEqual(ok(readMemoryEventsV2(dir)), {
      low: 0,
      high: 0,
      max: 0,
      oom: 0,
      oomKill: 0,
      oomGroupKill: 0
    })
    assert.deepStrictEqual(ok(readPids(dir)), { current: 148, max: null })
    const pressure = ok(readPressureV2(dir))
    assert.deepStrictEqual(pressure.cpu, {
      some: { avg10: 0, avg60: 0, avg300: 0, totalSeconds: 115.056064 },
      full: { avg10: 0, avg60: 0, avg300: 0, totalSeconds: 29.25418 }
    })
    assert.strictEqual(pressure.memory?.full?.totalSeconds, 1.677369)
    assert.strictEqual(pressure.io?.some.totalSeconds, 10.74837)
  })

  it("a Docker scope of an older kernel, values edited upstream: oom_kill without oom_group_kill, cpu.pressure without full", () => {
    const dir = v2("elastic-docker-scope-edited")
    assert.deepStrictEqual(ok(readCpuStatV2(dir)), { periods: 1, throttledPeriods: 4, throttledSeconds: 0.00001 })
    assert.deepStrictEqual(ok(readMemoryEventsV2(dir)), {
      low: 10,
      high: 3,
      max: 2,
      oom: 1,
      oomKill: 1,
      oomGroupKill: null
    })
    const pressure = ok(readPressureV2(dir))
    assert.deepStrictEqual(pressure.cpu, {
      some: { avg10: 0.043, avg60: 0.032, avg300: 0.0111, totalSeconds: 1.676316 },
      full: null
    })
    assert.deepStrictEqual(pressure.io?.full, { avg10: 0.1, avg60: 0.3, avg300: 0.005, totalSeconds: 1.154482 })
  })

  it("a quota set through cpu.max (containerd's test): 1.25 CPUs", () => {
    assert.deepStrictEqual(ok(readCpuLimitV2(v2("containerd-cpu-max"))), {
      quotaSeconds: 0.01,
      periodSeconds: 0.008,
      cpus: 1.25
    })
  })

  it("PSI with non-zero figures, without a final newline (opencontainers/cgroups)", () => {
    const pressure = ok(readPressureV2(v2("opencontainers-psi")))
    assert.deepStrictEqual(pressure.cpu, {
      some: { avg10: 0.0171, avg60: 0.0236, avg300: 0.0257, totalSeconds: 230.548833 },
      full: { avg10: 0.01, avg60: 0.0101, avg300: 0.01, totalSeconds: 157.622356 }
    })
    // No memory.pressure or io.pressure there: PSI absent, not an error.
    assert.isNull(pressure.memory)
    assert.isNull(pressure.io)
  })
})
