// The samples the stored history keeps, from the mock collectors' readings: only the allowlisted
// figures, containers by name, each probe check once.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { StoredHistory } from "../../src/api/History.ts"
import { StoredUptime } from "../../src/api/ServiceStats.ts"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { mockHostReading } from "../../src/collectors/host/mock.ts"
import { mockServicesReading } from "../../src/collectors/services/mock.ts"
import { PI_SITE_SERVICES, parseProbeTargets } from "../../src/config/services.ts"
import type { ContainerReading } from "../../src/domain/ContainerReading.ts"
import {
  containerSamples,
  HOST_SERIES,
  hostSample,
  probeSamples,
  storedHistoryView,
  uptimeView
} from "../../src/views/stored.ts"

const NOW = Date.parse("2026-11-25T06:00:00.000Z")
const timing = { intervalMillis: 30_000, windowMillis: 3_600_000, timeoutMillis: 5_000 }

describe("stored history samples", () => {
  it("the host: the allowlisted gauges, raw counters in base units, CPU % only with a previous reading", () => {
    const before = mockHostReading(NOW - 5000)
    const now = mockHostReading(NOW)
    const first = hostSample(now, undefined)
    const second = hostSample(now, before)
    assert.deepStrictEqual(second.series, HOST_SERIES)
    assert.strictEqual(second.at, now.at)
    const disks = now.filesystems.map((f) => `disk:${f.mountPoints[0]}:usedBytes`)
    assert.isAbove(disks.length, 0)
    assert.deepStrictEqual(
      Object.keys(second.gauges).sort(),
      [
        ...disks,
        "cpuPercent",
        "load1",
        "load15",
        "load5",
        "memoryAvailableBytes",
        "memoryUsedBytes",
        "swapUsedBytes",
        "temperatureCelsius"
      ].sort()
    )
    assert.deepStrictEqual(Object.keys(second.counters).sort(), [
      "cpuIowaitSeconds",
      "cpuSystemSeconds",
      "cpuUserSeconds",
      "diskReadBytes",
      "diskWriteBytes",
      "rxBytes",
      "txBytes"
    ])
    assert.isNull(first.gauges.cpuPercent)
    assert.isNumber(second.gauges.cpuPercent)
    assert.strictEqual(second.gauges.load1, now.load[0])
    assert.strictEqual(
      (second.gauges.memoryUsedBytes ?? 0) + (second.gauges.memoryAvailableBytes ?? 0),
      now.meminfo.memTotal
    )
    // Counters are the kernel's totals, never a rate: they only grow between two readings.
    for (const [name, value] of Object.entries(second.counters)) {
      assert.isAtLeast(value ?? -1, hostSample(before, undefined).counters[name] ?? 0, name)
    }
  })

  it("containers: by name, the allowlisted figures only, the running one when two share a name", () => {
    const before = mockContainersReading(NOW - 10_000)
    const now = mockContainersReading(NOW)
    const samples = containerSamples(now, before)
    assert.deepStrictEqual(
      samples.map((s) => s.series),
      now.containers.map((c) => ({ kind: "container", name: c.name }))
    )
    for (const s of samples) {
      assert.deepStrictEqual(Object.keys(s.gauges), ["running", "cpuPercent", "memoryBytes", "pids"])
      assert.deepStrictEqual(Object.keys(s.counters), [
        "cpuSeconds",
        "rxBytes",
        "txBytes",
        "blockReadBytes",
        "blockWriteBytes"
      ])
      assert.strictEqual(s.gauges.running, 1)
      assert.isNumber(s.gauges.cpuPercent)
      assert.strictEqual(s.at, now.at)
    }
    // Nothing of a container but its name and figures: no id, image, status or label.
    const text = JSON.stringify(samples)
    for (const c of now.containers) {
      assert.notInclude(text, c.id)
      assert.notInclude(text, c.image)
    }
    // A re-created container: the old one exited, the new one runs under the same name.
    const running = now.containers[0]!
    const exited: ContainerReading = { ...running, id: "f".repeat(64), state: "exited", counters: undefined }
    const both = containerSamples({ ...now, containers: [exited, running] }, before)
    const named = both.filter((s) => s.series.name === running.name)
    assert.strictEqual(named.length, 1)
    assert.strictEqual(named[0]!.gauges.running, 1)
    const alone = containerSamples({ ...now, containers: [exited] }, before)[0]!
    assert.deepStrictEqual(alone.gauges, { running: 0, cpuPercent: null, memoryBytes: null, pids: null })
    assert.isTrue(Object.values(alone.counters).every((v) => v === null))
  })

  it.effect("probes: healthy 0/1 and latency at the check's time, each check once", () =>
    Effect.gen(function* () {
      const targets = yield* parseProbeTargets(PI_SITE_SERVICES)
      const first = mockServicesReading(targets, NOW, timing)
      const samples = probeSamples(first, undefined)
      assert.deepStrictEqual(
        samples.map((s) => s.series),
        first.probes.map((p) => ({ kind: "probe", name: p.name }))
      )
      for (const [i, s] of samples.entries()) {
        const p = first.probes[i]!
        assert.deepStrictEqual(s, {
          at: p.last.at,
          series: { kind: "probe", name: p.name },
          gauges: { healthy: p.last.healthy ? 1 : 0, latencyMs: p.last.latencyMs },
          counters: {}
        })
        assert.notInclude(JSON.stringify(s), p.target)
      }
      // The same checks published again (another probe's turn) add nothing; a new check adds itself.
      assert.deepStrictEqual(probeSamples(first, first), [])
      const next = mockServicesReading(targets, NOW + timing.intervalMillis, timing)
      const one = { ...next, probes: [next.probes[0]!, ...first.probes.slice(1)] }
      assert.deepStrictEqual(
        probeSamples(one, first).map((s) => s.series.name),
        [next.probes[0]!.name]
      )
    })
  )

  it("the API's shapes: the columnar stored history and uptime percentages", () => {
    const view = storedHistoryView(
      {
        tier: "1m",
        stepMillis: 60_000,
        from: NOW - 3_600_000,
        to: NOW,
        series: [
          {
            series: { kind: "probe", name: "web" },
            at: [NOW - 60_000],
            gauges: { healthy: { min: [0], mean: [0.5], max: [1], count: [2] } },
            counters: {}
          }
        ]
      },
      3_600_000
    )
    assert.deepStrictEqual(Schema.decodeUnknownSync(StoredHistory)(JSON.parse(JSON.stringify(view))), view)
    assert.strictEqual(view.windowSeconds, 3600)
    assert.strictEqual(view.stepSeconds, 60)
    assert.strictEqual(view.from, "2026-11-25T05:00:00.000Z")
    const uptime = uptimeView({ "24h": 1, "7d": 0.99999, "30d": 2 / 3, "365d": null })
    assert.deepStrictEqual(uptime, { "24h": 100, "7d": 99.999, "30d": 66.667, "365d": null })
    Schema.decodeUnknownSync(StoredUptime)(uptime)
  })
})
