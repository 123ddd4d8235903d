// Resuming: `since` is the latest event's time less the overlap, in dockerd's seconds.nanoseconds;
// a replayed event is admitted once; the keys kept stay bounded whatever the rate.

import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { ContainerEvent } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { formatSince, ResumeCursor } from "../../../../src/collectors/containers/events/cursor.ts"

const event = (timeNano: bigint, action: ContainerEvent["action"] = "start", id = "a".repeat(64)): ContainerEvent => ({
  timeNano,
  id,
  name: "web",
  action,
  exitCode: null,
  signal: null,
  health: null,
  oomKilled: null,
  composeProject: null,
  composeService: null
})

describe("formatSince", () => {
  it("prints seconds and nine digits of nanoseconds", () => {
    assert.strictEqual(formatSince(1_796_212_888_495_777_461n), "1796212888.495777461")
    assert.strictEqual(formatSince(1_000_000_007n), "1.000000007")
    assert.strictEqual(formatSince(-5n), "0.000000000")
  })
})

describe("ResumeCursor", () => {
  it("starts from now, then resumes the overlap before the latest event", () => {
    const cursor = new ResumeCursor(1_000_000_000n)
    assert.isUndefined(cursor.since())
    assert.isTrue(cursor.admit(event(5_500_000_000n)))
    assert.isTrue(cursor.admit(event(5_200_000_000n, "die")))
    assert.strictEqual(cursor.since(), "4.500000000")
    assert.strictEqual(cursor.latestNanos, 5_500_000_000n)
  })

  it("before any event, starts where startFrom says; after one, from the event", () => {
    const cursor = new ResumeCursor(1_000_000_000n)
    cursor.startFrom(2_000_000_000n)
    assert.strictEqual(cursor.since(), "2.000000000")
    cursor.admit(event(9_000_000_000n))
    assert.strictEqual(cursor.since(), "8.000000000")
  })

  it("admits every event once; a resumption's replay, in any order, admits nothing again", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.bigInt({ min: 0n, max: 3_000_000_000n }), fc.constantFrom("start", "die", "kill" as const)),
          {
            maxLength: 60
          }
        ),
        fc.array(fc.nat(), { maxLength: 60 }),
        (raw, replayOrder) => {
          const cursor = new ResumeCursor(1_000_000_000n, 10_000)
          // In the daemon's order: by time (a key older than twice the overlap is forgotten, and
          // only a replay from `since` could bring it again, which starts later than that).
          const events = [...raw].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([t, a]) => event(t, a))
          const unique = new Set(events.map((e) => `${e.timeNano} ${e.action}`))
          const admitted = events.filter((e) => cursor.admit(e))
          assert.strictEqual(admitted.length, unique.size)
          // dockerd replays what was logged from `since` on: the overlap before the latest event.
          const since = (cursor.latestNanos ?? 0n) - cursor.overlapNanos
          const replayable = events.filter((e) => e.timeNano >= since)
          for (const i of replayOrder) {
            if (replayable.length > 0) assert.isFalse(cursor.admit(replayable[i % replayable.length]!))
          }
        }
      )
    )
  })

  it("keeps at most maxKeys keys under a flood, and forgets keys older than twice the overlap", () => {
    const cursor = new ResumeCursor(1_000n, 64)
    for (let i = 0n; i < 10_000n; i++) cursor.admit(event(i))
    assert.isAtMost(cursor.size, 64)
    const slow = new ResumeCursor(1_000n, 64)
    for (let i = 0n; i < 10n; i++) slow.admit(event(i * 1_000n))
    // Events from 7 000 on are within 2 000 of the latest (9 000): 7 000, 8 000, 9 000.
    assert.strictEqual(slow.size, 3)
    assert.isFalse(slow.admit(event(8_000n)))
  })
})
