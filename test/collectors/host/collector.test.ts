// The sampler on small host trees written by the test: deltas, rates, and how each group fails.
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { CPU_MODES, HostStats } from "../../../src/api/HostStats.ts"
import { HostCollector } from "../../../src/collectors/host/HostCollector.ts"
import { refreshEvery, SLOW_SOURCE_MILLIS } from "../../../src/collectors/host/refresh.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import { diskFigures, hostView } from "../../../src/views/host.ts"
import { LIVE_VM, PROMETHEUS, tempTree, write } from "../../kernel/support.ts"
import { makeHostSampler, mockHostStats } from "../../support/readings.ts"

const EXCLUDE = ["lo", "veth*", "docker*", "br-*"]

const samplerFor = (root: string, extraDisks: ReadonlyArray<string> = []) =>
  makeHostSampler({
    paths: { proc: path.join(root, "proc"), sys: path.join(root, "sys"), root },
    networkExclude: EXCLUDE,
    extraDisks
  })

const statText = (total: ReadonlyArray<number>, cores: ReadonlyArray<ReadonlyArray<number>>) =>
  [`cpu  ${total.join(" ")} 0 0`, ...cores.map((c, i) => `cpu${i} ${c.join(" ")} 0 0`), "intr 0", "ctxt 1", ""].join(
    "\n"
  )

const netDevText = (rows: ReadonlyArray<readonly [string, number, number]>) =>
  "Inter-|   Receive                                                |  Transmit\n" +
  " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
  rows.map(([n, rx, tx]) => `${n.padStart(6)}: ${rx} 10 1 2 0 0 0 0 ${tx} 20 3 4 0 0 0 0\n`).join("")

const decode = Schema.decodeUnknownEffect(HostStats)
const roundTrip = (h: HostStats) => decode(Schema.encodeSync(HostStats)(h))

describe("CPU usage from two samples", () => {
  it.effect("null before two samples, then the delta of every column", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      // user nice system idle iowait irq softirq steal
      write(
        root,
        "proc/stat",
        statText(
          [100, 0, 100, 1000, 10, 0, 0, 0],
          [
            [50, 0, 50, 500, 5, 0, 0, 0],
            [50, 0, 50, 500, 5, 0, 0, 0]
          ]
        )
      )
      const sample = yield* samplerFor(root)
      const first = yield* sample
      expect(first.cpu.usagePercent).toBeNull()
      expect(first.cpu.iowaitPercent).toBeNull()
      expect(first.cpu.perCore.map((c) => c.usagePercent)).toEqual([null, null])
      // 200 ticks pass: user +30, nice +5, system +10, idle +120, iowait +20, irq +5, softirq +5, steal +5.
      // cpu0 is busy the whole time, cpu1 idles.
      write(
        root,
        "proc/stat",
        statText(
          [130, 5, 110, 1120, 30, 5, 5, 5],
          [
            [150, 0, 50, 500, 5, 0, 0, 0],
            [50, 0, 50, 600, 5, 0, 0, 0]
          ]
        )
      )
      const second = yield* sample
      expect(second.cpu.usagePercent).toBe(30) // (30+5+10+5+5+5) / 200
      expect(second.cpu.iowaitPercent).toBe(10) // 20 / 200
      expect(second.cpu.perCore.map(({ seconds: _, ...usage }) => usage)).toEqual([
        { core: 0, usagePercent: 100, iowaitPercent: 0 },
        { core: 1, usagePercent: 0, iowaitPercent: 0 }
      ])
      // The counters themselves, in seconds (ticks over USER_HZ = 100), from the first sample on.
      expect(first.cpu.seconds).toEqual({
        user: 1,
        nice: 0,
        system: 1,
        idle: 10,
        iowait: 0.1,
        irq: 0,
        softirq: 0,
        steal: 0
      })
      expect(second.cpu.seconds).toEqual({
        user: 1.3,
        nice: 0.05,
        system: 1.1,
        idle: 11.2,
        iowait: 0.3,
        irq: 0.05,
        softirq: 0.05,
        steal: 0.05
      })
      expect(second.cpu.perCore.map((c) => [c.core, c.seconds.user, c.seconds.idle])).toEqual([
        [0, 1.5, 5],
        [1, 0.5, 6]
      ])
      yield* roundTrip(second)
    })
  )

  it.effect("no tick between samples, or a core that came online: null, not a guess", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      const sample = yield* samplerFor(root)
      yield* sample
      const same = yield* sample // the fixture's /proc/stat does not move
      expect(same.cpu.usagePercent).toBeNull()
      write(
        root,
        "proc/stat",
        statText(
          [200, 0, 100, 2000, 0, 0, 0, 0],
          [
            [100, 0, 50, 1000, 0, 0, 0, 0],
            [100, 0, 50, 1000, 0, 0, 0, 0],
            [1, 1, 1, 1, 0, 0, 0, 0]
          ]
        )
      )
      const next = yield* sample
      expect(next.cpu.cores).toBe(3)
      expect(next.cpu.perCore[2]).toEqual({
        core: 2,
        usagePercent: null,
        iowaitPercent: null,
        seconds: { user: 0.01, nice: 0.01, system: 0.01, idle: 0.01, iowait: 0, irq: 0, softirq: 0, steal: 0 }
      })
    })
  )
})

describe("memory", () => {
  it.effect("without MemAvailable, the kernel's estimate with the watermark from vm.min_free_kbytes", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(PROMETHEUS)
      write(root, "proc/sys/vm/min_free_kbytes", "67584\n")
      const h = yield* yield* samplerFor(root)
      const low = Math.floor((67584 * 1024 * 5) / 4)
      // MemFree + Active(file) + Inactive(file) + SReclaimable, less the watermark three times.
      expect(h.memory.availableBytes).toBe(450891776 + 6649876480 + 6689218560 + 1779838976 - 3 * low)
      expect(h.memory.availableSource).toBe("estimate")
      expect(h.memory.usedBytes).toBe(16042172416 - h.memory.availableBytes)
      // This tree has no /proc/uptime: the kernel's own uptime stands in, and the section says so.
      expect(h.system.errors).toEqual([`${path.join(root, "proc/uptime")}: does not exist; uptime from sysinfo`])
      expect(h.system.uptimeSeconds).toBeGreaterThan(0)
    })
  )
})

describe("network", () => {
  it.effect("reads process 1's namespace, filters, and computes rates from the previous sample", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      // What this process would see (a container's namespace) must not be what is reported.
      write(root, "proc/net/dev", netDevText([["eth0", 1, 1]]))
      write(
        root,
        "proc/1/net/dev",
        netDevText([
          ["lo", 5, 5],
          ["eth0", 1000, 2000],
          ["veth12ab", 7, 7],
          ["br-x1", 1, 1],
          ["wlan0", 10, 10]
        ])
      )
      const sample = yield* samplerFor(root)
      const first = yield* sample
      expect(first.network.source).toBe(path.join(root, "proc/1/net/dev"))
      expect(first.network.interfaces.map((i) => i.name)).toEqual(["eth0", "wlan0"])
      expect(first.network.interfaces[0]).toMatchObject({
        rxBytes: 1000,
        txBytes: 2000,
        rxPackets: 10,
        txPackets: 20,
        rxErrors: 1,
        rxDropped: 2,
        txErrors: 3,
        txDropped: 4,
        rxBytesPerSecond: null,
        txBytesPerSecond: null
      })
      yield* TestClock.adjust("2 seconds")
      // wlan0 was re-created: its counters restart, and its rate is unknown for one sample.
      write(
        root,
        "proc/1/net/dev",
        netDevText([
          ["eth0", 3000, 2100],
          ["wlan0", 3, 3]
        ])
      )
      const second = yield* sample
      expect(second.network.interfaces.map((i) => [i.name, i.rxBytesPerSecond, i.txBytesPerSecond])).toEqual([
        ["eth0", 1000, 50],
        ["wlan0", null, null]
      ])
    })
  )

  it.effect("a malformed net/dev fails only the network group, naming file and line", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      write(root, "proc/1/net/dev", `${netDevText([["eth0", 1, 1]])}  eth1: 1 2 x\n`)
      const h = yield* yield* samplerFor(root)
      expect(h.network.available).toBe(false)
      expect(h.network.interfaces).toEqual([])
      expect(h.network.error).toBe(`${path.join(root, "proc/1/net/dev")} line 4: eth1: 3 counters, expected 16`)
      expect(h.memory.totalBytes).toBe(24683620 * 1024)
      expect(h.diskIo.available).toBe(true)
      yield* roundTrip(h)
    })
  )
})

describe("optional groups", () => {
  it.effect("malformed diskstats, thermal and Pi files fail their own group; missing ones are not available", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      write(root, "proc/diskstats", "   8 0 sda 1 2 3\n")
      write(root, "sys/class/thermal/thermal_zone0/type", "cpu-thermal\n")
      write(root, "sys/class/thermal/thermal_zone0/temp", "hot\n")
      write(root, "sys/class/thermal/thermal_zone1/type", "gpu-thermal\n")
      write(root, "sys/class/thermal/thermal_zone1/temp", "41000\n")
      write(root, "sys/firmware/devicetree/base/model", "Raspberry Pi 4 Model B Rev 1.4\0")
      write(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "fast\n")
      write(root, "sys/class/hwmon/hwmon0/name", "cpu_thermal\n")
      write(root, "sys/class/hwmon/hwmon1/name", "rpi_volt\n")
      write(root, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "1\n")
      const h = yield* yield* samplerFor(root)
      expect(h.diskIo).toEqual({
        available: false,
        error: `${path.join(root, "proc/diskstats")} line 1: 6 fields, expected at least 14`,
        devices: []
      })
      expect(h.temperature.available).toBe(true)
      expect(h.temperature.cpuCelsius).toBeNull()
      expect(h.temperature.zones).toEqual([
        { zone: "thermal_zone0", type: "cpu-thermal", celsius: null },
        { zone: "thermal_zone1", type: "gpu-thermal", celsius: 41 }
      ])
      expect(h.temperature.error).toContain("thermal_zone0/temp line 1")
      expect(h.board.model).toBe("Raspberry Pi 4 Model B Rev 1.4")
      expect(h.board.underVoltage).toBe(true)
      expect(h.board.cpuFrequencyMhz).toBeNull()
      expect(h.board.errors).toEqual([
        `${path.join(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq")} line 1: "fast" is not a frequency in kHz`
      ])
      // The required groups are untouched.
      expect(h.cpu.cores).toBe(2)
      expect(h.memory.availableSource).toBe("MemAvailable")
      yield* roundTrip(h)
    })
  )

  it.effect("no diskstats at all reads as not available, without an error", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      fs.rmSync(path.join(root, "proc/diskstats"))
      const h = yield* yield* samplerFor(root)
      expect(h.diskIo).toEqual({ available: false, error: null, devices: [] })
    })
  )
})

describe("required sources", () => {
  it.effect("a malformed meminfo fails the section with parse-error, naming file and line", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      write(root, "proc/meminfo", "MemTotal:  1000 kB\nMemFree: lots kB\n")
      const e = yield* Effect.flip(yield* samplerFor(root))
      expect(e.reason._tag).toBe("Unparsable")
      expect(e.section).toBe("host")
      expect(e.reason.message).toBe(
        `${path.join(root, "proc/meminfo")} line 2: MemFree: "lots kB" is not "<number> kB"`
      )
    })
  )

  it.effect("a missing /proc/stat fails the section as unavailable", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      fs.rmSync(path.join(root, "proc/stat"))
      const e = yield* Effect.flip(yield* samplerFor(root))
      expect(e.reason._tag).toBe("SourceUnavailable")
      expect(e.reason.message).toBe(`${path.join(root, "proc/stat")}: does not exist`)
    })
  )
})

describe("disks", () => {
  it.effect("paths on one filesystem are reported once with every name; missing ones are listed", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      fs.mkdirSync(path.join(root, "var/lib/docker"), { recursive: true })
      fs.mkdirSync(path.join(root, "srv"))
      const h = yield* yield* samplerFor(root, ["/srv", "/mnt/usb", "/"])
      expect(h.disks).toHaveLength(1)
      const disk = h.disks[0]!
      expect(disk.mountPoint).toBe("/")
      expect(disk.mountPoints).toEqual(["/", "/var/lib/docker", "/srv"])
      const sfs = fs.statfsSync(root)
      expect(disk.totalBytes).toBe(sfs.blocks * sfs.bsize)
      // used and free move with every write on this machine: the formula is checked below, on fixed numbers.
      expect(h.disksUnavailable).toEqual([
        { mountPoint: "/mnt/usb", error: `${path.join(root, "mnt/usb")}: does not exist` }
      ])
    })
  )

  it("df's formulas: used = blocks - bfree, Use% = used / (used + bavail)", () => {
    // A 1000-block filesystem with 50 blocks reserved for root: 600 free, 550 available.
    const figures = diskFigures({ dev: 1n, blockSize: 4096n, blocks: 1000n, blocksFree: 600n, blocksAvailable: 550n })
    expect(figures).toEqual({
      totalBytes: 4_096_000,
      usedBytes: 400 * 4096,
      freeBytes: 550 * 4096,
      usagePercent: 42.11 // 400 / 950
    })
    const empty = diskFigures({ dev: 1n, blockSize: 4096n, blocks: 0n, blocksFree: 0n, blocksAvailable: 0n })
    expect(empty.usagePercent).toBe(0)
    const odd = diskFigures({ dev: 1n, blockSize: 512n, blocks: 10n, blocksFree: 12n, blocksAvailable: 12n })
    expect(odd).toEqual({ totalBytes: 5120, usedBytes: 0, freeBytes: 6144, usagePercent: 0 })
  })

  it.effect("two filesystems stay apart", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      fs.mkdirSync(path.join(root, "var/lib"), { recursive: true })
      // /dev/shm is a tmpfs on Linux: another st_dev than the temporary directory.
      fs.symlinkSync("/dev/shm", path.join(root, "var/lib/docker"))
      const h = yield* yield* samplerFor(root)
      expect(h.disks.map((d) => d.mountPoints)).toEqual([["/"], ["/var/lib/docker"]])
    })
  )
})

describe("system", () => {
  it.effect("hostname and os-release from HOST_ROOT, an absolute os-release link resolved inside it", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      write(root, "etc/hostname", "# set by the installer\nraspberrypi\n")
      write(root, "usr/lib/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n')
      // Absolute, as some distributions ship it: it must not resolve to this machine's /usr/lib.
      fs.symlinkSync("/usr/lib/os-release", path.join(root, "etc/os-release"))
      write(root, "proc/sys/kernel/osrelease", "6.6.51+rpt-rpi-v8\n")
      const h = yield* yield* samplerFor(root)
      expect(h.system).toMatchObject({
        hostname: "raspberrypi",
        osName: "Debian GNU/Linux 12 (bookworm)",
        kernelVersion: "6.6.51+rpt-rpi-v8",
        uptimeSeconds: 6325.67,
        platform: "linux",
        errors: []
      })
    })
  )

  it.effect("a malformed hostname file is reported and the kernel's name used", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      write(root, "etc/hostname", "not a hostname\n")
      const h = yield* yield* samplerFor(root)
      expect(h.system.errors).toEqual([
        `${path.join(root, "etc/hostname")} line 1: "not a hostname" is not a hostname; hostname from this process's kernel namespace`
      ])
      expect(h.system.hostname.length).toBeGreaterThan(0)
    })
  )
})

describe("the live layer", () => {
  it.effect("takes HOST_PROC, HOST_SYS, HOST_ROOT, the interface filter and the extra disks from the config", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      write(
        root,
        "proc/1/net/dev",
        netDevText([
          ["lo", 1, 1],
          ["ifb0", 1, 1],
          ["eth0", 1, 1],
          ["veth1", 1, 1]
        ])
      )
      const config = layerTest({
        HOST_PROC: path.join(root, "proc"),
        HOST_SYS: path.join(root, "sys"),
        HOST_ROOT: root,
        SYSTEM_PROFILER_NET_EXCLUDE: "lo, ifb*",
        SYSTEM_PROFILER_EXTRA_DISKS: "/proc,/mnt/usb"
      })
      const h = yield* Effect.flatMap(HostCollector, (c) => c.read(Duration.seconds(29))).pipe(
        Effect.map((reading) => hostView(reading, undefined)),
        Effect.provide(HostCollector.layerLive.pipe(Layer.provide(config)))
      )
      // veth1 is kept: the configured list replaces the default one.
      expect(h.network.interfaces.map((i) => i.name)).toEqual(["eth0", "veth1"])
      expect(h.disks.map((d) => d.mountPoints)).toEqual([["/", "/proc"]])
      expect(h.disksUnavailable.map((d) => d.mountPoint)).toEqual(["/var/lib/docker", "/mnt/usb"])
      expect(h.memory.totalBytes).toBe(24683620 * 1024)
    })
  )
})

describe("mock", () => {
  it.effect("decodes with the extended schema and moves with the clock", () =>
    Effect.gen(function* () {
      const a = mockHostStats(1_795_000_000_000)
      const b = mockHostStats(1_795_000_060_000)
      yield* roundTrip(a)
      yield* roundTrip(b)
      expect(b.cpu.usagePercent).not.toBe(a.cpu.usagePercent)
      expect(b.network.interfaces[0]!.rxBytes).toBeGreaterThan(a.network.interfaces[0]!.rxBytes)
      expect(b.diskIo.devices[0]!.writtenBytes).toBeGreaterThan(a.diskIo.devices[0]!.writtenBytes)
      expect(b.temperature.cpuCelsius).not.toBe(a.temperature.cpuCelsius)
      // CPU seconds are counters: every mode of every core grows or stays, the busy ones grow.
      for (const [before, after] of [
        [a.cpu.seconds, b.cpu.seconds],
        ...a.cpu.perCore.map((c, i) => [c.seconds, b.cpu.perCore[i]!.seconds] as const)
      ] as const) {
        for (const mode of CPU_MODES) expect(after[mode]).toBeGreaterThanOrEqual(before[mode])
        expect(after.user).toBeGreaterThan(before.user)
        expect(after.idle).toBeGreaterThan(before.idle)
      }
      // The aggregate is the sum of the cores, as in /proc/stat.
      for (const mode of CPU_MODES) {
        const sum = b.cpu.perCore.reduce((acc, c) => acc + c.seconds[mode], 0)
        expect(b.cpu.seconds[mode]).toBeCloseTo(sum, 2)
      }
    })
  )
})

describe("slow sources", () => {
  it.effect("hostname, os-release, thermal zones and the hwmon are read again once a minute; figures every time", () =>
    Effect.gen(function* () {
      const root = yield* tempTree(LIVE_VM)
      write(root, "etc/hostname", "first\n")
      write(root, "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
      write(root, "sys/class/thermal/thermal_zone0/type", "cpu-thermal\n")
      write(root, "sys/class/thermal/thermal_zone0/temp", "50000\n")
      write(root, "sys/class/hwmon/hwmon0/name", "cpu_thermal\n")
      write(root, "sys/firmware/devicetree/base/model", "Raspberry Pi 4 Model B Rev 1.4\0")
      write(root, "proc/uptime", "100.00 50.00\n")
      const sample = yield* samplerFor(root)
      const first = yield* sample
      expect(first.system.hostname).toBe("first")
      expect(first.temperature.zones.map((z) => [z.zone, z.celsius])).toEqual([["thermal_zone0", 50]])
      expect(first.board.underVoltage).toBeNull()

      // The host changes: a new name, an upgrade, a zone and the rpi_volt sensor appear; time passes.
      write(root, "etc/hostname", "second\n")
      write(root, "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n')
      write(root, "sys/class/thermal/thermal_zone0/temp", "61000\n")
      write(root, "sys/class/thermal/thermal_zone1/type", "gpu-thermal\n")
      write(root, "sys/class/thermal/thermal_zone1/temp", "40000\n")
      write(root, "sys/class/hwmon/hwmon1/name", "rpi_volt\n")
      write(root, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "1\n")
      write(root, "proc/uptime", "105.00 52.00\n")
      yield* TestClock.adjust(SLOW_SOURCE_MILLIS - 1)
      const soon = yield* sample
      expect(soon.cpu.cores).toBe(2)
      expect(soon.system.uptimeSeconds).toBe(105)
      expect(soon.temperature.cpuCelsius).toBe(61)
      expect(soon.system.hostname).toBe("first")
      expect(soon.system.osName).toBe("Debian GNU/Linux 12 (bookworm)")
      expect(soon.temperature.zones).toHaveLength(1)
      expect(soon.board.underVoltage).toBeNull()

      yield* TestClock.adjust(1)
      const later = yield* sample
      expect(later.system.hostname).toBe("second")
      expect(later.system.osName).toBe("Debian GNU/Linux 13 (trixie)")
      expect(later.temperature.zones.map((z) => [z.zone, z.type, z.celsius])).toEqual([
        ["thermal_zone0", "cpu-thermal", 61],
        ["thermal_zone1", "gpu-thermal", 40]
      ])
      expect(later.board.underVoltage).toBe(true)
      // The device tree is the firmware's, fixed until the next boot.
      expect(later.board.model).toBe("Raspberry Pi 4 Model B Rev 1.4")
      yield* roundTrip(later)
    })
  )

  it.effect("a failed read is not kept: the next call reads again", () =>
    Effect.gen(function* () {
      let calls = 0
      const read = yield* refreshEvery(
        SLOW_SOURCE_MILLIS,
        Effect.suspend(() => (++calls === 1 ? Effect.fail("no") : Effect.succeed(calls)))
      )
      expect(yield* Effect.flip(read)).toBe("no")
      expect(yield* read).toBe(2)
      expect(yield* read).toBe(2)
      expect(calls).toBe(2)
      // A value is kept for its time, then read again.
      yield* TestClock.adjust(SLOW_SOURCE_MILLIS)
      expect(yield* read).toBe(3)
    })
  )
})
