// The Prometheus exposition of the readings. Names follow the Prometheus conventions: base units
// (_bytes, _seconds), ratios 0-1 (_ratio), and counters left as the kernel's counters, ending in
// _total, so that Prometheus computes every rate itself over the range a query asks.

import { Result } from "effect"
import type { ContainersReading } from "../domain/ContainerReading.ts"
import type { HostReading } from "../domain/HostReading.ts"
import type { ServicesReading } from "../domain/ProbeResult.ts"
import type { SampleError } from "../domain/SampleError.ts"
import type { Pressure } from "../kernel/pressure.ts"
import { cpuZoneIndex } from "../kernel/thermal.ts"
import type { Readings } from "../sampling/Sampler.ts"
import { memoryUsed } from "./dockerFormulas.ts"
import { Exposition, perSubject, type Sample, single } from "./exposition.ts"
import { availableBytes, cpuSeconds, diskFigures, diskIoBytes } from "./host.ts"
import { uptimePercent } from "./services.ts"

const P = "system_profiler"

const CPU_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const

const renderHost = (out: Exposition, host: HostReading) => {
  const m = host.meminfo
  const available = availableBytes(host)
  const swapFree = Math.min(m.swapFree, m.swapTotal)
  out
    .gauge(`${P}_host_info`, "Host identity; always 1", [
      {
        labels: {
          hostname: host.system.hostname.value,
          platform: host.system.platform,
          arch: host.system.arch,
          kernel_version: host.system.kernelRelease.value
        },
        value: 1
      }
    ])
    .gauge(`${P}_host_uptime_seconds`, "Seconds since the host booted", single(host.system.uptimeSeconds.value))
    .gauge(`${P}_host_cpu_cores`, "Online CPU cores", single(host.stat.cores.length))
    .gauge(`${P}_host_load1`, "Load average over 1 minute", single(host.load[0]))
    .gauge(`${P}_host_load5`, "Load average over 5 minutes", single(host.load[1]))
    .gauge(`${P}_host_load15`, "Load average over 15 minutes", single(host.load[2]))
    .gauge(`${P}_host_memory_total_bytes`, "Total memory", single(m.memTotal))
    .gauge(`${P}_host_memory_used_bytes`, "Memory in use: total less available", single(m.memTotal - available))
    .gauge(`${P}_host_memory_free_bytes`, "Memory nothing uses, not even the page cache", single(m.memFree))
    .gauge(`${P}_host_memory_available_bytes`, "Memory that programs can get without swapping", single(available))
    .gauge(
      `${P}_host_memory_usage_ratio`,
      "Used share of memory (0-1)",
      single(m.memTotal > 0 ? (m.memTotal - available) / m.memTotal : null)
    )
    .gauge(`${P}_host_swap_total_bytes`, "Total swap", single(m.swapTotal))
    .gauge(`${P}_host_swap_used_bytes`, "Swap in use", single(m.swapTotal - swapFree))
    .gauge(`${P}_host_swap_free_bytes`, "Free swap", single(swapFree))

  if (Result.isSuccess(host.thermal)) {
    const zones = host.thermal.success
    out.gauge(
      `${P}_host_temperature_celsius`,
      "CPU temperature",
      single(zones[cpuZoneIndex(zones.map((z) => z.type))]?.celsius)
    )
  }
  out.gauge(
    `${P}_host_under_voltage`,
    "1 while the Raspberry Pi's under-voltage alarm is raised; absent without the sensor",
    single(host.board.underVoltage === null ? null : host.board.underVoltage ? 1 : 0)
  )

  const disks = host.filesystems.map((f) => ({ mountpoint: f.mountPoints[0]!, ...diskFigures(f.usage) }))
  const disk = perSubject("mountpoint", disks, (d) => d.mountpoint)
  out
    .gauge(
      `${P}_host_filesystem_size_bytes`,
      "Size of the filesystem",
      disk((d) => d.totalBytes)
    )
    .gauge(
      `${P}_host_filesystem_used_bytes`,
      "Used space of the filesystem",
      disk((d) => d.usedBytes)
    )
    .gauge(
      `${P}_host_filesystem_avail_bytes`,
      "Space free for unprivileged users (blocks reserved for root excluded)",
      disk((d) => d.freeBytes)
    )
    .gauge(
      `${P}_host_filesystem_usage_ratio`,
      "Used share of the filesystem as df computes it (0-1)",
      disk((d) => d.usagePercent / 100)
    )

  if (Result.isSuccess(host.network)) {
    const interfaces = host.network.success.interfaces
    type Nic = (typeof interfaces)[number]
    const nic = (key: Exclude<keyof Nic, "name">) =>
      interfaces.map((i): Sample => ({ labels: { interface: i.name }, value: i[key] }))
    out
      .counter(`${P}_host_network_receive_bytes_total`, "Bytes received by the interface", nic("rxBytes"))
      .counter(`${P}_host_network_transmit_bytes_total`, "Bytes sent by the interface", nic("txBytes"))
      .counter(`${P}_host_network_receive_packets_total`, "Packets received by the interface", nic("rxPackets"))
      .counter(`${P}_host_network_transmit_packets_total`, "Packets sent by the interface", nic("txPackets"))
      .counter(`${P}_host_network_receive_errors_total`, "Receive errors of the interface", nic("rxErrors"))
      .counter(`${P}_host_network_transmit_errors_total`, "Transmit errors of the interface", nic("txErrors"))
      .counter(`${P}_host_network_receive_drop_total`, "Received packets dropped", nic("rxDropped"))
      .counter(`${P}_host_network_transmit_drop_total`, "Packets dropped before sending", nic("txDropped"))
  }

  // CPU seconds by mode since boot, per core, as node_exporter's node_cpu_seconds_total: rate()
  // gives the usage over whatever range the query asks. The aggregate line is left out on purpose:
  // it is the sum of the cores, and a series without a cpu label in the same family would make
  // sum() count every second twice.
  out.counter(
    `${P}_host_cpu_seconds_total`,
    "CPU time spent in each mode since boot",
    host.stat.cores.flatMap((c) => {
      const seconds = cpuSeconds(c.ticks)
      return CPU_MODES.map((mode): Sample => ({ labels: { cpu: String(c.core), mode }, value: seconds[mode] }))
    })
  )

  const devices = diskIoBytes(host)
  out
    .counter(
      `${P}_host_disk_read_bytes_total`,
      "Bytes read from the disk since boot",
      devices.map((d) => ({ labels: { device: d.name }, value: d.read }))
    )
    .counter(
      `${P}_host_disk_written_bytes_total`,
      "Bytes written to the disk since boot",
      devices.map((d) => ({ labels: { device: d.name }, value: d.written }))
    )

  // Pressure stall time as node_exporter names it: "waiting" is PSI's some, "stalled" its full.
  if (Result.isSuccess(host.pressure) && host.pressure.success !== undefined) {
    const p = host.pressure.success
    const seconds = (pressure: Pressure, line: "some" | "full") =>
      single((pressure[line]?.totalMicros ?? null) === null ? null : pressure[line]!.totalMicros / 1e6)
    out
      .counter(
        `${P}_host_pressure_cpu_waiting_seconds_total`,
        "Time some tasks waited for a CPU",
        seconds(p.cpu, "some")
      )
      .counter(
        `${P}_host_pressure_memory_waiting_seconds_total`,
        "Time some tasks waited for memory",
        seconds(p.memory, "some")
      )
      .counter(
        `${P}_host_pressure_memory_stalled_seconds_total`,
        "Time all non-idle tasks stalled on memory",
        seconds(p.memory, "full")
      )
      .counter(`${P}_host_pressure_io_waiting_seconds_total`, "Time some tasks waited for IO", seconds(p.io, "some"))
      .counter(
        `${P}_host_pressure_io_stalled_seconds_total`,
        "Time all non-idle tasks stalled on IO",
        seconds(p.io, "full")
      )
  }
}

const renderContainers = (out: Exposition, reading: ContainersReading) => {
  const all = reading.containers
  const each = perSubject("container", all, (c) => c.name)
  out
    .gauge(
      `${P}_container_info`,
      "A container of the stack; always 1",
      all.map((c) => ({
        labels: { container: c.name, id: c.id.slice(0, 12), image: c.image, state: c.state, health: c.health },
        value: 1
      }))
    )
    .gauge(
      `${P}_container_running`,
      "1 when the container runs",
      each((c) => (c.state === "running" ? 1 : 0))
    )
    .gauge(
      `${P}_container_healthy`,
      "1 when the healthcheck passes, 0 when it fails; absent without a healthcheck",
      each((c) => (c.health === "healthy" ? 1 : c.health === "unhealthy" ? 0 : null))
    )
    .counter(
      `${P}_container_restarts_total`,
      "Restarts of the container",
      each((c) => c.restartCount)
    )
    .gauge(
      `${P}_container_start_time_seconds`,
      "When the container started (Unix time)",
      each((c) => (c.startedAt === undefined ? null : c.startedAt / 1000))
    )
    .counter(
      `${P}_container_cpu_seconds_total`,
      "CPU time the container used since it started",
      each((c) => (c.counters === undefined ? null : c.counters.cpuNanos / 1e9))
    )
    .gauge(
      `${P}_container_memory_usage_bytes`,
      "Memory used by the container, less its inactive page cache (as docker stats)",
      each((c) => (c.counters?.hasMemory === true ? memoryUsed(c.counters) : null))
    )
    .gauge(
      `${P}_container_memory_limit_bytes`,
      "Memory limit of the container (the host's memory when it has none)",
      each((c) => (c.counters?.hasMemory === true ? c.counters.memoryLimitBytes : null))
    )
    .counter(
      `${P}_container_network_receive_bytes_total`,
      "Bytes received by the container",
      each((c) => (c.counters === undefined ? null : (c.counters.network?.rxBytes ?? 0)))
    )
    .counter(
      `${P}_container_network_transmit_bytes_total`,
      "Bytes sent by the container",
      each((c) => (c.counters === undefined ? null : (c.counters.network?.txBytes ?? 0)))
    )
    .counter(
      `${P}_container_block_read_bytes_total`,
      "Bytes read from block devices",
      each((c) => c.counters?.blockIo.readBytes)
    )
    .counter(
      `${P}_container_block_written_bytes_total`,
      "Bytes written to block devices",
      each((c) => c.counters?.blockIo.writeBytes)
    )
  // What its limits do to it, as cAdvisor names them (container_cpu_cfs_*, container_oom_events_total),
  // without "cfs": a limit and its throttling are the same figures under either cgroup version.
  out
    .gauge(
      `${P}_container_cpu_limit_cores`,
      "CPUs the container's CFS quota allows; absent without a CPU limit",
      each((c) => c.limits?.cpus)
    )
    .counter(
      `${P}_container_cpu_periods_total`,
      "CFS enforcement periods elapsed while the container had work",
      each((c) => c.counters?.throttling?.periods)
    )
    .counter(
      `${P}_container_cpu_throttled_periods_total`,
      "CFS periods in which the container used up its quota and was held",
      each((c) => c.counters?.throttling?.throttledPeriods)
    )
    .counter(
      `${P}_container_cpu_throttled_seconds_total`,
      "Time the container was held by its CPU quota",
      each((c) => c.counters?.throttling?.throttledSeconds)
    )
    .counter(
      `${P}_container_oom_events_total`,
      "Processes the OOM killer ended in the container's cgroup",
      each((c) => c.counters?.oomKills)
    )
    .gauge(
      `${P}_container_memory_limit_set`,
      "1 when the container has a memory limit of its own, 0 when its limit is the machine's memory",
      each((c) => (c.limits === undefined ? null : c.limits.memoryBytes === null ? 0 : 1))
    )
    .gauge(
      `${P}_container_pids`,
      "Tasks in the container's cgroup",
      each((c) => c.counters?.pids)
    )
    .gauge(
      `${P}_container_pids_limit`,
      "The most tasks the container may run; absent without a limit",
      each((c) => c.limits?.pids)
    )
  // Per-container pressure stall time (cgroup v2), named as the host's.
  const stall = (resource: "cpu" | "memory" | "io", line: "some" | "full") =>
    each((c) => {
      const p = c.counters?.pressure?.[resource]
      return p === undefined || p === null ? null : (p[line]?.totalSeconds ?? null)
    })
  out
    .counter(
      `${P}_container_pressure_cpu_waiting_seconds_total`,
      "Time some of the container's tasks waited for a CPU",
      stall("cpu", "some")
    )
    .counter(
      `${P}_container_pressure_memory_waiting_seconds_total`,
      "Time some of the container's tasks waited for memory",
      stall("memory", "some")
    )
    .counter(
      `${P}_container_pressure_memory_stalled_seconds_total`,
      "Time all of the container's non-idle tasks stalled on memory",
      stall("memory", "full")
    )
    .counter(
      `${P}_container_pressure_io_waiting_seconds_total`,
      "Time some of the container's tasks waited for IO",
      stall("io", "some")
    )
    .counter(
      `${P}_container_pressure_io_stalled_seconds_total`,
      "Time all of the container's non-idle tasks stalled on IO",
      stall("io", "full")
    )
}

const renderServices = (out: Exposition, reading: ServicesReading) => {
  const probes = reading.probes
  const each = perSubject("probe", probes, (s) => s.name)
  out
    .gauge(
      `${P}_probe_up`,
      "1 when the last probe of the service succeeded",
      probes.map((s) => ({ labels: { probe: s.name, kind: s.kind, target: s.target }, value: s.last.healthy ? 1 : 0 }))
    )
    .gauge(
      `${P}_probe_duration_seconds`,
      "How long the last probe took",
      each((s) => (s.last.latencyMs === null ? null : s.last.latencyMs / 1000))
    )
    .gauge(
      `${P}_probe_http_status_code`,
      "HTTP status of the last probe",
      each((s) => s.last.statusCode)
    )
    // As blackbox_exporter's probe_ssl_earliest_cert_expiry, but of the leaf only: the chain's
    // other certificates are the authority's to renew.
    .gauge(
      `${P}_probe_tls_certificate_expiry_timestamp_seconds`,
      "When the certificate the last https check was shown expires (Unix time)",
      each((s) => (s.last.tlsNotAfter === undefined ? null : s.last.tlsNotAfter / 1000))
    )
    // Gauges, not counters: both go down (checks leave the window, a success resets the run).
    .gauge(
      `${P}_probe_uptime_ratio`,
      "Share of healthy checks over the history window (0-1)",
      each((s) => uptimePercent(s.beats) / 100)
    )
    .gauge(
      `${P}_probe_consecutive_failures`,
      "Failed checks in a row up to the last one; 0 when the last one succeeded",
      each((s) => s.consecutiveFailures)
    )
}

const SECTIONS = ["host", "containers", "services"] as const

// A section not sampled yet has no collector_up at all: a 0 would read as a failure, and an
// alert on it would fire at every restart.
const sampled = (s: { readonly current: Result.Result<unknown, SampleError> }) =>
  !(Result.isFailure(s.current) && s.current.failure.reason._tag === "NotSampledYet")

/** The figures of one set of readings. Rendered once per change, however many scrapes read it. */
export const renderReadings = (r: Readings): string => {
  const out = new Exposition()
  const sections = SECTIONS.map((k) => ({
    collector: k,
    current: r[k].current as Result.Result<unknown, SampleError>,
    at: r[k].at
  })).filter(sampled)
  out
    .gauge(
      `${P}_collector_up`,
      "1 when the collector's last sample succeeded, 0 when it failed; absent before its first sample",
      sections.map((s) => ({ labels: { collector: s.collector }, value: Result.isSuccess(s.current) ? 1 : 0 }))
    )
    .gauge(
      `${P}_collector_last_sample_timestamp_seconds`,
      "When the collector last sampled, successfully or not (Unix time)",
      sections.map((s) => ({ labels: { collector: s.collector }, value: s.at / 1000 }))
    )
  if (Result.isSuccess(r.host.current)) renderHost(out, r.host.current.success)
  if (Result.isSuccess(r.containers.current)) renderContainers(out, r.containers.current.success)
  if (Result.isSuccess(r.services.current)) renderServices(out, r.services.current.success)
  return out.toString()
}

export interface ProcessFigures {
  readonly version: string
  readonly mockMode: boolean
  readonly streamClients: number
  readonly cpuSeconds: number
  readonly residentBytes: number
  readonly startTimeSeconds: number
}

/** The service's own figures, which change between readings: the /metrics handler renders them at most once a second. */
export const renderProcess = (p: ProcessFigures): string =>
  new Exposition()
    .gauge(`${P}_build_info`, "The running version, and whether its figures are mock ones; always 1", [
      { labels: { version: p.version, mock: String(p.mockMode) }, value: 1 }
    ])
    .gauge(`${P}_stream_clients`, "Open /stats/stream connections", single(p.streamClients))
    .counter("process_cpu_seconds_total", "User and system CPU time of this process", single(p.cpuSeconds))
    .gauge("process_resident_memory_bytes", "Resident memory of this process", single(p.residentBytes))
    .gauge("process_start_time_seconds", "When this process started (Unix time)", single(p.startTimeSeconds))
    .toString()
