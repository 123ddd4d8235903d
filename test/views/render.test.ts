import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { ContainerStats } from "../../src/api/ContainerStats.ts"
import { CPU_MODES } from "../../src/api/HostStats.ts"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { mockHostReading } from "../../src/collectors/host/mock.ts"
import { mockServicesReading } from "../../src/collectors/services/mock.ts"
import { parseProbeTargets } from "../../src/config/services.ts"
import type { SampleError } from "../../src/domain/SampleError.ts"
import type { Readings } from "../../src/sampling/Sampler.ts"
import { Exposition } from "../../src/views/exposition.ts"
import { renderProcess, renderReadings } from "../../src/views/prometheus.ts"
import { servicesView } from "../../src/views/services.ts"
import { statsView } from "../../src/views/stats.ts"
import { failedSection, readingsOf } from "../support/readings.ts"

const NOW = Date.parse("2026-11-25T06:00:00.000Z")

type Sections = Parameters<typeof readingsOf>[1]

const snapshot = (over: Partial<Sections> = {}): Readings =>
  readingsOf(NOW, {
    host: mockHostReading(NOW),
    previousHost: mockHostReading(NOW - 5000),
    containers: mockContainersReading(NOW),
    services: failedSection("services") as SampleError,
    ...over
  })

const renderSnapshot = renderReadings

/** The API's view of the same readings, to compare figures with. */
const viewOf = (r: Readings) => statsView(r)

/** The TYPE of each family, and its sample lines. */
const parse = (text: string) => {
  const types = new Map<string, string>()
  const samples: Array<{ name: string; labels: string; value: number }> = []
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) types.set(type[1]!, type[2]!)
    const sample = /^([a-z_:][a-z0-9_:]*)(\{.*\})? (\S+)$/.exec(line)
    if (sample !== null) samples.push({ name: sample[1]!, labels: sample[2] ?? "", value: Number(sample[3]) })
  }
  return { types, samples }
}

describe("Prometheus rendering", () => {
  it("cumulative figures are counters named _total; every other family is a gauge without _total", () => {
    const { types } = parse(renderSnapshot(snapshot()))
    assert.strictEqual(types.get("system_profiler_host_network_receive_bytes_total"), "counter")
    assert.strictEqual(types.get("system_profiler_host_network_transmit_bytes_total"), "counter")
    assert.strictEqual(types.get("system_profiler_container_network_receive_bytes_total"), "counter")
    for (const [name, type] of types) {
      assert.strictEqual(type === "counter", name.endsWith("_total"), name)
    }
  })

  it("labels name the interface, the mount point and the container; ratios are 0-1", () => {
    const stats = snapshot()
    const { samples } = parse(renderSnapshot(stats))
    const view = viewOf(stats)
    const host = view.host as Exclude<typeof view.host, { collector: string }>
    for (const nic of host.network.interfaces) {
      const rx = samples.find(
        (s) => s.name === "system_profiler_host_network_receive_bytes_total" && s.labels === `{interface="${nic.name}"}`
      )
      assert.strictEqual(rx?.value, nic.rxBytes)
    }
    for (const disk of host.disks) {
      const size = samples.find(
        (s) =>
          s.name === "system_profiler_host_filesystem_size_bytes" && s.labels === `{mountpoint="${disk.mountPoint}"}`
      )
      assert.strictEqual(size?.value, disk.totalBytes)
    }
    const containers = view.containers as ContainerStats
    for (const c of containers.containers) {
      const running = samples.find(
        (s) => s.name === "system_profiler_container_running" && s.labels === `{container="${c.name}"}`
      )
      assert.strictEqual(running?.value, c.state === "running" ? 1 : 0)
    }
    for (const s of samples.filter((x) => x.name.endsWith("_ratio") && !x.name.includes("container_cpu"))) {
      assert.isTrue(s.value >= 0 && s.value <= 1, `${s.name}${s.labels} = ${s.value}`)
    }
  })

  it("a failing collector is up 0 and has no figures, never zeros", () => {
    const text = renderSnapshot(snapshot({ host: failedSection("host") }))
    assert.match(text, /^system_profiler_collector_up\{collector="host"\} 0$/m)
    assert.match(text, /^system_profiler_collector_up\{collector="containers"\} 1$/m)
    assert.match(text, /^system_profiler_collector_up\{collector="services"\} 0$/m)
    assert.notMatch(text, /^system_profiler_host_/m)
    assert.notMatch(text, /^system_profiler_probe_/m)
    assert.match(text, /^system_profiler_container_/m)
  })

  it("escapes label values and keeps one sample per label set", () => {
    const text = new Exposition()
      .gauge("x_ratio", "help with \\ and\nnewline", [
        { labels: { name: 'a"b\\c\nd' }, value: 0.5 },
        { labels: { name: 'a"b\\c\nd' }, value: 0.7 },
        { labels: { name: "absent" }, value: null }
      ])
      .toString()
    assert.strictEqual(
      text,
      '# HELP x_ratio help with \\\\ and\\nnewline\n# TYPE x_ratio gauge\nx_ratio{name="a\\"b\\\\c\\nd"} 0.5\n'
    )
    assert.strictEqual(new Exposition().gauge("empty", "no samples", []).toString(), "")
  })

  it("the process figures are the standard process_* names", () => {
    const { types } = parse(
      renderProcess({
        version: "1.2.3",
        mockMode: false,
        streamClients: 2,
        cpuSeconds: 1.5,
        residentBytes: 1,
        startTimeSeconds: 1
      })
    )
    assert.strictEqual(types.get("process_cpu_seconds_total"), "counter")
    assert.strictEqual(types.get("process_resident_memory_bytes"), "gauge")
    assert.strictEqual(types.get("system_profiler_stream_clients"), "gauge")
  })
})

describe("CPU seconds", () => {
  it("are a counter _seconds_total per core (cpu label) and mode (mode label), the seconds of the contract", () => {
    const stats = snapshot()
    const view = viewOf(stats)
    const host = view.host as Exclude<typeof view.host, { collector: string }>
    const { types, samples } = parse(renderSnapshot(stats))
    assert.strictEqual(types.get("system_profiler_host_cpu_seconds_total"), "counter")
    const cpu = samples.filter((s) => s.name === "system_profiler_host_cpu_seconds_total")
    assert.strictEqual(cpu.length, host.cpu.perCore.length * CPU_MODES.length)
    for (const core of host.cpu.perCore) {
      // Every mode of the contract is rendered: CPU_MODES lists them all.
      assert.deepStrictEqual(Object.keys(core.seconds).sort(), [...CPU_MODES].sort())
      for (const mode of CPU_MODES) {
        const sample = cpu.find((s) => s.labels === `{cpu="${core.core}",mode="${mode}"}`)
        assert.strictEqual(sample?.value, core.seconds[mode], `cpu ${core.core} ${mode}`)
      }
    }
    // No series without a cpu label: sum() over the family must count each second once.
    assert.isTrue(cpu.every((s) => s.labels.startsWith('{cpu="')))
  })
})

describe("probe history", () => {
  it("uptime over the window is a 0-1 ratio gauge and consecutive failures a gauge, per probe", () => {
    const targets = Effect.runSync(parseProbeTargets("web=http://web:3000/,api=http://api:8000/"))
    // 40 s into the second probe's outage, minute 7 of the mock's 20-minute cycle: two failed checks.
    const at = NOW - (NOW % (20 * 60_000)) + 7 * 60_000 + 40_000
    const reading = mockServicesReading(targets, at, {
      intervalMillis: 30_000,
      windowMillis: 3_600_000,
      timeoutMillis: 1
    })
    const services = servicesView(reading)
    const { types, samples } = parse(renderSnapshot(snapshot({ services: reading })))
    assert.strictEqual(types.get("system_profiler_probe_uptime_ratio"), "gauge")
    assert.strictEqual(types.get("system_profiler_probe_consecutive_failures"), "gauge")
    for (const s of services.services) {
      const labels = `{probe="${s.name}"}`
      const up = samples.find((x) => x.name === "system_profiler_probe_uptime_ratio" && x.labels === labels)
      const failures = samples.find(
        (x) => x.name === "system_profiler_probe_consecutive_failures" && x.labels === labels
      )
      assert.strictEqual(up?.value, s.uptimePercent / 100)
      assert.strictEqual(failures?.value, s.consecutiveFailures)
    }
    const down = services.services[1]!
    assert.isFalse(down.healthy)
    assert.strictEqual(down.consecutiveFailures, 2)
    assert.isBelow(down.uptimePercent, 100)
  })
})
