import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Result } from "effect"
import { globMatch } from "../../src/collectors/host/interfaceFilter.ts"
import { parseCpufreq } from "../../src/kernel/cpufreq.ts"
import { parseDeviceTreeModel } from "../../src/kernel/deviceTreeModel.ts"
import { isWholeDisk, parseDiskstats } from "../../src/kernel/diskstats.ts"
import { parseHostname } from "../../src/kernel/hostname.ts"
import { parseHwmonAlarm } from "../../src/kernel/hwmonAlarm.ts"
import { parseKernelRelease } from "../../src/kernel/kernelRelease.ts"
import { parseLoadavg } from "../../src/kernel/loadavg.ts"
import { estimateAvailable, parseMeminfo } from "../../src/kernel/meminfo.ts"
import { parseMinFreeKbytes } from "../../src/kernel/minFreeKbytes.ts"
import { parseNetDev } from "../../src/kernel/netDev.ts"
import { parseOsRelease } from "../../src/kernel/osRelease.ts"
import { HostParseError, type Parsed } from "../../src/kernel/parse.ts"
import { parseStat, USER_HZ } from "../../src/kernel/stat.ts"
import { parseThermalTemp, parseThermalType } from "../../src/kernel/thermal.ts"
import { parseUptime } from "../../src/kernel/uptime.ts"
import { cpuSeconds } from "../../src/views/host.ts"
import { bool, centi, count, int, letters, pick, procLikeText, spaces } from "./arbitraries.ts"

const FILE = "/host/proc/test"

const parsers: ReadonlyArray<readonly [string, (text: string, file: string) => Parsed<unknown>]> = [
  ["stat", parseStat],
  ["meminfo", parseMeminfo],
  ["loadavg", parseLoadavg],
  ["uptime", parseUptime],
  ["net/dev", parseNetDev],
  ["diskstats", parseDiskstats],
  ["thermal temp", parseThermalTemp],
  ["thermal type", parseThermalType],
  ["os-release", parseOsRelease],
  ["hostname", parseHostname],
  ["osrelease", parseKernelRelease],
  ["device-tree model", parseDeviceTreeModel],
  ["cpufreq", parseCpufreq],
  ["hwmon alarm", parseHwmonAlarm],
  ["min_free_kbytes", parseMinFreeKbytes]
]

const ok = <A>(r: Parsed<A>): A => {
  if (Result.isFailure(r)) throw new Error(`expected a value, got ${r.failure.message}`)
  return r.success
}

describe("every parser on arbitrary text", () => {
  for (const [name, parse] of parsers) {
    // The vitest timeout is the "never hangs" half: a parser that loops fails the test.
    it.prop(`${name}: returns a value or a HostParseError naming the file, never throws`, [procLikeText], ([text]) => {
      const r = parse(text, FILE)
      if (Result.isSuccess(r)) return true
      const e = r.failure
      return (
        e instanceof HostParseError &&
        e.file === FILE &&
        Number.isInteger(e.line) &&
        e.line >= 0 &&
        e.message.startsWith(FILE)
      )
    })
  }

  it("stays linear on long hostile lines", () => {
    const hostile = [
      `cpu0 ${"1 ".repeat(200_000)}`,
      `MemTotal: ${"9".repeat(200_000)} kB`,
      `${"a:".repeat(100_000)} 1 2`,
      `${"=".repeat(100_000)}`,
      `PRETTY_NAME="${'\\"'.repeat(100_000)}`,
      `${"9".repeat(300_000)}.`,
      `${"x-".repeat(150_000)}!`
    ]
    const started = performance.now()
    for (const text of hostile) for (const [, parse] of parsers) parse(text, FILE)
    // Generous: a backtracking pattern would take minutes here, a linear scan milliseconds.
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})

const COLUMNS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const
const ticks = Arbitrary.array(count, { minLength: 8, maxLength: 8 })
const toTicks = (t: ReadonlyArray<number>) => Object.fromEntries(COLUMNS.map((c, i) => [c, t[i]!]))

describe("well-formed files parse back to their numbers", () => {
  it.prop(
    "/proc/stat",
    [
      ticks,
      Arbitrary.array(ticks, { minLength: 1, maxLength: 16 }),
      Arbitrary.array(count, { minLength: 2, maxLength: 2 }),
      bool
    ],
    ([total, cores, guest, withIntr]) => {
      const line = (label: string, t: ReadonlyArray<number>) => `${label} ${t.join(" ")} ${guest.join(" ")}`
      const text = [
        line("cpu ", total),
        ...cores.map((t, i) => line(`cpu${i}`, t)),
        withIntr ? `intr ${"0 ".repeat(500)}` : "ctxt 10620626",
        "btime 1795479175",
        ""
      ].join("\n")
      const parsed = ok(parseStat(text, FILE))
      expect(parsed.total).toEqual(toTicks(total))
      expect(parsed.cores).toEqual(cores.map((t, core) => ({ core, ticks: toTicks(t) })))
    }
  )

  // Ticks as a decimal string, written from the digits: 6710 is "67.10", which reads as 67.1.
  const decimal = (ticks: number) => {
    const digits = String(ticks).padStart(3, "0")
    return `${digits.slice(0, -2)}.${digits.slice(-2)}`
  }
  // Up to 2^48 ticks: a century of uptime on a thousand cores, far below where a double loses units.
  const realTicks = Arbitrary.array(int(0, 2 ** 48), { minLength: 8, maxLength: 8 })
  it.prop(
    "/proc/stat: every mode's ticks become seconds exactly, guest and guest_nice not added",
    [
      realTicks,
      Arbitrary.array(realTicks, { minLength: 1, maxLength: 8 }),
      Arbitrary.array(int(0, 2 ** 48), { minLength: 2, maxLength: 2 })
    ],
    ([total, cores, guest]) => {
      const line = (label: string, t: ReadonlyArray<number>) => `${label} ${t.join(" ")} ${guest.join(" ")}`
      const text = [line("cpu ", total), ...cores.map((t, i) => line(`cpu${i}`, t)), "ctxt 1", ""].join("\n")
      const parsed = ok(parseStat(text, FILE))
      const expected = (t: ReadonlyArray<number>) =>
        Object.fromEntries(COLUMNS.map((c, i) => [c, Number(decimal(t[i]!))]))
      expect(cpuSeconds(parsed.total)).toEqual(expected(total))
      expect(parsed.cores.map((c) => cpuSeconds(c.ticks))).toEqual(cores.map(expected))
      for (const [mode, seconds] of Object.entries(cpuSeconds(parsed.total))) {
        expect(Number.isFinite(seconds) && seconds >= 0, mode).toBe(true)
        expect(Math.round(seconds * USER_HZ), mode).toBe(total[COLUMNS.indexOf(mode as (typeof COLUMNS)[number])])
      }
    }
  )

  const kib = int(0, 2 ** 40)
  it.prop(
    "/proc/meminfo",
    {
      total: kib,
      free: kib,
      available: kib,
      withAvailable: bool,
      buffers: kib,
      cached: kib,
      swapTotal: kib,
      swapFree: kib,
      huge: int(0, 1000),
      pad: spaces
    },
    (m) => {
      const rows: Array<[string, number, boolean]> = [
        ["MemTotal", m.total, true],
        ["MemFree", m.free, true],
        ...(m.withAvailable ? [["MemAvailable", m.available, true] as [string, number, boolean]] : []),
        ["Buffers", m.buffers, true],
        ["Cached", m.cached, true],
        ["SwapCached", 0, true],
        ["SwapTotal", m.swapTotal, true],
        ["SwapFree", m.swapFree, true],
        ["HugePages_Total", m.huge, false],
        ["SecPageTables", 7, true]
      ]
      const text = rows.map(([k, v, unit]) => `${`${k}:`.padEnd(16)}${m.pad}${v}${unit ? " kB" : ""}`).join("\n")
      const parsed = ok(parseMeminfo(`${text}\n`, FILE))
      expect(parsed).toEqual({
        memTotal: m.total * 1024,
        memFree: m.free * 1024,
        memAvailable: m.withAvailable ? m.available * 1024 : undefined,
        buffers: m.buffers * 1024,
        cached: m.cached * 1024,
        swapTotal: m.swapTotal * 1024,
        swapFree: m.swapFree * 1024,
        activeFile: 0,
        inactiveFile: 0,
        sReclaimable: 0
      })
    }
  )

  it.prop(
    "the MemAvailable estimate stays within 0..MemTotal",
    Array.from({ length: 6 }, () => kib),
    ([total, free, active, inactive, slab, minFree]) => {
      const estimate = estimateAvailable(
        {
          memTotal: total!,
          memFree: free!,
          memAvailable: undefined,
          buffers: 0,
          cached: 0,
          swapTotal: 0,
          swapFree: 0,
          activeFile: active!,
          inactiveFile: inactive!,
          sReclaimable: slab!
        },
        minFree!
      )
      return Number.isSafeInteger(estimate) && estimate >= 0 && estimate <= total!
    }
  )

  it.prop("/proc/loadavg", [centi, centi, centi, int(0, 5000), int(1, 4_194_304)], ([a, b, c, running, pid]) => {
    const parsed = ok(parseLoadavg(`${a.text} ${b.text} ${c.text} ${running}/${running + 100} ${pid}\n`, FILE))
    expect(parsed).toEqual([a.value, b.value, c.value])
  })

  it.prop("/proc/uptime", [centi, centi], ([up, idle]) => {
    expect(ok(parseUptime(`${up.text} ${idle.text}\n`, FILE))).toBe(up.value)
  })

  // Plain names, names longer than the 6-column pad, and aliases such as eth0:1 that keep their colon.
  const ifName = Arbitrary.map(
    Arbitrary.all([
      pick(["eth", "wlan", "enp", "br-", "veth", "docker", "tailscale", "x"]),
      int(0, 99999),
      pick(["", ":1", "s3", "_a", ".10"])
    ]),
    ([a, n, b]) => `${a}${n}${b}`
  )
  const counters16 = Arbitrary.array(count, { minLength: 16, maxLength: 16 })
  it.prop(
    "/proc/net/dev",
    [Arbitrary.array(Arbitrary.all([ifName, counters16]), { maxLength: 10 }), bool],
    ([raw, tight]) => {
      const interfaces = [...new Map(raw).entries()]
      const header =
        "Inter-|   Receive                                                |  Transmit\n" +
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
      // The kernel pads names to 6 columns: a long name runs straight into its colon.
      const body = interfaces
        .map(([n, v]) => `${tight ? n : n.padStart(6)}:${v.map((x) => ` ${x}`).join("")}\n`)
        .join("")
      const parsed = ok(parseNetDev(header + body, FILE))
      expect(parsed).toEqual(
        interfaces.map(([name, v]) => ({
          name,
          rxBytes: v[0],
          rxPackets: v[1],
          rxErrors: v[2],
          rxDropped: v[3],
          txBytes: v[8],
          txPackets: v[9],
          txErrors: v[10],
          txDropped: v[11]
        }))
      )
    }
  )

  const diskName = Arbitrary.map(
    Arbitrary.all([
      pick(["sd", "vd", "mmcblk", "nvme0n", "loop", "ram", "zram", "dm-"]),
      letters(0, 2),
      int(0, 12),
      pick(["", "p1", "1"])
    ]),
    ([a, l, n, p]) => `${a}${l}${n}${p}`
  )
  it.prop(
    "/proc/diskstats with 14, 18 and 20 fields",
    [
      Arbitrary.array(
        Arbitrary.all([diskName, pick(["11", "15", "17"]), Arbitrary.array(count, { minLength: 17, maxLength: 17 })]),
        { maxLength: 30 }
      )
    ],
    ([lines]) => {
      const text = lines
        .map(([name, n, v]) => `${"8".padStart(4)} ${"0".padStart(7)} ${name} ${v.slice(0, Number(n)).join(" ")}`)
        .join("\n")
      const parsed = ok(parseDiskstats(text, FILE))
      expect(parsed).toEqual(
        lines.map(([name, , v]) => ({
          name,
          readsCompleted: v[0],
          writesCompleted: v[4],
          sectorsRead: v[2],
          sectorsWritten: v[6]
        }))
      )
    }
  )

  it.prop(
    "whole disks are told from partitions",
    [pick(["sd", "vd", "xvd", "mmcblk", "nvme"]), letters(1, 2), int(0, 9), int(1, 20)],
    ([kind, l, n, part]) => {
      const disk = kind === "mmcblk" ? `mmcblk${n}` : kind === "nvme" ? `nvme${n}n1` : `${kind}${l}`
      const partition = kind === "mmcblk" || kind === "nvme" ? `${disk}p${part}` : `${disk}${part}`
      return (
        isWholeDisk(disk) &&
        !isWholeDisk(partition) &&
        !isWholeDisk(`loop${n}`) &&
        !isWholeDisk(`zram${n}`) &&
        !isWholeDisk(`dm-${n}`)
      )
    }
  )

  it.prop("thermal temp in millidegrees", [int(-273_150, 500_000)], ([milli]) => {
    expect(ok(parseThermalTemp(`${milli}\n`, FILE))).toBe(milli / 1000)
  })

  it.prop("thermal type", [letters(1, 12), pick(["", "-thermal", "_temp", "0"])], ([a, b]) => {
    expect(ok(parseThermalType(`${a}${b}\n`, FILE))).toBe(`${a}${b}`)
  })

  const prettyName = Arbitrary.map(
    Arbitrary.array(
      pick(["Debian", " ", "GNU/Linux", "12", "(bookworm)", "Raspbian", '"', "\\", "$", "`", "'", "é", "#", "="]),
      { minLength: 1, maxLength: 8 }
    ),
    (xs) => xs.join("")
  )
  it.prop(
    "os-release PRETTY_NAME, double-quoted, single-quoted or bare",
    [prettyName, pick(["double", "single", "bare"])],
    ([raw, style]) => {
      const name = raw.trim() === "" ? "Debian" : raw.trim()
      const quotable = style !== "single" || !name.includes("'")
      const bare = style !== "bare" || !/["'\\\s#$`]/.test(name)
      if (!quotable || !bare) return true
      const value =
        style === "double" ? `"${name.replace(/[\\"$`]/g, (c) => `\\${c}`)}"` : style === "single" ? `'${name}'` : name
      const text = `# comment\nNAME="Other"\n\nPRETTY_NAME=${value}\nID=debian\n`
      expect(ok(parseOsRelease(text, FILE))).toBe(name)
    }
  )

  it.prop("hostname", [letters(1, 10), int(0, 999), pick(["", ".local", ".lan", "-pi"])], ([a, n, b]) => {
    const name = `${a}${n}${b}`
    expect(ok(parseHostname(`${name}\n`, FILE))).toBe(name)
  })

  it.prop(
    "kernel release",
    [int(2, 7), int(0, 30), int(0, 200), pick(["", "+rpt-rpi-v8", "-fc-v595", "-amd64", "-v7l+"])],
    ([a, b, c, d]) => {
      const release = `${a}.${b}.${c}${d}`
      expect(ok(parseKernelRelease(`${release}\n`, FILE))).toBe(release)
    }
  )

  it.prop(
    "device-tree model with its trailing NUL",
    [pick(["Raspberry Pi", "Raspberry Pi Compute Module", "Pine64"]), int(0, 5), pick(["B", "A+", "Model B Rev 1.4"])],
    ([a, n, b]) => {
      const model = `${a} ${n} ${b}`
      expect(ok(parseDeviceTreeModel(`${model}\0`, FILE))).toBe(model)
    }
  )

  it.prop("cpufreq kHz to MHz", [int(0, 10_000_000)], ([khz]) => {
    expect(ok(parseCpufreq(`${khz}\n`, FILE))).toBe(khz / 1000)
  })

  it.prop("vm.min_free_kbytes", [int(0, 2 ** 32)], ([kib]) => {
    expect(ok(parseMinFreeKbytes(`${kib}\n`, FILE))).toBe(kib * 1024)
  })

  it.prop("hwmon alarm", [bool], ([on]) => {
    expect(ok(parseHwmonAlarm(on ? "1\n" : "0\n", FILE))).toBe(on)
  })
})

const ifChars = Arbitrary.map(Arbitrary.array(pick(["a", "b", "e", "0", "1", "-", "*"]), { maxLength: 10 }), (xs) =>
  xs.join("")
)
const plain = Arbitrary.map(ifChars, (s) => s.replaceAll("*", ""))

describe("interface filter patterns", () => {
  it.prop("a pattern without * matches only itself", [plain, plain], ([p, n]) => globMatch(p, n) === (p === n))
  it.prop(
    "prefix* matches exactly the names with that prefix",
    [plain, plain],
    ([prefix, name]) => globMatch(`${prefix}*`, name) === name.startsWith(prefix)
  )
  it.prop(
    "*suffix matches exactly the names with that suffix",
    [plain, plain],
    ([suffix, name]) => globMatch(`*${suffix}`, name) === name.endsWith(suffix)
  )
  it.prop("agrees with an anchored regex of the same pattern", [ifChars, plain], ([pattern, name]) => {
    const regex = new RegExp(`^${pattern.replace(/[-]/g, "\\-").replaceAll("*", ".*")}$`)
    return globMatch(pattern, name) === regex.test(name)
  })
  it("stays fast on many stars", () => {
    const started = performance.now()
    globMatch(`*${"a*".repeat(2000)}b`, "a".repeat(5000))
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
