import type { ContainerStats } from "../api/ContainerStats.ts"
import { isCollectorFailure } from "../api/errors.ts"
import { CPU_MODES, type HostStats } from "../api/HostStats.ts"
import type { ServiceHealthStats } from "../api/ServiceStats.ts"
import type { Stats } from "../api/Stats.ts"
import { Exposition, type Sample, single } from "./exposition.ts"

// Names follow the Prometheus conventions: base units (_bytes, _seconds), ratios 0-1 (_ratio),
// counters ending in _total and left as counters so that Prometheus computes rates itself.
const P = "system_profiler"

const ratio = (percent: number | null | undefined) => (percent === null || percent === undefined ? null : percent / 100)
const seconds = (iso: string | null | undefined) => {
  if (iso === null || iso === undefined) return null
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? null : ms / 1000
}

const renderHost = (out: Exposition, host: HostStats) => {
  const { cpu, memory, system } = host
  out
    .gauge(`${P}_host_info`, "Host identity; always 1", [
      {
        labels: {
          hostname: system.hostname,
          platform: system.platform,
          arch: system.arch,
          kernel_version: system.kernelVersion
        },
        value: 1
      }
    ])
    .gauge(`${P}_host_uptime_seconds`, "Seconds since the host booted", single(system.uptimeSeconds))
    .gauge(`${P}_host_cpu_cores`, "Online CPU cores", single(cpu.cores))
    .gauge(
      `${P}_host_cpu_usage_ratio`,
      "Busy share of all cores between the last two samples (0-1)",
      single(ratio(cpu.usagePercent))
    )
    .gauge(`${P}_host_load1`, "Load average over 1 minute", single(cpu.loadAverage[0]))
    .gauge(`${P}_host_load5`, "Load average over 5 minutes", single(cpu.loadAverage[1]))
    .gauge(`${P}_host_load15`, "Load average over 15 minutes", single(cpu.loadAverage[2]))
    .gauge(`${P}_host_memory_total_bytes`, "Total memory", single(memory.totalBytes))
    .gauge(`${P}_host_memory_used_bytes`, "Memory in use: total less available", single(memory.usedBytes))
    .gauge(`${P}_host_memory_free_bytes`, "Memory nothing uses, not even the page cache", single(memory.freeBytes))
    .gauge(
      `${P}_host_memory_available_bytes`,
      "Memory that programs can get without swapping",
      single(memory.availableBytes)
    )
    .gauge(`${P}_host_memory_usage_ratio`, "Used share of memory (0-1)", single(ratio(memory.usagePercent)))
    .gauge(`${P}_host_swap_total_bytes`, "Total swap", single(memory.swap.totalBytes))
    .gauge(`${P}_host_swap_used_bytes`, "Swap in use", single(memory.swap.usedBytes))
    .gauge(`${P}_host_swap_free_bytes`, "Free swap", single(memory.swap.freeBytes))
    .gauge(
      `${P}_host_temperature_celsius`,
      "CPU temperature",
      single(host.temperature.available ? host.temperature.cpuCelsius : null)
    )

  const disk = (pick: (d: HostStats["disks"][number]) => number) =>
    host.disks.map((d): Sample => ({ labels: { mountpoint: d.mountPoint }, value: pick(d) }))
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

  type Nic = HostStats["network"]["interfaces"][number]
  const nic = (key: { [K in keyof Nic]: Nic[K] extends number ? K : never }[keyof Nic]) =>
    host.network.interfaces.map((i): Sample => ({ labels: { interface: i.name }, value: i[key] }))
  out
    .counter(`${P}_host_network_receive_bytes_total`, "Bytes received by the interface", nic("rxBytes"))
    .counter(`${P}_host_network_transmit_bytes_total`, "Bytes sent by the interface", nic("txBytes"))
    .counter(`${P}_host_network_receive_packets_total`, "Packets received by the interface", nic("rxPackets"))
    .counter(`${P}_host_network_transmit_packets_total`, "Packets sent by the interface", nic("txPackets"))
    .counter(`${P}_host_network_receive_errors_total`, "Receive errors of the interface", nic("rxErrors"))
    .counter(`${P}_host_network_transmit_errors_total`, "Transmit errors of the interface", nic("txErrors"))
    .counter(`${P}_host_network_receive_drop_total`, "Received packets dropped", nic("rxDropped"))
    .counter(`${P}_host_network_transmit_drop_total`, "Packets dropped before sending", nic("txDropped"))

  // CPU seconds by mode since boot, per core, as node_exporter's node_cpu_seconds_total: rate()
  // gives the usage over whatever range the query asks. The aggregate line is left out on purpose:
  // it is the sum of the cores, and a series without a cpu label in the same family would make
  // sum() count every second twice.
  out.counter(
    `${P}_host_cpu_seconds_total`,
    "CPU time spent in each mode since boot",
    cpu.perCore.flatMap((c) =>
      CPU_MODES.map((mode): Sample => ({ labels: { cpu: String(c.core), mode }, value: c.seconds[mode] }))
    )
  )

  const device = (key: "readBytes" | "writtenBytes") =>
    host.diskIo.devices.map((d): Sample => ({ labels: { device: d.name }, value: d[key] }))
  out
    .counter(`${P}_host_disk_read_bytes_total`, "Bytes read from the disk since boot", device("readBytes"))
    .counter(`${P}_host_disk_written_bytes_total`, "Bytes written to the disk since boot", device("writtenBytes"))
}

const renderContainers = (out: Exposition, stats: ContainerStats) => {
  const each = (pick: (c: ContainerStats["containers"][number]) => number | null | undefined) =>
    stats.containers.map((c): Sample => ({ labels: { container: c.name }, value: pick(c) }))
  out
    .gauge(
      `${P}_container_info`,
      "A container of the stack; always 1",
      stats.containers.map((c) => ({
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
      each((c) => seconds(c.startedAt))
    )
    .gauge(
      `${P}_container_cpu_usage_ratio`,
      "CPU used between the last two samples, in cores (may exceed 1)",
      each((c) => ratio(c.cpuPercent))
    )
    .gauge(
      `${P}_container_memory_usage_bytes`,
      "Memory used by the container",
      each((c) => c.memory?.usageBytes)
    )
    .gauge(
      `${P}_container_memory_limit_bytes`,
      "Memory limit of the container",
      each((c) => c.memory?.limitBytes)
    )
    .counter(
      `${P}_container_network_receive_bytes_total`,
      "Bytes received by the container",
      each((c) => c.network?.rxBytes)
    )
    .counter(
      `${P}_container_network_transmit_bytes_total`,
      "Bytes sent by the container",
      each((c) => c.network?.txBytes)
    )
    .counter(
      `${P}_container_block_read_bytes_total`,
      "Bytes read from block devices",
      each((c) => c.blockIo?.readBytes)
    )
    .counter(
      `${P}_container_block_written_bytes_total`,
      "Bytes written to block devices",
      each((c) => c.blockIo?.writeBytes)
    )
}

const renderServices = (out: Exposition, stats: ServiceHealthStats) => {
  out
    .gauge(
      `${P}_probe_up`,
      "1 when the last probe of the service succeeded",
      stats.services.map((s) => ({
        labels: { probe: s.name, kind: s.kind, target: s.target },
        value: s.healthy ? 1 : 0
      }))
    )
    .gauge(
      `${P}_probe_duration_seconds`,
      "How long the last probe took",
      stats.services.map((s) => ({
        labels: { probe: s.name },
        value: s.latencyMs === null ? null : s.latencyMs / 1000
      }))
    )
    .gauge(
      `${P}_probe_http_status_code`,
      "HTTP status of the last probe",
      stats.services.map((s) => ({ labels: { probe: s.name }, value: s.statusCode }))
    )
    // Gauges, not counters: both go down (checks leave the window, a success resets the run).
    .gauge(
      `${P}_probe_uptime_ratio`,
      "Share of healthy checks over the history window (0-1)",
      stats.services.map((s) => ({ labels: { probe: s.name }, value: ratio(s.uptimePercent) }))
    )
    .gauge(
      `${P}_probe_consecutive_failures`,
      "Failed checks in a row up to the last one; 0 when the last one succeeded",
      stats.services.map((s) => ({ labels: { probe: s.name }, value: s.consecutiveFailures }))
    )
}

/** The figures of one snapshot. Rendered once per snapshot, however many scrapes read it. */
export const renderSnapshot = (stats: Stats): string => {
  const out = new Exposition()
  const sections = [
    ["host", stats.host],
    ["containers", stats.containers],
    ["services", stats.services]
  ] as const
  out
    .gauge(
      `${P}_collector_up`,
      "1 when the collector's last sample succeeded, 0 when it failed",
      sections.map(([collector, section]) => ({ labels: { collector }, value: isCollectorFailure(section) ? 0 : 1 }))
    )
    .gauge(
      `${P}_collector_last_sample_timestamp_seconds`,
      "When the collector last sampled, successfully or not (Unix time)",
      sections.map(([collector, section]) => ({ labels: { collector }, value: seconds(section.sampledAt) }))
    )
  if (!isCollectorFailure(stats.host)) renderHost(out, stats.host as HostStats)
  if (!isCollectorFailure(stats.containers)) renderContainers(out, stats.containers as ContainerStats)
  if (!isCollectorFailure(stats.services)) renderServices(out, stats.services as ServiceHealthStats)
  return out.toString()
}

export interface ProcessFigures {
  readonly version: string
  readonly streamClients: number
  readonly cpuSeconds: number
  readonly residentBytes: number
  readonly startTimeSeconds: number
}

/** The service's own figures, which change between snapshots: the /metrics handler renders them at most once a second. */
export const renderProcess = (p: ProcessFigures): string =>
  new Exposition()
    .gauge(`${P}_build_info`, "The running version; always 1", [{ labels: { version: p.version }, value: 1 }])
    .gauge(`${P}_stream_clients`, "Open /stats/stream connections", single(p.streamClients))
    .counter("process_cpu_seconds_total", "User and system CPU time of this process", single(p.cpuSeconds))
    .gauge("process_resident_memory_bytes", "Resident memory of this process", single(p.residentBytes))
    .gauge("process_start_time_seconds", "When this process started (Unix time)", single(p.startTimeSeconds))
    .toString()
