// The clock against the time daemons' state under a crafted HOST_ROOT/run, at a fixed test time.
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { checkClock, EARLIEST_PLAUSIBLE, STALE_SYNC_MS } from "../../src/doctor/clock.ts"
import { inputFor, piTree, remove, write } from "./support.ts"

const NOW = Date.parse("2026-12-02T12:00:00Z")

const touch = (dir: string, file: string, at: number) => fs.utimesSync(path.join(dir, file), new Date(at), new Date(at))

const SYNCED = "root/run/systemd/timesync/synchronized"

describe("clock", () => {
  it.effect("ok when systemd-timesyncd touched its file lately", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      yield* TestClock.setTime(NOW)
      touch(dir, SYNCED, NOW - 60_000)
      const found = yield* checkClock(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("2026-12-02T11:59:00.000Z")
    })
  )

  it.effect("warns when the last synchronisation is hours old", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      yield* TestClock.setTime(NOW)
      touch(dir, SYNCED, NOW - STALE_SYNC_MS - 3_600_000)
      const found = yield* checkClock(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("7 h ago")
    })
  )

  it.effect("warns when timesyncd runs but has not synchronised since boot", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      yield* TestClock.setTime(NOW)
      remove(dir, SYNCED)
      const found = yield* checkClock(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("has not synchronised")
    })
  )

  it.effect("warns 'unknown' with chronyd, ntpd or nothing at all", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      yield* TestClock.setTime(NOW)
      remove(dir, "root/run/systemd")
      write(dir, "root/run/chrony/chronyd.pid", "612\n")
      const chrony = yield* checkClock(inputFor(dir))
      expect(chrony).toMatchObject({ status: "warn" })
      expect(chrony.finding).toContain("chronyd runs")
      expect(chrony.fix).toContain("chronyc tracking")
      remove(dir, "root/run/chrony")
      write(dir, "root/run/ntpd.pid", "701\n")
      expect((yield* checkClock(inputFor(dir))).fix).toContain("ntpq -p")
      remove(dir, "root/run/ntpd.pid")
      const none = yield* checkClock(inputFor(dir))
      expect(none.status).toBe("warn")
      expect(none.finding).toMatch(/^unknown/)
    })
  )

  it.effect("fails on a clock that was never set, whatever the daemons say", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      yield* TestClock.setTime(EARLIEST_PLAUSIBLE - 86_400_000)
      const found = yield* checkClock(inputFor(dir))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("2025-12-31")
    })
  )
})
