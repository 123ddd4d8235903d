// The store on a real SQLite file in a temporary directory, driven by the TestClock: days of
// samples in seconds, with flushes, roll-ups, retention and the size cap running as they would.
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import { type HistoryResult, StoreEngine } from "../../../src/history/store/engine.ts"
import { InvalidHistoryQuery } from "../../../src/history/store/errors.ts"
import { HistoryStore } from "../../../src/history/store/HistoryStore.ts"
import type { Sample } from "../../../src/history/store/model.ts"
import { planQuery } from "../../../src/history/store/tiers.ts"
import {
  captureLogs,
  expectedCounter,
  expectedGauges,
  pointsOf,
  removeTempDirs,
  storedBuckets,
  storeLayer,
  tempDir
} from "./harness.ts"

afterAll(removeTempDirs)

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * Two days of a host and a probe every 15 s. Gauge values are quarters, eighths and integers, so
 * every sum is exact in a double and the expected means can be compared with ===. The counter
 * grows by uneven steps and resets every 617 readings (to a small value, as after a reboot).
 */
const twoDays = (): Array<Sample> => {
  const samples: Array<Sample> = []
  let rx = 0
  for (let i = 0; i < (2 * DAY) / (15 * SECOND); i++) {
    const at = i * 15 * SECOND
    rx = i % 617 === 616 ? i % 5 : rx + ((i * 37) % 1000)
    samples.push({
      at,
      series: { kind: "host", name: "pi" },
      gauges: {
        cpu: ((i * 7919) % 400) / 4,
        temperature: -10 + ((i * 31) % 640) / 8,
        memory: 8_000_000_000 + ((i * 104_729) % 1_000_000),
        sometimes: i % 3 === 0 ? null : i % 7
      },
      counters: { rx }
    })
    samples.push({
      at,
      series: { kind: "probe", name: "web" },
      gauges: { healthy: i % 10 === 0 ? 0 : 1, latency: (i % 50) / 2 },
      counters: {}
    })
  }
  return samples
}

/** Records samples in time order, moving the TestClock along and flushing every 5 minutes. */
const feed = (samples: ReadonlyArray<Sample>) =>
  Effect.gen(function* () {
    const store = yield* HistoryStore
    let i = 0
    let lastFlush = 0
    while (i < samples.length) {
      const at = samples[i]!.at
      const now = yield* Clock.currentTimeMillis
      if (at > now) yield* TestClock.adjust(at - now)
      const batch: Array<Sample> = []
      while (i < samples.length && samples[i]!.at === at) batch.push(samples[i++]!)
      yield* store.record(batch)
      if (at - lastFlush >= 5 * MINUTE) {
        yield* store.flush
        lastFlush = at
      }
    }
  })

/** Every bucket of the result equals the aggregate of the raw samples in it, exactly. */
const assertTier = (result: HistoryResult, samples: ReadonlyArray<Sample>, bucketMs: number) => {
  assert.strictEqual(result.stepMillis, bucketMs)
  const host = pointsOf(result, "pi")
  for (const gauge of ["cpu", "temperature", "memory", "sometimes"]) {
    const expected = expectedGauges(samples, "pi", gauge, bucketMs)
    assert.strictEqual([...host.values()].filter((p) => p.gauges[gauge] !== undefined).length, expected.size, gauge)
    for (const [at, e] of expected) {
      assert.deepStrictEqual(
        host.get(at)?.gauges[gauge],
        { min: e.min, mean: e.sum / e.count, max: e.max, count: e.count },
        `${gauge} at ${at}`
      )
    }
  }
  const counter = expectedCounter(samples, "pi", "rx", bucketMs)
  for (const [at, e] of counter) {
    const got = host.get(at)?.counters.rx
    assert.strictEqual(got?.last, e.last, `rx last at ${at}`)
    assert.strictEqual(got?.increase, e.increase, `rx increase at ${at}`)
    assert.isAtLeast(got?.increase ?? -1, 0)
    // The newest point covers only the time up to the query.
    assert.strictEqual(got?.ratePerSecond, e.increase / (Math.min(bucketMs, result.to - at) / 1000))
  }
  const probe = pointsOf(result, "web")
  for (const [at, e] of expectedGauges(samples, "web", "healthy", bucketMs)) {
    assert.deepStrictEqual(probe.get(at)?.gauges.healthy, {
      min: e.min,
      mean: e.sum / e.count,
      max: e.max,
      count: e.count
    })
  }
}

describe("HistoryStore tiers (TestClock, real SQLite file)", () => {
  it.effect(
    "rolls two days of samples into 1-minute, 15-minute and 2-hour buckets with exact min, mean, max and counter increases",
    () => {
      const dir = tempDir()
      const samples = twoDays()
      const session = <E>(body: Effect.Effect<void, E, HistoryStore>) => body.pipe(Effect.provide(storeLayer(dir)))
      return Effect.gen(function* () {
        yield* session(
          Effect.gen(function* () {
            const store = yield* HistoryStore
            yield* feed(samples)
            yield* store.flush
            assertTier(yield* store.query({ window: "2d", step: "1m" }), samples, MINUTE)
            assertTier(yield* store.query({ window: "30d", step: "15m" }), samples, 15 * MINUTE)
            assertTier(yield* store.query({ window: "365d", step: "2h" }), samples, 2 * HOUR)
            // The default steps of long windows are read from coarser rows (30d in 2-hour steps
            // from the 2-hour tier, 2y in 2-day steps from its day summaries): the same figures.
            assertTier(yield* store.query({ window: "30d" }), samples, 2 * HOUR)
            assertTier(yield* store.query({ window: "2y" }), samples, 2 * DAY)
          })
        )
        // Three days later the minutes are gone: the 15-minute rows alone give the same figures.
        yield* TestClock.setTime(5 * DAY)
        yield* session(
          Effect.gen(function* () {
            yield* (yield* HistoryStore).maintain
          })
        )
        assert.deepStrictEqual(storedBuckets(dir)["1m"], [])
        yield* session(
          Effect.gen(function* () {
            assertTier(yield* (yield* HistoryStore).query({ window: "30d", step: "15m" }), samples, 15 * MINUTE)
          })
        )
        // After 100 days only the 2-hour rows are left, and they still hold every figure.
        yield* TestClock.setTime(100 * DAY)
        yield* session(
          Effect.gen(function* () {
            yield* (yield* HistoryStore).maintain
          })
        )
        assert.deepStrictEqual(storedBuckets(dir)["15m"], [])
        yield* session(
          Effect.gen(function* () {
            const store = yield* HistoryStore
            assertTier(yield* store.query({ window: "365d", step: "2h" }), samples, 2 * HOUR)
            assert.strictEqual((yield* store.stats).status, "ok")
          })
        )
      })
    },
    120_000
  )

  it.effect(
    "re-buckets to at most about 500 points by default, from the finest tier that covers the window",
    () => {
      const dir = tempDir()
      return Effect.gen(function* () {
        const store = yield* HistoryStore
        yield* feed(twoDays())
        yield* store.flush
        for (const [window, tier, step] of [
          ["1h", "1m", MINUTE],
          ["2d", "1m", 6 * MINUTE],
          ["7d", "15m", 30 * MINUTE],
          ["30d", "15m", 2 * HOUR],
          ["90d", "15m", 6 * HOUR],
          ["1y", "2h", DAY],
          ["2y", "2h", 2 * DAY]
        ] as const) {
          const r = yield* store.query({ window })
          assert.strictEqual(r.tier, tier, window)
          assert.strictEqual(r.stepMillis, step, window)
          for (const s of r.series) assert.isAtMost(s.at.length, 500, window)
        }
        // A coarser step merges buckets: one 6-hour point holds 24 quarter-hours of cpu readings.
        const six = yield* store.query({ window: "30d", step: "6h", series: [{ kind: "host", name: "pi" }] })
        assert.deepStrictEqual(
          six.series.map((s) => s.series),
          [{ kind: "host", name: "pi" }]
        )
        assert.strictEqual(six.series[0]?.gauges.cpu?.count[0], (6 * HOUR) / (15 * SECOND))
      }).pipe(Effect.provide(storeLayer(dir)))
    },
    120_000
  )

  it.effect("refuses a bad window or step with a message that names what it accepts", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      const store = yield* HistoryStore
      const error = (window: string, step?: string) =>
        store.query({ window, step }).pipe(
          Effect.flip,
          Effect.map((e) => e.message)
        )
      assert.match(
        yield* error("abc"),
        /^window: "abc" is not a duration; it accepts .*30m, 6h, 7d or 2y.* from 1m to 2y$/
      )
      assert.match(yield* error("3y"), /^window: 3y is out of range; it accepts .* to 2y$/)
      assert.match(yield* error("30s"), /^window: 30s is out of range/)
      assert.match(
        yield* error("30d", "20m"),
        /^step: 20m is not one of them; it accepts a multiple of 15m .*over 30d.* from 15m/
      )
      assert.match(
        yield* error("2y", "2h"),
        /^step: 2h is not one of them; it accepts a multiple of 2h .* from 4h \(at most 5000 points\)/
      )
      assert.match(yield* error("1d", "2d"), /^step: 2d is not one of them/)
      assert.match(yield* error("1d", "1 minute"), /^step: "1 minute" is not a duration/)
      const failure = yield* store.query({ window: "7x" }).pipe(Effect.flip)
      assert.strictEqual(failure._tag, "InvalidHistoryQuery")
      assert.strictEqual(failure.parameter, "window")
    }).pipe(Effect.provide(storeLayer(dir)))
  })

  it.effect(
    "gives a probe's healthy share over 24h, 7d, 30d and 365d, weighted by the number of readings",
    () => {
      const dir = tempDir()
      const samples = twoDays()
      return Effect.gen(function* () {
        const store = yield* HistoryStore
        yield* feed(samples)
        yield* store.flush
        const now = yield* Clock.currentTimeMillis
        const share = (from: number) => {
          const readings = samples.filter((s) => s.series.name === "web" && s.at >= from)
          return readings.reduce((a, s) => a + (s.gauges.healthy ?? 0), 0) / readings.length
        }
        const uptime = yield* store.uptime("web")
        // Each window starts at the boundary before it of the rows it reads: 15 minutes for 24h.
        assert.strictEqual(uptime["24h"], share(Math.floor((now - DAY) / (15 * MINUTE)) * 15 * MINUTE))
        assert.strictEqual(uptime["7d"], share(0))
        assert.strictEqual(uptime["30d"], share(0))
        assert.strictEqual(uptime["365d"], share(0))
        assert.deepStrictEqual(yield* store.uptime("nobody"), { "24h": null, "7d": null, "30d": null, "365d": null })
      }).pipe(Effect.provide(storeLayer(dir)))
    },
    120_000
  )
})

describe("HistoryStore counters", () => {
  it.effect(
    "counts resets, a reading older than the last one and a long gap without a negative or huge increase in any tier",
    () => {
      const dir = tempDir()
      const series = { kind: "container", name: "db" } as const
      return Effect.gen(function* () {
        const store = yield* HistoryStore
        const at = (ms: number) => ({ at: ms, series, gauges: {}, counters: {} })
        const read = (ms: number, bytes: number) => ({ ...at(ms), counters: { bytes } })
        // 0 s: 1000 (baseline), 10 s: 1500 (+500), 20 s: 200 (reset: +200), 25 s: older reading
        // of 999 999 999 at 15 s (left out), 30 s: 700 (+500). Then a 20-minute gap: 60 000 adds
        // nothing (the gap is longer than 15 minutes), and 100 after it is a reset (+100).
        yield* store.record([read(0, 1000), read(10 * SECOND, 1500), read(20 * SECOND, 200)])
        yield* TestClock.adjust(25 * SECOND)
        yield* store.record([read(15 * SECOND, 999_999_999), read(25 * SECOND, Number.NaN), read(30 * SECOND, 700)])
        yield* TestClock.adjust(21 * MINUTE)
        yield* store.record([read(21 * MINUTE, 60_000)])
        yield* TestClock.adjust(SECOND)
        yield* store.record([read(21 * MINUTE + SECOND, 100)])
        yield* store.flush
        yield* TestClock.setTime(3 * HOUR)
        yield* store.flush
        const tiers = [
          yield* store.query({ window: "1d", step: "1m" }),
          yield* store.query({ window: "30d", step: "15m" }),
          yield* store.query({ window: "365d", step: "2h" })
        ]
        const increases = tiers.map((r) =>
          [...pointsOf(r, "db")].map(([at, p]) => [at, p.counters.bytes?.increase, p.counters.bytes?.last])
        )
        assert.deepStrictEqual(increases, [
          [
            [0, 1200, 700],
            [21 * MINUTE, 100, 100]
          ],
          [
            [0, 1200, 700],
            [15 * MINUTE, 100, 100]
          ],
          [[0, 1300, 100]]
        ])
      }).pipe(Effect.provide(storeLayer(dir)))
    }
  )
})

describe("HistoryStore retention and size cap", () => {
  /** A day's worth of minutes as samples of `n` series with 4 float gauges each. */
  const minutes = (fromMinute: number, count: number, n: number): Array<Sample> => {
    const out: Array<Sample> = []
    for (let m = fromMinute; m < fromMinute + count; m++) {
      for (let s = 0; s < n; s++) {
        out.push({
          at: m * MINUTE,
          series: { kind: "container", name: `c${s}` },
          gauges: { a: Math.sin(m + s), b: Math.cos(m * s), c: Math.sqrt(m + s + 0.5), d: m * 1.000001 },
          counters: {}
        })
      }
    }
    return out
  }

  const session = <E>(dir: string, at: number, body: Effect.Effect<void, E, HistoryStore>, cap = 200_000_000) =>
    Effect.gen(function* () {
      yield* TestClock.setTime(at)
      yield* body.pipe(Effect.provide(storeLayer(dir, { maxSizeBytes: cap })))
    })

  it.effect(
    "deletes each tier's buckets once past its retention, and nothing the next tier does not hold yet",
    () => {
      const dir = tempDir()
      return Effect.gen(function* () {
        yield* session(
          dir,
          0,
          Effect.gen(function* () {
            yield* feed(minutes(0, 2 * 1440, 1))
          })
        )
        const upTo = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => from + i)
        // Closed at 2 days: every minute, every quarter and 2 hours that ended half a minute
        // before (the last quarter waits for its last minute), and the first day.
        const first = storedBuckets(dir)
        assert.deepStrictEqual(first, { "1m": upTo(2880), "15m": upTo(191), "2h": upTo(23), "1d": [0] })
        const maintainAt = (t: number) =>
          session(
            dir,
            t,
            Effect.gen(function* () {
              yield* (yield* HistoryStore).maintain
            })
          )
        // A day later the first day of minutes is gone, and every bucket reached the coarser
        // tiers before its minutes went.
        yield* maintainAt(3 * DAY)
        assert.deepStrictEqual(storedBuckets(dir), {
          "1m": upTo(2880, 1440),
          "15m": upTo(192),
          "2h": upTo(24),
          "1d": [0, 1]
        })
        yield* maintainAt(91 * DAY)
        assert.deepStrictEqual(storedBuckets(dir), { "1m": [], "15m": upTo(192, 96), "2h": upTo(24), "1d": [0, 1] })
        yield* maintainAt(731 * DAY)
        assert.deepStrictEqual(storedBuckets(dir), { "1m": [], "15m": [], "2h": upTo(24, 12), "1d": [1] })
      })
    },
    120_000
  )

  it.effect(
    "trims the oldest rows to the size cap, and nothing when under it",
    () => {
      const dir = tempDir()
      return Effect.gen(function* () {
        let used = 0
        const usedNow = Effect.gen(function* () {
          const store = yield* HistoryStore
          yield* store.maintain
          used = (yield* store.stats).usedBytes ?? 0
        })
        yield* session(dir, 0, feed(minutes(0, 2 * 1440, 12)))
        yield* session(dir, 2 * DAY, usedNow)
        const before = storedBuckets(dir)
        assert.isAbove(used, 2_000_000)
        // Under the cap: nothing goes.
        yield* session(dir, 2 * DAY, usedNow, used + 1)
        assert.deepStrictEqual(storedBuckets(dir), before)
        // Half the cap: the oldest rows go until it fits, and only so many.
        const cap = Math.floor(used / 2)
        yield* session(dir, 2 * DAY, usedNow, cap)
        const after = storedBuckets(dir)
        assert.isAtMost(used, cap)
        assert.isAbove(used, cap - 300_000)
        for (const tier of ["1m", "15m", "2h", "1d"] as const) {
          // What is left of each tier is its newest rows.
          assert.deepStrictEqual(after[tier], before[tier].slice(before[tier].length - after[tier].length), tier)
        }
        assert.isBelow(after["1m"].length, before["1m"].length)
        // Trimmed once, it stays: the same cap deletes nothing more.
        yield* session(dir, 2 * DAY, usedNow, cap)
        assert.deepStrictEqual(storedBuckets(dir), after)
      })
    },
    120_000
  )
})

describe("HistoryStore means", () => {
  it.effect("a mean stays within its bucket's min and max though the sum rounds, in memory and once stored", () => {
    const dir = tempDir()
    const series = { kind: "host", name: "pi" } as const
    // 0.7 + 0.7 + 0.7 is 2.0999999999999996 in a double; divided by 3 it falls below 0.7.
    const at = [0, 15, 30].map((s) => 10 * MINUTE + s * SECOND)
    return Effect.gen(function* () {
      yield* TestClock.setTime(10 * MINUTE)
      const store = yield* HistoryStore
      yield* store.record(at.map((t) => ({ at: t, series, gauges: { load1: 0.7 }, counters: {} })))
      const load = () =>
        store
          .query({ window: "1h", step: "1m" })
          .pipe(Effect.map((r) => pointsOf(r, "pi").get(10 * MINUTE)?.gauges.load1))
      assert.deepStrictEqual(yield* load(), { min: 0.7, mean: 0.7, max: 0.7, count: 3 })
      yield* store.flush
      yield* TestClock.adjust(2 * MINUTE)
      assert.deepStrictEqual(yield* load(), { min: 0.7, mean: 0.7, max: 0.7, count: 3 })
    }).pipe(Effect.provide(storeLayer(dir)))
  })
})

describe("HistoryStore across restarts", () => {
  it.effect("keeps what was flushed, and a minute begun before a restart continues after it", () => {
    const dir = tempDir()
    const series = { kind: "host", name: "pi" } as const
    const sample = (at: number, cpu: number): Sample => ({
      at,
      series,
      gauges: { cpu },
      counters: { ticks: at / 1000 }
    })
    return Effect.gen(function* () {
      const run = <E>(body: Effect.Effect<void, E, HistoryStore>) => body.pipe(Effect.provide(storeLayer(dir)))
      yield* TestClock.setTime(10 * MINUTE)
      yield* run(
        Effect.gen(function* () {
          const store = yield* HistoryStore
          yield* store.record([sample(10 * MINUTE, 1), sample(10 * MINUTE + 10 * SECOND, 2)])
          yield* store.flush
        })
      )
      yield* TestClock.adjust(20 * SECOND)
      yield* run(
        Effect.gen(function* () {
          const store = yield* HistoryStore
          yield* store.record([sample(10 * MINUTE + 20 * SECOND, 6)])
          yield* store.flush
          const points = [...pointsOf(yield* store.query({ window: "1h", step: "1m" }), "pi")]
          assert.deepStrictEqual(
            points.map(([at, p]) => [at, p.gauges.cpu, p.counters.ticks?.increase]),
            [[10 * MINUTE, { min: 1, mean: 3, max: 6, count: 3 }, 20]]
          )
        })
      )
    })
  })

  it.effect("flushes on its own every flush interval, and refuses samples that are late or from the future", () => {
    const dir = tempDir()
    const series = { kind: "probe", name: "web" } as const
    return Effect.gen(function* () {
      yield* TestClock.setTime(HOUR)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        yield* store.record([{ at: HOUR, series, gauges: { healthy: 1 }, counters: {} }])
        yield* TestClock.adjust(5 * MINUTE)
        const stats = yield* store.stats
        assert.strictEqual(stats.flushes, 1)
        // The minute of 1:00 closed and was written: a reading for it now is late.
        yield* store.record([
          { at: HOUR + 30 * SECOND, series, gauges: { healthy: 0 }, counters: {} },
          { at: HOUR + 20 * MINUTE, series, gauges: { healthy: 0 }, counters: {} },
          { at: HOUR + 5 * MINUTE, series: { kind: "vm", name: "x" } as never, gauges: {}, counters: {} },
          { at: HOUR + 5 * MINUTE, series: { kind: "probe", name: "" }, gauges: {}, counters: {} }
        ])
        const after = yield* store.stats
        assert.strictEqual(after.lateSamples, 1)
        assert.strictEqual(after.rejectedSamples, 3)
        assert.deepStrictEqual(yield* store.uptime("web"), { "24h": 1, "7d": 1, "30d": 1, "365d": 1 })
      }).pipe(Effect.provide(storeLayer(dir, { flushInterval: Duration.minutes(5) })))
      assert.strictEqual(storedBuckets(dir)["1m"].length, 1)
    })
  })
})

describe("StoreEngine after a crash and a long stop", () => {
  it("rolls up the minutes written before the crash before new minutes take their ring rows", () => {
    const dir = tempDir()
    const engine = () =>
      new StoreEngine({
        dataDir: dir,
        flushIntervalMs: 5 * MINUTE,
        maxSizeBytes: 200_000_000,
        maintenanceIntervalMs: HOUR,
        counterGapMs: 15 * MINUTE,
        memoryOnlyKeepMs: 3 * HOUR,
        cacheKiB: 1024
      })
    const t0 = Date.UTC(2026, 11, 2)
    const sample = (at: number): Sample => ({
      at,
      series: { kind: "host", name: "pi" },
      gauges: { cpu: 1 },
      counters: {}
    })
    const first = engine()
    assert.isUndefined(first.start(t0))
    // 40 minutes, flushed every 5: the minutes reach the file, the roll-ups wait for the hour.
    for (let m = 0; m < 40; m++) {
      first.record([sample(t0 + m * MINUTE)], t0 + m * MINUTE)
      if (m % 5 === 4) first.flush(t0 + (m + 1) * MINUTE)
    }
    // The process dies: no last flush, no roll-up.
    first.db?.sqlite.close()
    // Back two days and 10 minutes later: minutes 10, 11, 12 take the rows of the minutes
    // 10, 11, 12 written before the crash.
    const second = engine()
    const back = t0 + 2 * DAY + 10 * MINUTE
    assert.isUndefined(second.start(back))
    for (let m = 0; m < 3; m++) second.record([sample(back + m * MINUTE)], back + m * MINUTE)
    second.flush(back + 3 * MINUTE + 31 * SECOND)
    const plan = planQuery("30d", "15m")
    if (plan instanceof InvalidHistoryQuery) throw plan
    const counts = [...pointsOf(second.query(plan, back + 4 * MINUTE, undefined), "pi")].map(([at, p]) => [
      (at - t0) / MINUTE,
      p.gauges.cpu?.count
    ])
    // Every quarter before the crash holds its 15 minutes, the 10 minutes after the last full
    // quarter are the last 10 before it; and the three new minutes.
    assert.deepStrictEqual(counts, [
      [0, 15],
      [15, 15],
      [30, 10],
      [2 * 24 * 60, 3]
    ])
    second.close(back + 5 * MINUTE)
  })
})

describe("HistoryStore backup", () => {
  it.effect("writes a consistent copy while the store holds the file, and refuses to overwrite one", () => {
    const dir = tempDir()
    const copy = join(tempDir(), "copy.db")
    return Effect.gen(function* () {
      yield* TestClock.setTime(HOUR)
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        yield* store.record([{ at: HOUR, series: { kind: "host", name: "pi" }, gauges: { cpu: 7 }, counters: {} }])
        yield* store.flush
        yield* store.backup(copy)
        const again = yield* store.backup(copy).pipe(Effect.flip)
        assert.strictEqual(again._tag, "HistoryStoreError")
      }).pipe(Effect.provide(storeLayer(dir)))
      // The copy is a database of its own, with what was flushed.
      assert.deepStrictEqual(storedBuckets(dirname(copy), "copy.db")["1m"], [60])
    })
  })
})

describe("HistoryStore faults", () => {
  it.effect("moves a damaged file aside with a log line naming it, and starts a fresh database", () => {
    const dir = tempDir()
    const garbage = randomBytes(64 * 1024)
    writeFileSync(join(dir, "history.db"), garbage)
    const logs = captureLogs()
    return Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2026, 11, 2, 10, 0, 0))
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        const stats = yield* store.stats
        assert.strictEqual(stats.status, "ok")
        assert.strictEqual(stats.movedAside.length, 1)
        const aside = stats.movedAside[0]!
        assert.strictEqual(aside, join(dir, "history.db.corrupt-2026-12-02T10-00-00-000Z"))
        assert.isTrue(readFileSync(aside).equals(garbage))
        const line = logs.lines.find((l) => l.includes("moved it to"))
        assert.include(line, "Warn")
        assert.include(line, `${join(dir, "history.db")} is damaged (file is not a database)`)
        assert.include(line, aside)
        yield* store.record([
          { at: yield* Clock.currentTimeMillis, series: { kind: "host", name: "pi" }, gauges: { cpu: 1 }, counters: {} }
        ])
      }).pipe(Effect.provide(storeLayer(dir)), Effect.provide(logs.layer))
      assert.strictEqual(storedBuckets(dir)["1m"].length, 1)
      assert.isTrue(existsSync(join(dir, "history.db")))
    })
  })

  it.effect("a second store on the same directory refuses to start, naming the holder", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      yield* Effect.gen(function* () {
        const second = Effect.gen(function* () {
          yield* HistoryStore
        })
        const exit = yield* Effect.exit(Effect.provide(second, storeLayer(dir)))
        assert.isTrue(Exit.isFailure(exit))
        const text = String(Exit.isFailure(exit) ? exit.cause : "")
        assert.include(text, "HistoryStoreError")
        assert.include(text, `${join(dir, "history.db")} is in use by another system-profiler (pid ${process.pid} on `)
        assert.include(text, "two processes must not share SYSTEM_PROFILER_DATA_DIR")
      }).pipe(Effect.provide(storeLayer(dir)))
    })
  })
})
