// What the alert rules see of the readings: each figure in the unit the engine expects and equal
// to what the API shows for the same readings, and a section that failed or was never sampled
// left unknown (no subjects), never a breach.

import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { HOST_SUBJECT } from "../../src/alerts/figures.ts"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { mockHostReading } from "../../src/collectors/host/mock.ts"
import { mockServicesReading } from "../../src/collectors/services/mock.ts"
import { parseProbeTargets } from "../../src/config/services.ts"
import type { ContainerReading, ContainersReading } from "../../src/domain/ContainerReading.ts"
import type { HostReading } from "../../src/domain/HostReading.ts"
import type { ServicesReading } from "../../src/domain/ProbeResult.ts"
import { NotSampledYet, SampleError } from "../../src/domain/SampleError.ts"
import { containersView } from "../../src/views/containers.ts"
import { hostView } from "../../src/views/host.ts"
import { observationInput, observationOf, observer } from "../../src/views/observation.ts"
import { servicesView } from "../../src/views/services.ts"
import { failedSection, readingsOf } from "../support/readings.ts"

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0)

const targets = Effect.runSync(parseProbeTargets("web=http://web:3000/,img=http://img:8000/,db=postgres://db:5432"))
const services = mockServicesReading(targets, NOW, {
  intervalMillis: 30_000,
  windowMillis: 3_600_000,
  timeoutMillis: 2000
})

const full = (host: HostReading | SampleError = mockHostReading(NOW), previous = mockHostReading(NOW - 5000)) =>
  readingsOf(NOW, {
    host,
    previousHost: previous,
    containers: mockContainersReading(NOW),
    services
  })

describe("the observation of a set of readings", () => {
  it("host figures are those of GET /host, in percent 0-100, load and °C", () => {
    const current = mockHostReading(NOW)
    const previous = mockHostReading(NOW - 5000)
    const o = observationOf(full(current, previous))
    const api = hostView(current, previous)
    const value = (id: Parameters<typeof o.value>[0]) => o.value(id, HOST_SUBJECT)

    assert.strictEqual(value("host.cpu_usage"), api.cpu.usagePercent)
    assert.isAbove(value("host.cpu_usage") as number, 1)
    assert.isBelow(value("host.cpu_usage") as number, 100)
    assert.strictEqual(value("host.load1"), api.cpu.loadAverage[0])
    const available = (api.memory.availableBytes / api.memory.totalBytes) * 100
    assert.closeTo(value("host.memory_available") as number, available, 0.005)
    assert.strictEqual(value("host.swap_used"), api.memory.swap.usagePercent)
    assert.strictEqual(value("host.cpu_temperature"), api.temperature.cpuCelsius)
    // PSI avgN are already percentages; the mock's full lines exist for every resource.
    assert.strictEqual(value("host.psi_cpu_some_avg10"), api.pressure.resources!.cpu.some.avg10)
    assert.strictEqual(value("host.psi_io_full_avg300"), api.pressure.resources!.io.full!.avg300)
    // The Pi's alarm is a boolean; a board without the sensor has no such figure, never a breach.
    assert.strictEqual(value("host.under_voltage"), false)
    const noSensor = observationOf(full({ ...current, board: { ...current.board, underVoltage: null } }, previous))
    assert.isUndefined(noSensor.value("host.under_voltage", HOST_SUBJECT))
  })

  it("disk use is per mount point, named as /host names the filesystem", () => {
    const current = mockHostReading(NOW)
    const o = observationOf(full(current))
    const api = hostView(current, undefined)
    assert.deepStrictEqual(
      o.subjects("disk"),
      api.disks.map((d) => d.mountPoint)
    )
    for (const d of api.disks) assert.strictEqual(o.value("disk.used", d.mountPoint), d.usagePercent)
  })

  it("a mount point that could not be measured stays a subject without a value", () => {
    const base = mockHostReading(NOW)
    const current: HostReading = {
      ...base,
      filesystemsUnavailable: [{ mountPoint: "/mnt/usb", error: "/host/root/mnt/usb: no answer within 2s" }]
    }
    const o = observationOf(full(current))
    assert.include(o.subjects("disk")!, "/mnt/usb")
    assert.isUndefined(o.value("disk.used", "/mnt/usb"))
  })

  it("CPU usage needs two readings: without the previous one it is not sampled", () => {
    const o = observationOf(
      readingsOf(NOW, { host: mockHostReading(NOW), containers: mockContainersReading(NOW), services })
    )
    assert.isUndefined(o.value("host.cpu_usage", HOST_SUBJECT))
    assert.isNumber(o.value("host.load1", HOST_SUBJECT))
  })

  it("PSI off, a missing cpu full line and a failed thermal group leave only those figures out", () => {
    const base = mockHostReading(NOW)
    const pressure = Result.isSuccess(base.pressure) ? base.pressure.success! : undefined
    const noCpuFull: HostReading = {
      ...base,
      pressure: Result.succeed({ ...pressure!, cpu: { ...pressure!.cpu, full: undefined } }),
      thermal: Result.fail({ _tag: "HostReadError", path: "/sys/class/thermal", kind: "io", code: "EIO" } as never)
    }
    const o = observationOf(full(noCpuFull))
    assert.isUndefined(o.value("host.psi_cpu_full_avg10", HOST_SUBJECT))
    assert.isNumber(o.value("host.psi_cpu_some_avg10", HOST_SUBJECT))
    assert.isUndefined(o.value("host.cpu_temperature", HOST_SUBJECT))

    const off = observationOf(full({ ...base, pressure: Result.succeed(undefined) }))
    assert.isUndefined(off.value("host.psi_memory_some_avg60", HOST_SUBJECT))
    assert.isNumber(off.value("host.memory_available", HOST_SUBJECT))
  })

  it("a host without swap uses 0 % of it", () => {
    const base = mockHostReading(NOW)
    const o = observationOf(full({ ...base, meminfo: { ...base.meminfo, swapTotal: 0, swapFree: 0 } }))
    assert.strictEqual(o.value("host.swap_used", HOST_SUBJECT), 0)
  })

  it("containers: running, unhealthy, Docker's restart count and memory % of the limit, as GET /containers", () => {
    const reading = mockContainersReading(NOW)
    const [first, second, third] = reading.containers as [ContainerReading, ContainerReading, ContainerReading]
    const changed: ContainersReading = {
      ...reading,
      containers: [
        first,
        { ...second, state: "exited", status: "Exited (1) 3 seconds ago", counters: undefined, restartCount: 4 },
        { ...third, health: "unhealthy" },
        ...reading.containers.slice(3)
      ]
    }
    const o = observationOf(readingsOf(NOW, { host: mockHostReading(NOW), containers: changed, services }))
    const api = containersView(changed, undefined)
    assert.deepStrictEqual(
      o.subjects("container"),
      api.containers.map((c) => c.name)
    )
    assert.strictEqual(o.value("container.running", first.name), true)
    assert.strictEqual(o.value("container.unhealthy", first.name), false)
    assert.strictEqual(o.value("container.memory_of_limit", first.name), api.containers[0]!.memory!.usagePercent)
    assert.strictEqual(o.value("container.running", second.name), false)
    assert.strictEqual(o.value("container.restarts", second.name), 4)
    assert.isUndefined(o.value("container.memory_of_limit", second.name))
    assert.strictEqual(o.value("container.unhealthy", third.name), true)
    // Without a previous reading there is no CPU rate: no share of the limit either.
    assert.isUndefined(o.value("container.cpu_of_limit", first.name))
    assert.strictEqual(o.value("container.oom_kills", first.name), first.counters!.oomKills)
    // The stats API does not count OOM kills: unknown, not 0.
    const fromApi = { ...first, counters: { ...first.counters!, oomKills: undefined } }
    const noCount = observationOf(
      readingsOf(NOW, { host: mockHostReading(NOW), containers: { ...reading, containers: [fromApi] }, services })
    )
    assert.isUndefined(noCount.value("container.oom_kills", first.name))
  })

  it("containers: CPU % of the limit over the previous reading and OOM kills, as GET /containers", () => {
    const previous = mockContainersReading(NOW - 10_000)
    const current = mockContainersReading(NOW)
    const o = observationOf(
      readingsOf(NOW, { host: mockHostReading(NOW), containers: current, previousContainers: previous, services })
    )
    const api = containersView(current, previous)
    let limited = 0
    for (const c of api.containers) {
      assert.strictEqual(o.value("container.oom_kills", c.name), c.oomKills ?? undefined)
      assert.strictEqual(o.value("container.cpu_of_limit", c.name), c.cpuLimitPercent ?? undefined)
      if (c.cpuLimitPercent !== null) {
        limited++
        assert.isAbove(c.cpuLimitPercent, 0)
      }
    }
    // The mock stack has containers with and without a CPU limit: both cases are covered.
    assert.isAbove(limited, 0)
    assert.isBelow(limited, api.containers.length)
    // The validator was OOM-killed once in the mock: the engine counts its increase from here.
    assert.strictEqual(o.value("container.oom_kills", "pi-site-ai-img-validator-1"), 1)
    // A restarted container's counters began again: no rate, no share (as the API).
    const restarted = {
      ...current,
      containers: current.containers.map((c) => ({ ...c, startedAt: (c.startedAt ?? 0) + 1 }))
    }
    const after = observationOf(
      readingsOf(NOW, { host: mockHostReading(NOW), containers: restarted, previousContainers: previous, services })
    )
    for (const c of restarted.containers) assert.isUndefined(after.value("container.cpu_of_limit", c.name))
  })

  it("probes: healthy, latency in ms and consecutive failures, as GET /services", () => {
    const o = observationOf(full())
    const api = servicesView(services)
    assert.deepStrictEqual(o.subjects("probe"), ["web", "img", "db"])
    for (const s of api.services) {
      assert.strictEqual(o.value("probe.healthy", s.name), s.healthy)
      assert.strictEqual(o.value("probe.consecutive_failures", s.name), s.consecutiveFailures)
      assert.strictEqual(o.value("probe.latency", s.name), s.latencyMs ?? undefined)
      assert.isUndefined(o.value("probe.tls_days_left", s.name))
    }
  })

  it("probe.tls_days_left: days from the check to the certificate's notAfter, only where one was shown", () => {
    const DAY = 86_400_000
    const withSite = Effect.runSync(parseProbeTargets("site=https://example.org/,web=http://web:3000/"))
    const reading = mockServicesReading(withSite, NOW, {
      intervalMillis: 30_000,
      windowMillis: 3_600_000,
      timeoutMillis: 2000
    })
    const [site, web] = reading.probes
    // Ten days and six hours from the check; the mock's own https probe is 60 days (less the day begun).
    const expiring = {
      ...reading,
      probes: [{ ...site!, last: { ...site!.last, tlsNotAfter: site!.last.at + 10.25 * DAY } }, web!]
    }
    const readings = (r: typeof reading) =>
      readingsOf(NOW, { host: mockHostReading(NOW), containers: mockContainersReading(NOW), services: r })
    assert.strictEqual(observationOf(readings(expiring)).value("probe.tls_days_left", "site"), 10.25)
    assert.strictEqual(observationOf(readings(reading)).value("probe.tls_days_left", "site"), 59.5)
    assert.isUndefined(observationOf(readings(reading)).value("probe.tls_days_left", "web"))
    // The observer gives it as well when a rule watches it.
    assert.strictEqual(
      observer(["probe.tls_days_left"])(readings(expiring)).value("probe.tls_days_left", "site"),
      10.25
    )
    // The same instant as GET /services shows.
    const api = servicesView(expiring).services[0]!
    assert.strictEqual(Date.parse(api.tlsCertificateExpiresAt!), site!.last.at + 10.25 * DAY)
  })

  it("a failed or unsampled section is unknown: no subjects, no values; the others stay known", () => {
    const notYet = new SampleError({ section: "containers", reason: new NotSampledYet() })
    const o = observationOf(readingsOf(NOW, { host: failedSection("host"), containers: notYet, services }))
    assert.isUndefined(o.subjects("disk"))
    assert.isUndefined(o.subjects("container"))
    assert.isUndefined(o.value("host.load1", HOST_SUBJECT))
    assert.isUndefined(o.value("container.running", "pi-site-web-1"))
    assert.deepStrictEqual(o.subjects("probe"), ["web", "img", "db"])
    assert.deepStrictEqual(
      Object.keys(
        observationInput(
          readingsOf(NOW, {
            host: failedSection("host"),
            containers: failedSection("containers"),
            services: failedSection("services")
          })
        )
      ),
      []
    )
  })

  it("an observer gives the watched figures as observationOf does, section by section, and leaves the rest out", () => {
    const watched = ["host.cpu_usage", "host.memory_available", "container.running", "probe.healthy"] as const
    const observe = observer(watched)
    const first = full()
    // A change of the probes only: the host and the containers are the same section objects.
    const second = { ...first, at: NOW + 1000, services: { ...first.services, at: NOW + 1000 } }
    for (const readings of [first, second]) {
      const mine = observe(readings)
      const all = observationOf(readings)
      for (const kind of ["container", "probe"] as const)
        assert.deepStrictEqual(mine.subjects(kind), all.subjects(kind))
      for (const id of watched) {
        for (const subject of [HOST_SUBJECT, ...(all.subjects("container") ?? []), ...(all.subjects("probe") ?? [])]) {
          assert.strictEqual(mine.value(id, subject), all.value(id, subject))
        }
      }
      // No rule watches disks or pressure: not computed.
      assert.isUndefined(mine.subjects("disk"))
      assert.isDefined(all.value("host.psi_cpu_some_avg10", HOST_SUBJECT))
      assert.isUndefined(mine.value("host.psi_cpu_some_avg10", HOST_SUBJECT))
    }
    // A section that fails is unknown again.
    const failed = observe({
      ...second,
      containers: { ...second.containers, current: Result.fail(failedSection("containers")) }
    })
    assert.isUndefined(failed.subjects("container"))
    assert.deepStrictEqual(failed.subjects("probe"), ["web", "img", "db"])
  })

  it("an observer keeps a section's record while its watched figures stay the same, and gives a new one when one moves", () => {
    const observe = observer(["container.running", "probe.healthy"])
    const first = full()
    const o1 = observe(first)
    const reading = services
    const withProbes = (probes: ServicesReading["probes"]) => ({
      ...first,
      services: { ...first.services, current: Result.succeed({ ...reading, probes }) }
    })
    // Every latency moved (a figure no rule here watches), no health did; the containers were
    // read again and came back with the same states.
    const moved = withProbes(reading.probes.map((p) => ({ ...p, last: { ...p.last, latencyMs: 1234 } })))
    const again = { ...moved, containers: { ...moved.containers, current: Result.succeed(mockContainersReading(NOW)) } }
    const o2 = observe(again)
    assert.notStrictEqual(again.services, first.services)
    assert.notStrictEqual(again.containers, first.containers)
    assert.strictEqual(o2.sections?.probe, o1.sections?.probe)
    assert.strictEqual(o2.sections?.container, o1.sections?.container)
    // Only the watched figures are kept.
    assert.isUndefined(o2.value("probe.latency", "web"))
    // One probe's health changed: a new record, with the new value, the others' records kept.
    const sick = withProbes(
      reading.probes.map((p) => (p.name === "img" ? { ...p, last: { ...p.last, healthy: !p.last.healthy } } : p))
    )
    const o3 = observe({ ...sick, containers: again.containers })
    assert.notStrictEqual(o3.sections?.probe, o1.sections?.probe)
    assert.strictEqual(o3.sections?.probe?.web, o1.sections?.probe?.web)
    const img = reading.probes.find((p) => p.name === "img")!
    assert.strictEqual(o3.value("probe.healthy", "img"), !img.last.healthy)
    assert.strictEqual(o3.sections?.container, o1.sections?.container)
    // A probe gone is a new record too, without it.
    const o4 = observe(withProbes(reading.probes.filter((p) => p.name !== "db")))
    assert.notStrictEqual(o4.sections?.probe, o3.sections?.probe)
    assert.deepStrictEqual(o4.subjects("probe"), ["web", "img"])
  })
})
