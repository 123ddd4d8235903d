// OomTracker: a die is an OOM kill when an oom event of the same container came since its last
// start, as Docker's State.OOMKilled; the state kept is bounded.

import { assert, describe, it } from "@effect/vitest"
import type { ContainerEvent } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { OomTracker } from "../../../../src/collectors/containers/events/oomKilled.ts"

const ev = (id: string, action: ContainerEvent["action"]): ContainerEvent => ({
  timeNano: 1n,
  id: id.repeat(64).slice(0, 64),
  name: id,
  action,
  exitCode: action === "die" ? 137 : null,
  signal: null,
  health: null,
  oomKilled: null,
  composeProject: null,
  composeService: null
})

describe("OomTracker", () => {
  it("marks the die after an oom of the same run, and only that one", () => {
    const t = new OomTracker()
    const dies = [ev("a", "start"), ev("a", "oom"), ev("b", "die"), ev("a", "die"), ev("a", "start"), ev("a", "die")]
      .map((e) => t.mark(e))
      .filter((e) => e.action === "die")
      .map((e) => [e.name, e.oomKilled])
    assert.deepStrictEqual(dies, [
      ["b", false],
      ["a", true],
      ["a", false]
    ])
  })

  it("an oom before the service knew of the start still counts; other actions pass unchanged", () => {
    const t = new OomTracker()
    const kill = ev("c", "kill")
    assert.strictEqual(t.mark(kill), kill)
    t.mark(ev("c", "oom"))
    assert.isTrue(t.mark(ev("c", "die")).oomKilled)
  })

  it("forgets a destroyed container and stays within its bound", () => {
    const t = new OomTracker(8)
    for (let i = 0; i < 100; i++) t.mark(ev(i.toString(16).padStart(2, "0"), "start"))
    assert.strictEqual(t.size, 8)
    const last = (99).toString(16)
    t.mark(ev(last, "destroy"))
    assert.strictEqual(t.size, 7)
  })
})
