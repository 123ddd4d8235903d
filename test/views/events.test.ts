// The timeline and crash-loop views: what ContainerEvents keeps, in the contract's shapes, and
// GET /events' window grammar (that of /history).

import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { CrashLoop, parseEventsWindow, Timeline } from "../../src/api/Events.ts"
import { InvalidQuery } from "../../src/api/History.ts"
import type { ContainerEvent } from "../../src/collectors/containers/events/ContainerEvent.ts"
import { crashLoopSummaries } from "../../src/collectors/containers/events/crashLoop.ts"
import { crashLoop, timeline } from "../../src/views/events.ts"

const ev = (
  timeNano: bigint,
  action: ContainerEvent["action"],
  more: Partial<ContainerEvent> = {}
): ContainerEvent => ({
  timeNano,
  id: "a".repeat(64),
  name: "pi-site-web-1",
  action,
  exitCode: null,
  signal: null,
  health: null,
  oomKilled: null,
  composeProject: "pi-site",
  composeService: "web",
  ...more
})

describe("timeline view", () => {
  it("gives the ISO time and the exact nanoseconds, and passes the contract's schema", () => {
    const events = [
      ev(1_796_212_888_495_777_461n, "start"),
      ev(1_796_212_889_000_000_001n, "oom"),
      ev(1_796_212_889_100_000_000n, "die", { exitCode: 137, oomKilled: true }),
      ev(1_796_212_890_000_000_000n, "health_status", { health: "unhealthy" })
    ]
    const body = timeline(events, { windowMillis: 86_400_000, retentionMillis: 86_400_000, capacity: 10_000 })
    const decoded = Schema.decodeUnknownSync(Timeline)(JSON.parse(JSON.stringify(body)))
    assert.strictEqual(decoded.windowSeconds, 86_400)
    assert.deepStrictEqual(decoded.events[0], {
      time: "2026-12-02T12:01:28.495Z",
      timeNano: "1796212888495777461",
      containerId: "a".repeat(64),
      name: "pi-site-web-1",
      action: "start",
      exitCode: null,
      oomKilled: null,
      signal: null,
      health: null,
      composeProject: "pi-site",
      composeService: "web"
    })
    assert.deepStrictEqual(
      decoded.events.map((e) => [e.action, e.exitCode, e.oomKilled, e.health]),
      [
        ["start", null, null, null],
        ["oom", null, null, null],
        ["die", 137, true, null],
        ["health_status", null, null, "unhealthy"]
      ]
    )
  })
})

describe("crash-loop view", () => {
  it("from a summary, and zeros for a container without events", () => {
    const summaries = crashLoopSummaries([
      ev(1_000_000_000n, "start"),
      ev(2_000_000_000n, "die", { exitCode: 1 }),
      ev(3_000_000_000n, "start")
    ])
    const loop = Schema.decodeUnknownSync(CrashLoop)(crashLoop(summaries.get("pi-site-web-1"), 600_000))
    assert.deepStrictEqual(loop, {
      windowSeconds: 600,
      restarts: 1,
      exits: 1,
      oomEvents: 0,
      lastExitCode: 1,
      lastExitAt: "1970-01-01T00:00:02.000Z",
      lastExitOomKilled: false
    })
    assert.deepStrictEqual(crashLoop(undefined, 60_000), {
      windowSeconds: 60,
      restarts: 0,
      exits: 0,
      oomEvents: 0,
      lastExitCode: null,
      lastExitAt: null,
      lastExitOomKilled: false
    })
  })
})

describe("parseEventsWindow", () => {
  const day = 86_400_000
  it("reads /history's grammar, defaults to the retention, refuses past it", () => {
    assert.strictEqual(parseEventsWindow(undefined, day), day)
    assert.strictEqual(parseEventsWindow("24h", day), day)
    assert.strictEqual(parseEventsWindow("15m", day), 900_000)
    assert.strictEqual(parseEventsWindow("90", day), 90_000)
    for (const bad of ["25h", "0", "1d", "-1h", "1.5h", "", "h"]) {
      const result = parseEventsWindow(bad, day)
      assert.instanceOf(result, InvalidQuery, bad)
    }
    const past = parseEventsWindow("25h", day)
    assert.include((past as InvalidQuery).error, "at most 1d")
  })
})
