// A transition as the notifier's message: figures with their units, the condition as the rule
// says it, where it is, and which transitions are announced at all.

import { assert, describe, it } from "@effect/vitest"
import type { Transition } from "../../src/alerts/engine.ts"
import { messageOf } from "../../src/alerts/notification.ts"

const AT = Date.UTC(2026, 11, 2, 12, 0, 0)

const transition = (t: Partial<Transition>): Transition => ({
  alertname: "CpuTemperatureHigh",
  severity: "warning",
  subjectKind: "host",
  subject: "host",
  figure: "host.cpu_temperature",
  unit: "°C",
  comparison: ">=",
  threshold: 80,
  resolveThreshold: 75,
  since: AT - 120_000,
  firedAt: AT,
  summary: "CPU temperature is 81.34°C (alert when CPU temperature ≥ 80°C for 2m)",
  destinations: [],
  event: "firing",
  state: "firing",
  value: 81.3449,
  at: AT,
  reason: null,
  ...t
})

const timing = { forMillis: 120_000, windowMillis: null }

describe("messageOf", () => {
  it("a firing host alert: the figure and the threshold with their units, since when it fires", () => {
    const m = messageOf(transition({}), "pi", timing)!
    assert.deepStrictEqual(m, {
      alertname: "CpuTemperatureHigh",
      severity: "warning",
      state: "firing",
      host: "pi",
      subject: null,
      figure: "CPU temperature",
      value: "81.34 °C",
      threshold: "≥ 80 °C for 2m",
      since: new Date(AT).toISOString(),
      summary: "CPU temperature is 81.34°C (alert when CPU temperature ≥ 80°C for 2m)"
    })
  })

  it("resolved: the value it came back to, or 'not reported' when its subject went away", () => {
    const back = messageOf(
      transition({ event: "resolved", state: "resolved", value: 70, reason: "recovered" }),
      "pi",
      timing
    )!
    assert.strictEqual(back.state, "resolved")
    assert.strictEqual(back.value, "70 °C")
    const gone = messageOf(
      transition({
        alertname: "ContainerNotRunning",
        subjectKind: "container",
        subject: "web",
        figure: "container.running",
        unit: "",
        comparison: "==",
        threshold: false,
        resolveThreshold: null,
        event: "resolved",
        state: "resolved",
        value: null,
        reason: "subject-gone"
      }),
      "pi",
      { forMillis: 60_000, windowMillis: null }
    )!
    assert.strictEqual(gone.subject, "web")
    assert.strictEqual(gone.value, "not reported")
    assert.strictEqual(gone.threshold, "= false for 1m")
    assert.strictEqual(gone.figure, "Running")
  })

  it("percent without a space, counts with their noun, the window of an increase figure", () => {
    const disk = messageOf(
      transition({ subjectKind: "disk", subject: "/", figure: "disk.used", unit: "%", threshold: 90, value: 93.456 }),
      "pi",
      { forMillis: 300_000, windowMillis: null }
    )!
    assert.strictEqual(disk.subject, "disk /")
    assert.strictEqual(disk.value, "93.46%")
    assert.strictEqual(disk.threshold, "≥ 90% for 5m")
    const loop = messageOf(
      transition({
        subjectKind: "container",
        subject: "web",
        figure: "container.restarts",
        unit: "restarts",
        threshold: 3,
        value: 4
      }),
      "pi",
      { forMillis: 0, windowMillis: 600_000 }
    )!
    assert.strictEqual(loop.value, "4 restarts")
    assert.strictEqual(loop.threshold, "≥ 3 restarts within 10m")
  })

  it("a reminder is a firing message that says it is still firing; pending and cancelled are not announced", () => {
    const reminder = messageOf(transition({ event: "reminder" }), "pi", timing)!
    assert.strictEqual(reminder.state, "firing")
    assert.match(reminder.summary, /^Still firing: /)
    assert.isUndefined(messageOf(transition({ event: "pending", state: "pending", firedAt: null }), "pi", timing))
    assert.isUndefined(messageOf(transition({ event: "cancelled", state: "inactive" }), "pi", timing))
  })
})
