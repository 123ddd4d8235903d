// The real samples of test/fixtures/procfs, with the values their READMEs list.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parseCpufreq } from "../../src/kernel/cpufreq.ts"
import { isWholeDisk, parseDiskstats } from "../../src/kernel/diskstats.ts"
import { parseLoadavg } from "../../src/kernel/loadavg.ts"
import { parseMeminfo } from "../../src/kernel/meminfo.ts"
import { parseNetDev } from "../../src/kernel/netDev.ts"
import { parseStat } from "../../src/kernel/stat.ts"
import { parseThermalTemp, parseThermalType } from "../../src/kernel/thermal.ts"
import { parseUptime } from "../../src/kernel/uptime.ts"
import { cpuSeconds, memoryView as memoryStats } from "../../src/views/host.ts"
import { makeHostSampler } from "../support/readings.ts"
import { fixture, LIVE_VM, ok, PROMETHEUS } from "./support.ts"

const F = "fixture"
const treeOf = (root: string) => ({ proc: `${root}/proc`, sys: `${root}/sys`, root })

describe("prometheus/procfs fixtures", () => {
  it("proc/stat: 8 CPUs, the aggregate line, cpu7's softirq", () => {
    const stat = ok(parseStat(fixture("prometheus/proc/stat"), F))
    expect(stat.total).toEqual({
      user: 301854,
      nice: 612,
      system: 111922,
      idle: 8979004,
      iowait: 3552,
      irq: 2,
      softirq: 3944,
      steal: 0
    })
    expect(stat.cores.map((c) => c.core)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(stat.cores[7]!.ticks.softirq).toBe(31)
  })

  it("proc/meminfo: the kB keys in bytes, no MemAvailable", () => {
    const m = ok(parseMeminfo(fixture("prometheus/proc/meminfo"), F))
    expect(m.memTotal).toBe(16042172416)
    expect(m.memFree).toBe(450891776)
    expect(m.buffers).toBe(1044611072)
    expect(m.cached).toBe(12295823360)
    expect(m.swapTotal).toBe(0)
    expect(m.swapFree).toBe(0)
    expect(m.activeFile).toBe(6649876480)
    expect(m.inactiveFile).toBe(6689218560)
    expect(m.sReclaimable).toBe(1779838976)
    expect(m.memAvailable).toBeUndefined()
    // The kernel's formula with no watermark known: MemFree + file LRU + SReclaimable.
    const memory = memoryStats({ meminfo: m, minFreeBytes: 0 })
    expect(memory.availableSource).toBe("estimate")
    expect(memory.availableBytes).toBe(450891776 + 6649876480 + 6689218560 + 1779838976)
    expect(memory.usedBytes).toBe(memory.totalBytes - memory.availableBytes)
    // With a watermark, the estimate goes down by it (the halves of page cache and slab exceed it).
    const low = Math.floor((67584 * 1024 * 5) / 4)
    expect(memoryStats({ meminfo: m, minFreeBytes: 67584 * 1024 }).availableBytes).toBe(memory.availableBytes - 3 * low)
  })

  it("proc/loadavg", () => {
    expect(ok(parseLoadavg(fixture("prometheus/proc/loadavg"), F))).toEqual([0.02, 0.04, 0.05])
    // procfs's inline cases.
    expect(parseLoadavg("", F)._tag).toBe("Failure")
    expect(parseLoadavg("0.00 0.03", F)._tag).toBe("Failure")
    expect(parseLoadavg("malformed line", F)._tag).toBe("Failure")
    expect(ok(parseLoadavg("0.00 0.03 0.05 1/502 33634", F))).toEqual([0, 0.03, 0.05])
  })

  it("proc/net/dev: 4 interfaces, veth running into its colon", () => {
    const dev = ok(parseNetDev(fixture("prometheus/proc/net/dev"), F))
    const brief = dev.map((i) => [i.name, i.rxBytes, i.rxPackets, i.txBytes, i.txPackets])
    expect(brief).toEqual([
      ["vethf345468", 648, 8, 438, 5],
      ["lo", 1664039048, 1566805, 1664039048, 1566805],
      ["docker0", 2568, 38, 438, 5],
      ["eth0", 874354587, 1036395, 563352563, 732147]
    ])
    for (const i of dev) expect([i.rxErrors, i.rxDropped, i.txErrors, i.txDropped]).toEqual([0, 0, 0, 0])
  })

  it("proc/26231/net/dev: a container's namespace", () => {
    const dev = ok(parseNetDev(fixture("prometheus/proc/26231/net/dev"), F))
    expect(dev.map((i) => [i.name, i.rxBytes, i.rxPackets, i.txBytes, i.txPackets])).toEqual([
      ["lo", 0, 0, 0, 0],
      ["eth0", 438, 5, 648, 8]
    ])
  })

  it("procfs's inline net/dev line maps the 16 fields in order, alias keeps its colon", () => {
    const line = "eth0:1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
    expect(ok(parseNetDev(line, F))).toEqual([
      {
        name: "eth0:1",
        rxBytes: 1,
        rxPackets: 2,
        rxErrors: 3,
        rxDropped: 4,
        txBytes: 9,
        txPackets: 10,
        txErrors: 11,
        txDropped: 12
      }
    ])
  })

  it("proc/diskstats: 52 lines of 14, 18 and 20 fields; whole disks only", () => {
    const disks = ok(parseDiskstats(fixture("prometheus/proc/diskstats"), F))
    expect(disks).toHaveLength(52)
    expect(disks[0]!.name).toBe("ram0")
    expect(disks[24]!.name).toBe("sda")
    expect(disks[24]!.writesCompleted).toBe(28444756)
    expect(disks[24]!.sectorsRead).toBe(1003346126)
    expect(disks[24]!.sectorsWritten).toBe(505697032)
    expect(disks.filter((d) => isWholeDisk(d.name)).map((d) => d.name)).toEqual([
      "sda",
      "mmcblk0",
      "vda",
      "nvme0n1",
      "sdb",
      "sdc"
    ])
  })

  it("sys/class/thermal: the Pi's zone and a negative one", () => {
    expect(ok(parseThermalType(fixture("prometheus/sys/class/thermal/thermal_zone0/type"), F))).toBe("bcm2835_thermal")
    expect(ok(parseThermalTemp(fixture("prometheus/sys/class/thermal/thermal_zone0/temp"), F))).toBe(49.925)
    expect(ok(parseThermalType(fixture("prometheus/sys/class/thermal/thermal_zone1/type"), F))).toBe("acpitz")
    expect(ok(parseThermalTemp(fixture("prometheus/sys/class/thermal/thermal_zone1/temp"), F))).toBe(-44)
  })

  it.effect("thermal group: both zones, cpuCelsius from bcm2835_thermal", () =>
    Effect.gen(function* () {
      const t = (yield* yield* makeHostSampler({ paths: treeOf(PROMETHEUS), networkExclude: [], extraDisks: [] }))
        .temperature
      expect(t).toEqual({
        cpuCelsius: 49.925,
        available: true,
        error: null,
        zones: [
          { zone: "thermal_zone0", type: "bcm2835_thermal", celsius: 49.925 },
          { zone: "thermal_zone1", type: "acpitz", celsius: -44 }
        ]
      })
    })
  )

  it.effect("cpufreq: cpu0 through its policy0 symlink; cpu1's cpuinfo_cur_freq", () =>
    Effect.gen(function* () {
      const board = (yield* yield* makeHostSampler({ paths: treeOf(PROMETHEUS), networkExclude: [], extraDisks: [] }))
        .board
      expect(board).toEqual({ model: null, cpuFrequencyMhz: 1219.917, underVoltage: null, errors: [] })
      const cpu1 = "prometheus/sys/devices/system/cpu/cpu1/cpufreq/cpuinfo_cur_freq"
      expect(ok(parseCpufreq(fixture(cpu1), F))).toBe(1200.195)
    })
  )
})

describe("live-vm fixtures", () => {
  it("proc/uptime, proc/loadavg", () => {
    expect(ok(parseUptime(fixture("live-vm/proc/uptime"), F))).toBe(6325.67)
    expect(ok(parseLoadavg(fixture("live-vm/proc/loadavg"), F))).toEqual([0.1, 0.5, 0.39])
  })

  it("proc/stat: two CPUs and the aggregate line", () => {
    const stat = ok(parseStat(fixture("live-vm/proc/stat"), F))
    expect(stat.cores).toHaveLength(2)
    expect(stat.total).toEqual({
      user: 67106,
      nice: 0,
      system: 60801,
      idle: 1126658,
      iowait: 1165,
      irq: 0,
      softirq: 4002,
      steal: 0
    })
  })

  it("proc/stat in seconds: ticks over USER_HZ (100), per core and for the aggregate line", () => {
    const stat = ok(parseStat(fixture("live-vm/proc/stat"), F))
    expect(cpuSeconds(stat.total)).toEqual({
      user: 671.06,
      nice: 0,
      system: 608.01,
      idle: 11266.58,
      iowait: 11.65,
      irq: 0,
      softirq: 40.02,
      steal: 0
    })
    expect(stat.cores.map((c) => cpuSeconds(c.ticks))).toEqual([
      { user: 317.45, nice: 0, system: 295.28, idle: 5663.68, iowait: 2.71, irq: 0, softirq: 19.05, steal: 0 },
      { user: 353.61, nice: 0, system: 312.72, idle: 5602.9, iowait: 8.93, irq: 0, softirq: 20.96, steal: 0 }
    ])
  })

  it("proc/meminfo with MemAvailable", () => {
    const m = ok(parseMeminfo(fixture("live-vm/proc/meminfo"), F))
    expect(m.memTotal).toBe(24683620 * 1024)
    expect(m.memFree).toBe(23772700 * 1024)
    expect(m.memAvailable).toBe(24265380 * 1024)
    expect(m.buffers).toBe(2372 * 1024)
    expect(m.cached).toBe(646516 * 1024)
    expect(m.swapTotal).toBe(0)
    const memory = memoryStats({ meminfo: m, minFreeBytes: 0 })
    expect(memory.availableSource).toBe("MemAvailable")
    expect(memory.usedBytes).toBe((24683620 - 24265380) * 1024)
  })

  it("proc/net/dev", () => {
    const dev = ok(parseNetDev(fixture("live-vm/proc/net/dev"), F))
    expect(dev.map((i) => [i.name, i.rxBytes, i.rxPackets, i.txBytes, i.txPackets])).toEqual([
      ["lo", 2013735948, 3681192, 2013735948, 3681192],
      ["ifb0", 0, 0, 0, 0],
      ["ifb1", 0, 0, 0, 0],
      ["eth0", 460217505, 13632, 659106, 7128]
    ])
  })

  it("proc/diskstats: 10 lines of 20 fields, vda the only disk", () => {
    const disks = ok(parseDiskstats(fixture("live-vm/proc/diskstats"), F))
    expect(disks).toHaveLength(10)
    const whole = disks.filter((d) => isWholeDisk(d.name))
    expect(whole).toEqual([
      { name: "vda", readsCompleted: 128416, writesCompleted: 60738, sectorsRead: 6389666, sectorsWritten: 6207224 }
    ])
  })

  it.effect("the whole collector on the VM's tree: no thermal, no cpufreq, lo filtered out", () =>
    Effect.gen(function* () {
      const sample = yield* makeHostSampler({
        paths: treeOf(LIVE_VM),
        networkExclude: ["lo", "veth*", "docker*", "br-*"],
        extraDisks: []
      })
      const h = yield* sample
      expect(h.cpu.cores).toBe(2)
      expect(h.cpu.usagePercent).toBeNull()
      expect(h.cpu.loadAverage).toEqual([0.1, 0.5, 0.39])
      expect(h.memory.totalBytes).toBe(24683620 * 1024)
      expect(h.memory.availableBytes).toBe(24265380 * 1024)
      expect(h.network.interfaces.map((i) => i.name)).toEqual(["ifb0", "ifb1", "eth0"])
      expect(h.diskIo.devices.map((d) => [d.name, d.readBytes, d.writtenBytes])).toEqual([
        ["vda", 6389666 * 512, 6207224 * 512]
      ])
      expect(h.temperature).toEqual({ cpuCelsius: null, available: false, error: null, zones: [] })
      expect(h.board).toEqual({ model: null, cpuFrequencyMhz: null, underVoltage: null, errors: [] })
      expect(h.system.uptimeSeconds).toBe(6325.67)
      expect(h.cpu.seconds.user).toBe(671.06)
      expect(h.cpu.perCore.map((c) => [c.core, c.seconds.idle])).toEqual([
        [0, 5663.68],
        [1, 5602.9]
      ])
      // The VM booted 6325.67 s before this sample: each core's modes add up to about that.
      for (const c of h.cpu.perCore) {
        const sum = Object.values(c.seconds).reduce((a, b) => a + b, 0)
        expect(Math.abs(sum - h.system.uptimeSeconds)).toBeLessThan(h.system.uptimeSeconds * 0.01)
      }
    })
  )
})
