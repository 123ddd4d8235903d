// Property tests of the cgroup parsers, as test/host/parsers.prop.test.ts does for the host's:
// any text gives a value or a typed error naming the file, never a throw nor a hang; well-formed
// files, built from known numbers in any key order, parse back to those numbers in base units.

import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Result } from "effect"
import * as fc from "fast-check"
import { parseCfsPeriodV1, parseCfsQuotaV1, parseCpuMaxV2 } from "../../../src/kernel/cgroup/cpuLimit.ts"
import { parseCpuStatV1, parseCpuStatV2 } from "../../../src/kernel/cgroup/cpuStat.ts"
import { parseMemoryLimitV1, parseMemoryMaxV2 } from "../../../src/kernel/cgroup/memoryLimit.ts"
import { parseMemoryEventsV2, parseOomControlV1 } from "../../../src/kernel/cgroup/oom.ts"
import { parseKeyedCounters } from "../../../src/kernel/cgroup/parse.ts"
import { parsePidsCurrent, parsePidsMax } from "../../../src/kernel/cgroup/pids.ts"
import { parsePressure } from "../../../src/kernel/cgroup/pressure.ts"
import { HostParseError, type Parsed, parseFlatKeyed } from "../../../src/kernel/cgroup/text.ts"
import { describeToken, fields, parseFail, scanLines } from "../../../src/kernel/parse.ts"
import { oneOf, pick, procLikeText } from "../arbitraries.ts"

const FILE = "/host/sys/fs/cgroup/test"

const parsers: ReadonlyArray<readonly [string, (text: string, file: string) => Parsed<unknown>]> = [
  ["cpu.stat v1", parseCpuStatV1],
  ["cpu.stat v2", parseCpuStatV2],
  ["cpu.cfs_quota_us", parseCfsQuotaV1],
  ["cpu.cfs_period_us", parseCfsPeriodV1],
  ["cpu.max", parseCpuMaxV2],
  ["memory.limit_in_bytes", parseMemoryLimitV1],
  ["memory.max", parseMemoryMaxV2],
  ["memory.events", parseMemoryEventsV2],
  ["memory.oom_control", parseOomControlV1],
  ["pids.current", parsePidsCurrent],
  ["pids.max", parsePidsMax],
  ["*.pressure", parsePressure]
]

const ok = <A>(r: Parsed<A>): A => {
  if (Result.isFailure(r)) throw new Error(`expected a value, got ${r.failure.message}`)
  return r.success
}
const failed = (r: Parsed<unknown>): HostParseError => {
  if (Result.isSuccess(r)) throw new Error(`expected a parse error, got ${JSON.stringify(r.success)}`)
  return r.failure
}

// cgroup-like pieces, so that arbitrary text reaches past the first checks.
const cgroupToken = pick([
  "nr_periods",
  "nr_throttled",
  "throttled_time",
  "throttled_usec",
  "usage_usec",
  "oom_kill",
  "oom",
  "low",
  "high",
  "max",
  "under_oom",
  "oom_kill_disable",
  "some",
  "full",
  "avg10=",
  "avg60=0.00",
  "total=",
  "-1",
  "100000",
  "9223372036854771712",
  "99999999999999999999999",
  " ",
  "\n",
  "=",
  "1.5",
  "100.01"
])
const cgroupText = Arbitrary.map(Arbitrary.array(Arbitrary.array(cgroupToken, { maxLength: 6 })), (lines) =>
  lines.map((parts) => parts.join(" ")).join("\n")
)

describe("every cgroup parser on arbitrary text", () => {
  for (const [name, parse] of parsers) {
    it.prop(
      `${name}: a value or a HostParseError naming the file, never a throw`,
      [oneOf(procLikeText, cgroupText)],
      ([text]) => {
        const r = parse(text, FILE)
        if (Result.isSuccess(r)) return true
        const e = r.failure
        return e instanceof HostParseError && e.file === FILE && Number.isInteger(e.line) && e.line >= 0
      }
    )
  }

  it("stays linear on long hostile lines", () => {
    const hostile = [
      `nr_periods ${"9".repeat(300_000)}`,
      `some ${"avg10=1 ".repeat(100_000)}`,
      `${"=".repeat(200_000)}`,
      `${"1 ".repeat(200_000)}`,
      `max ${"0".repeat(300_000)}.`
    ]
    const started = performance.now()
    for (const text of hostile) for (const [, parse] of parsers) parse(text, FILE)
    // Generous: a backtracking pattern would take minutes here, a linear scan milliseconds.
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})

// The line-by-line form both keyed parsers had before scanKeyedCounts, as the reference.
const referenceKeyed = (text: string, file: string, once: boolean): Parsed<ReadonlyMap<string, number>> => {
  const out = new Map<string, number>()
  const failure = scanLines(text, (line, lineNo) => {
    const parts = fields(line)
    if (parts.length === 0) return undefined
    if (parts.length !== 2) return parseFail(file, lineNo, `${parts.length} fields, expected "key value"`)
    const [key, raw] = parts as [string, string]
    const value = /^\d{1,20}$/.test(raw) ? Number(raw) : undefined
    if (value === undefined) return parseFail(file, lineNo, `${key}: ${describeToken(raw)} is not a count`)
    if (once && out.has(key)) return parseFail(file, lineNo, `${key} appears twice`)
    out.set(key, value)
    return undefined
  })
  return failure ?? Result.succeed(out)
}

const keyedPieces = pick([
  "nr_periods",
  "total_inactive_file",
  "a",
  "\t",
  " ",
  "  ",
  "\r",
  "\u00a0",
  "0",
  "007",
  "18446744073709551615",
  "123456789012345678901",
  "-1",
  "1.5",
  "\n",
  ""
])
const keyedText = Arbitrary.map(Arbitrary.array(Arbitrary.array(keyedPieces, { maxLength: 4 })), (lines) =>
  lines.map((parts) => parts.join(" ")).join("\n")
)

describe("the keyed parsers' fast lines", () => {
  it.prop(
    "parse as the line-by-line form did: the same map or the same error",
    [oneOf(procLikeText, cgroupText, keyedText)],
    ([text]) => {
      for (const [parse, once] of [
        [parseFlatKeyed, true],
        [parseKeyedCounters, false]
      ] as const) {
        const mine = parse(text, FILE)
        const reference = referenceKeyed(text, FILE, once)
        expect(Result.isSuccess(mine)).toBe(Result.isSuccess(reference))
        if (Result.isSuccess(mine) && Result.isSuccess(reference)) {
          expect([...mine.success]).toEqual([...reference.success])
        } else if (Result.isFailure(mine) && Result.isFailure(reference)) {
          expect([mine.failure.line, mine.failure.reason]).toEqual([reference.failure.line, reference.failure.reason])
        }
      }
      return true
    }
  )
})

describe("errors name the file and the line", () => {
  it.each([
    ["cpu.stat v1", parseCpuStatV1, "nr_periods 1\nnr_throttled x\n", 2, "nr_throttled"],
    ["cpu.stat v1", parseCpuStatV1, "nr_periods 1\nnr_throttled 0\n", 0, "no throttled_time line"],
    ["cpu.stat v2", parseCpuStatV2, "usage_usec 1\nnr_periods 1\n", 0, "no nr_throttled line"],
    ["cpu.stat v2", parseCpuStatV2, "nr_periods 1\nnr_periods 2\n", 2, "appears twice"],
    ["cpu.max", parseCpuMaxV2, "max\n", 1, 'expected "$MAX $PERIOD"'],
    ["cpu.max", parseCpuMaxV2, "100 0\n", 1, "a period of 0"],
    ["cpu.cfs_quota_us", parseCfsQuotaV1, "-2\n", 1, "not a quota"],
    ["memory.max", parseMemoryMaxV2, "-1\n", 1, "not a byte count"],
    ["memory.events", parseMemoryEventsV2, "low 0\nhigh 0\nmax 0\noom 0\n", 0, "no oom_kill line"],
    ["memory.oom_control", parseOomControlV1, "oom_kill_disable 2\nunder_oom 0\n", 0, "not 0 or 1"],
    ["pids.max", parsePidsMax, "lots\n", 1, 'not a count or "max"'],
    [
      "pressure",
      parsePressure,
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nhalf avg10=0\n",
      2,
      "not some or full"
    ],
    ["pressure", parsePressure, "some avg10=100.01 avg60=0.00 avg300=0.00 total=0\n", 1, "not a percentage"],
    ["pressure", parsePressure, "some avg10=0.00 avg300=0.00 total=0\n", 1, "no avg60"],
    ["pressure", parsePressure, "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", 0, 'no "some" line']
  ] as const)("%s: %j", (_, parse, text, line, reason) => {
    const e = failed(parse(text, FILE))
    expect(e.file).toBe(FILE)
    expect(e.line).toBe(line)
    expect(e.reason).toContain(reason)
    expect(e.message.startsWith(FILE)).toBe(true)
  })
})

const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
/** "key value" lines in any order, with the kernel's newer keys mixed in. */
const flatFile = (entries: Record<string, number>, extra: ReadonlyArray<string>, order: ReadonlyArray<number>) => {
  const lines = [...Object.entries(entries).map(([k, v]) => `${k} ${v}`), ...extra.map((k, i) => `${k} ${i}`)]
  const shuffled = lines.map((l, i) => [order[i] ?? i, l] as const).sort((a, b) => a[0] - b[0])
  return `${shuffled.map(([, l]) => l).join("\n")}\n`
}
const order = fc.array(fc.nat(), { maxLength: 12 })

describe("well-formed files parse back to their numbers", () => {
  it("cpu.stat v1: periods, throttled periods, nanoseconds as seconds", () => {
    fc.assert(
      fc.property(count, count, count, fc.subarray(["nr_bursts", "burst_time"]), order, (p, t, ns, extra, o) => {
        const text = flatFile({ nr_periods: p, nr_throttled: t, throttled_time: ns }, extra, o)
        expect(ok(parseCpuStatV1(text, FILE))).toEqual({ periods: p, throttledPeriods: t, throttledSeconds: ns / 1e9 })
      })
    )
  })

  it("cpu.stat v2: microseconds as seconds, null without the cpu controller's keys", () => {
    fc.assert(
      fc.property(count, count, count, fc.boolean(), order, (p, t, us, enabled, o) => {
        const usage = { usage_usec: 5, user_usec: 3, system_usec: 2 }
        const text = flatFile(
          enabled ? { ...usage, nr_periods: p, nr_throttled: t, throttled_usec: us } : usage,
          ["core_sched.force_idle_usec"],
          o
        )
        expect(ok(parseCpuStatV2(text, FILE))).toEqual(
          enabled ? { periods: p, throttledPeriods: t, throttledSeconds: us / 1e6 } : null
        )
      })
    )
  })

  it("cpu.max and the v1 pair: the quota and period in seconds, CPUs as their ratio", () => {
    const micros = fc.integer({ min: 1, max: 10 ** 12 })
    fc.assert(
      fc.property(fc.option(micros), micros, (quota, period) => {
        const limit = ok(parseCpuMaxV2(`${quota ?? "max"} ${period}\n`, FILE))
        expect(limit).toEqual({
          quotaSeconds: quota === null ? null : quota / 1e6,
          periodSeconds: period / 1e6,
          cpus: quota === null ? null : quota / period
        })
        expect(ok(parseCfsQuotaV1(`${quota ?? -1}\n`, FILE))).toBe(quota)
        expect(ok(parseCfsPeriodV1(`${period}\n`, FILE))).toBe(period)
      })
    )
  })

  it("memory limits: bytes, or null for v2's max and v1's largest value at any page size", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (bytes) => {
        expect(ok(parseMemoryLimitV1(`${bytes}\n`, FILE))).toBe(bytes)
        expect(ok(parseMemoryMaxV2(`${bytes}\n`, FILE))).toBe(bytes)
      })
    )
    for (const page of [4096n, 16_384n, 65_536n]) {
      const unlimited = ((2n ** 63n - 1n) / page) * page
      expect(ok(parseMemoryLimitV1(`${unlimited}\n`, FILE))).toBeNull()
    }
    expect(ok(parseMemoryMaxV2("max\n", FILE))).toBeNull()
  })

  it("memory.events and memory.oom_control: every counter, in any order", () => {
    fc.assert(
      fc.property(
        fc.array(count, { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        order,
        ([low, high, max, oom, kill, group], withGroup, disabled, under, o) => {
          const events = { low: low!, high: high!, max: max!, oom: oom!, oom_kill: kill! }
          const text = flatFile(withGroup ? { ...events, oom_group_kill: group! } : events, ["sock_throttled"], o)
          expect(ok(parseMemoryEventsV2(text, FILE))).toEqual({
            low,
            high,
            max,
            oom,
            oomKill: kill,
            oomGroupKill: withGroup ? group : null
          })
          const control = flatFile(
            { oom_kill_disable: Number(disabled), under_oom: Number(under), ...(withGroup ? { oom_kill: kill! } : {}) },
            [],
            o
          )
          expect(ok(parseOomControlV1(control, FILE))).toEqual({
            oomKillDisable: disabled,
            underOom: under,
            oomKill: withGroup ? kill : null
          })
        }
      )
    )
  })

  it("pids.current and pids.max", () => {
    fc.assert(
      fc.property(count, fc.option(count), (current, max) => {
        expect(ok(parsePidsCurrent(`${current}\n`, FILE))).toBe(current)
        expect(ok(parsePidsMax(`${max ?? "max"}\n`, FILE))).toBe(max)
      })
    )
  })

  // The kernel prints each average as a percentage with two decimals.
  const hundredths = fc.integer({ min: 0, max: 10_000 })
  const percent = (h: number) => `${Math.floor(h / 100)}.${String(h % 100).padStart(2, "0")}`
  const line = fc.record({ a10: hundredths, a60: hundredths, a300: hundredths, total: count })
  it("pressure: averages as ratios, totals as seconds, full optional", () => {
    fc.assert(
      fc.property(line, fc.option(line), fc.boolean(), (some, full, reversed) => {
        const print = (kind: string, l: typeof some) =>
          `${kind} avg10=${percent(l.a10)} avg60=${percent(l.a60)} avg300=${percent(l.a300)} total=${l.total}`
        const lines = [print("some", some), ...(full === null ? [] : [print("full", full)])]
        const text = `${(reversed ? lines.reverse() : lines).join("\n")}\n`
        const expected = (l: typeof some) => ({
          avg10: l.a10 / 10_000,
          avg60: l.a60 / 10_000,
          avg300: l.a300 / 10_000,
          totalSeconds: l.total / 1e6
        })
        expect(ok(parsePressure(text, FILE))).toEqual({
          some: expected(some),
          full: full === null ? null : expected(full)
        })
      })
    )
  })
})
