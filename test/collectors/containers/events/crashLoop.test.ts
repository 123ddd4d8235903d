// The crash-loop summary from events alone: restarts are starts after an exit, counted in the
// window; the last exit (code, time, OOM-killed) is the last of all events given.

import { assert, describe, it } from "@effect/vitest"
import type { ContainerEvent } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { crashLoopSummaries } from "../../../../src/collectors/containers/events/crashLoop.ts"

let clock = 0n
const ev = (name: string, action: ContainerEvent["action"], exitCode: number | null = null): ContainerEvent => {
  clock += 1_000_000_000n
  return {
    timeNano: clock,
    id: name.padEnd(64, "0").slice(0, 64),
    name,
    action,
    exitCode,
    signal: null,
    health: null,
    oomKilled: null,
    composeProject: null,
    composeService: null
  }
}

describe("crashLoopSummaries", () => {
  it("a restart-policy loop: die then start, no restart action", () => {
    clock = 0n
    const events = [
      ev("loop", "create"),
      ev("loop", "start"),
      ev("loop", "die", 3),
      ev("loop", "start"),
      ev("loop", "die", 3),
      ev("loop", "start"),
      ev("loop", "die", 4)
    ]
    const s = crashLoopSummaries(events).get("loop")!
    assert.deepStrictEqual(
      [s.restarts, s.exits, s.lastExitCode, s.lastExitNano, s.lastExitOomKilled],
      [2, 3, 4, 7_000_000_000n, false]
    )
  })

  it("docker restart counts once (kill, die, stop, start, restart)", () => {
    clock = 0n
    const events = [
      ev("web", "start"),
      ev("web", "kill"),
      ev("web", "die", 137),
      ev("web", "stop"),
      ev("web", "start"),
      ev("web", "restart")
    ]
    assert.strictEqual(crashLoopSummaries(events).get("web")!.restarts, 1)
  })

  it("an OOM kill marks the exit that followed it, not a later one", () => {
    clock = 0n
    const events = [ev("db", "start"), ev("db", "oom"), ev("db", "die", 137)]
    const first = crashLoopSummaries(events).get("db")!
    assert.deepStrictEqual([first.lastExitOomKilled, first.oomEvents, first.lastExitCode], [true, 1, 137])
    const later = crashLoopSummaries([...events, ev("db", "start"), ev("db", "die", 0)]).get("db")!
    assert.deepStrictEqual([later.lastExitOomKilled, later.oomEvents, later.lastExitCode], [false, 1, 0])
  })

  it("counts in the window only, but remembers the last exit from before it", () => {
    clock = 0n
    const before = [ev("api", "start"), ev("api", "die", 2)] // at 1 s and 2 s
    const inside = [ev("api", "start"), ev("api", "health_status")] // at 3 s and 4 s
    const s = crashLoopSummaries([...inside, ...before], 2_500_000_000n).get("api")!
    // The start at 3 s followed the exit at 2 s: a restart inside the window.
    assert.deepStrictEqual([s.restarts, s.exits, s.lastExitCode, s.lastExitNano], [1, 0, 2, 2_000_000_000n])
  })

  it("one summary per name, across container ids (compose recreates under the same name)", () => {
    clock = 0n
    const a = ev("svc", "die", 1)
    const b = { ...ev("svc", "start"), id: "f".repeat(64) }
    const summaries = crashLoopSummaries([a, b, ev("other", "start")])
    assert.deepStrictEqual([...summaries.keys()].sort(), ["other", "svc"])
    assert.strictEqual(summaries.get("svc")!.restarts, 1)
    assert.strictEqual(summaries.get("other")!.restarts, 0)
  })
})
