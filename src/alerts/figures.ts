// The figures an alert rule can watch, in one table: what each means, its unit, how far it must
// come back before an alert resolves, and the PromQL over the /metrics names that computes the
// same figure, so that the rules exported for Prometheus watch what this service watches.

/** What a figure is about. A disk is a host filesystem, named by its mount point. */
export type SubjectKind = "host" | "disk" | "container" | "probe"

/** The one subject of every host figure. */
export const HOST_SUBJECT = "host"

/**
 *   number    a gauge, compared as it is
 *   boolean   true or false; compared with == or != only
 *   increase  a counter: the observation gives its running total, the rule compares how much it
 *             grew within the rule's window (restarts in 10 minutes)
 */
export type FigureType = "number" | "boolean" | "increase"

/**
 * How far past the threshold a figure must come back before its alert resolves, when the rule
 * names no resolve threshold: a number in the figure's unit, or a share of the threshold.
 */
export type Margin = { readonly points: number } | { readonly share: number }

// Every /metrics name the exported rules use, in one place. Names marked "new" are not rendered
// by src/metrics/render.ts yet: the readings refactor (issue 13) and the container depth (issue
// 16) add them; adjust them here if they land under other names.
export const METRICS = {
  hostCpuSeconds: "system_profiler_host_cpu_seconds_total",
  hostLoad1: "system_profiler_host_load1",
  hostMemoryAvailable: "system_profiler_host_memory_available_bytes",
  hostMemoryTotal: "system_profiler_host_memory_total_bytes",
  hostSwapUsed: "system_profiler_host_swap_used_bytes",
  hostSwapTotal: "system_profiler_host_swap_total_bytes",
  hostFilesystemUsage: "system_profiler_host_filesystem_usage_ratio",
  hostTemperature: "system_profiler_host_temperature_celsius",
  /** new: 1 while the Raspberry Pi's under-voltage alarm is raised */
  hostUnderVoltage: "system_profiler_host_under_voltage",
  /** new: node_exporter's names, some = waiting, full = stalled (microseconds in the kernel, seconds here) */
  hostPressure: (resource: PressureResource, kind: PressureKind) =>
    `system_profiler_host_pressure_${resource}_${kind === "some" ? "waiting" : "stalled"}_seconds_total`,
  containerRunning: "system_profiler_container_running",
  containerHealthy: "system_profiler_container_healthy",
  containerRestarts: "system_profiler_container_restarts_total",
  /** new */
  containerOomEvents: "system_profiler_container_oom_events_total",
  /** new */
  containerCpuSeconds: "system_profiler_container_cpu_seconds_total",
  /** new: the CPU limit in cores (NanoCpus, or CpuQuota / CpuPeriod) */
  containerCpuLimit: "system_profiler_container_cpu_limit_cores",
  containerMemoryUsage: "system_profiler_container_memory_usage_bytes",
  containerMemoryLimit: "system_profiler_container_memory_limit_bytes",
  probeUp: "system_profiler_probe_up",
  probeDuration: "system_profiler_probe_duration_seconds",
  /** The notAfter of the certificate an https probe was shown (Unix time). */
  probeTlsExpiry: "system_profiler_probe_tls_certificate_expiry_timestamp_seconds",
  probeConsecutiveFailures: "system_profiler_probe_consecutive_failures",
  /** The alert gauge this service renders itself (see exposition.ts). */
  alerts: "system_profiler_alerts"
} as const

/** The label of /metrics that names a subject of each kind. */
export const SUBJECT_LABEL: Readonly<Record<SubjectKind, string | undefined>> = {
  host: undefined,
  disk: "mountpoint",
  container: "container",
  probe: "probe"
}

// A rate needs at least two scrapes inside its range: 2m holds four at a 30 s scrape interval.
export const RATE_RANGE = "2m"

export type PressureResource = "cpu" | "memory" | "io"
export type PressureKind = "some" | "full"
export type PressureWindow = "avg10" | "avg60" | "avg300"

// Prometheus has no 10 s average of a counter unless it scrapes every 5 s or faster, so avg10
// and avg60 are both the rate over RATE_RANGE there; avg300 is the rate over 5m.
const PRESSURE_RANGE: Record<PressureWindow, string> = { avg10: RATE_RANGE, avg60: RATE_RANGE, avg300: "5m" }

export interface Figure {
  readonly id: string
  readonly kind: SubjectKind
  readonly type: FigureType
  /** As a notification prints it after the value: "%", "°C", "ms"; "" for a bare count. */
  readonly unit: string
  /** A noun phrase for messages: "CPU temperature". */
  readonly title: string
  readonly description: string
  /** The thresholds a rule may set (booleans take true or false). */
  readonly range: { readonly min: number; readonly max: number }
  readonly margin: Margin
  /** increase figures: the window when a rule names none, in milliseconds. */
  readonly window?: number
  /**
   * PromQL for the figure. `selector` is a label matcher list for the subjects, such as
   * `{container=~"web|db"}`, or "" for all; `range` is the rule's window for increase figures.
   * A boolean figure's expression is 1 when true and 0 when false.
   */
  readonly promql: (selector: string, range: string) => string
}

const PERCENT = { min: 0, max: 100 }
const NON_NEGATIVE = { min: 0, max: Number.POSITIVE_INFINITY }
const ANY = { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY }
const NO_MARGIN: Margin = { points: 0 }

const m = METRICS

const pressureFigures = (["cpu", "memory", "io"] as const).flatMap((resource) =>
  (["some", "full"] as const).flatMap((kind) =>
    (["avg10", "avg60", "avg300"] as const).map(
      (window) =>
        ({
          id: `host.psi_${resource}_${kind}_${window}` as const,
          kind: "host",
          type: "number",
          unit: "%",
          title: `${resource} pressure (${kind}, ${window})`,
          description:
            `Share of time in which ${kind === "some" ? "at least one task" : "all non-idle tasks"} stalled on ` +
            `${resource}, /proc/pressure/${resource} ${kind} ${window}; not sampled where the kernel has no PSI`,
          range: PERCENT,
          margin: { points: 5 },
          promql: () => `100 * rate(${m.hostPressure(resource, kind)}[${PRESSURE_RANGE[window]}])`
        }) satisfies Figure
    )
  )
)

const table = [
  {
    id: "host.cpu_usage",
    kind: "host",
    type: "number",
    unit: "%",
    title: "CPU usage",
    description: "Busy share of all cores between the last two samples (idle and iowait are not busy)",
    range: PERCENT,
    margin: { points: 10 },
    promql: () =>
      `100 * (1 - sum without (cpu, mode) (rate(${m.hostCpuSeconds}{mode=~"idle|iowait"}[${RATE_RANGE}]))` +
      ` / count without (cpu, mode) (${m.hostCpuSeconds}{mode="idle"}))`
  },
  {
    id: "host.load1",
    kind: "host",
    type: "number",
    unit: "",
    title: "load average (1 min)",
    description: "Load average over 1 minute",
    range: NON_NEGATIVE,
    margin: { share: 0.1 },
    promql: () => m.hostLoad1
  },
  {
    id: "host.memory_available",
    kind: "host",
    type: "number",
    unit: "%",
    title: "memory available",
    description: "MemAvailable as a share of MemTotal: what programs can still get without swapping",
    range: PERCENT,
    margin: { points: 3 },
    promql: () => `100 * ${m.hostMemoryAvailable} / ${m.hostMemoryTotal}`
  },
  {
    id: "host.swap_used",
    kind: "host",
    type: "number",
    unit: "%",
    title: "swap used",
    description: "Used share of swap; 0 on a host without swap",
    range: PERCENT,
    margin: { points: 5 },
    promql: () => `100 * ${m.hostSwapUsed} / ${m.hostSwapTotal}`
  },
  {
    id: "disk.used",
    kind: "disk",
    type: "number",
    unit: "%",
    title: "disk use",
    description: "Used share of a filesystem, as df computes Use%; one subject per mount point",
    range: PERCENT,
    margin: { points: 2 },
    promql: (selector) => `100 * ${m.hostFilesystemUsage}${selector}`
  },
  {
    id: "host.cpu_temperature",
    kind: "host",
    type: "number",
    unit: "°C",
    title: "CPU temperature",
    description: "The CPU's thermal zone (cpu-thermal on a Raspberry Pi); not sampled on a host without one",
    range: ANY,
    margin: { points: 5 },
    promql: () => m.hostTemperature
  },
  {
    id: "host.under_voltage",
    kind: "host",
    type: "boolean",
    unit: "",
    title: "under-voltage",
    description: "The Raspberry Pi's under-voltage alarm (rpi_volt hwmon); not sampled on other boards",
    range: ANY,
    margin: NO_MARGIN,
    promql: () => m.hostUnderVoltage
  },
  ...pressureFigures,
  {
    id: "container.running",
    kind: "container",
    type: "boolean",
    unit: "",
    title: "running",
    description: "true while the container's state is running (false when exited, restarting, paused, created, dead)",
    range: ANY,
    margin: NO_MARGIN,
    promql: (selector) => `${m.containerRunning}${selector}`
  },
  {
    id: "container.unhealthy",
    kind: "container",
    type: "boolean",
    unit: "",
    title: "unhealthy",
    description: "true while the container's healthcheck reports unhealthy; false without a healthcheck",
    range: ANY,
    margin: NO_MARGIN,
    promql: (selector) => `1 - ${m.containerHealthy}${selector}`
  },
  {
    id: "container.restarts",
    kind: "container",
    type: "increase",
    unit: "restarts",
    title: "restarts",
    description: "Restarts within the rule's window (the observation gives Docker's RestartCount)",
    range: NON_NEGATIVE,
    margin: NO_MARGIN,
    window: 10 * 60_000,
    promql: (selector, range) => `increase(${m.containerRestarts}${selector}[${range}])`
  },
  {
    id: "container.oom_kills",
    kind: "container",
    type: "increase",
    unit: "OOM kills",
    title: "OOM kills",
    description:
      "Processes of the container killed for memory within the rule's window (the observation gives the total)",
    range: NON_NEGATIVE,
    margin: NO_MARGIN,
    window: 10 * 60_000,
    promql: (selector, range) => `increase(${m.containerOomEvents}${selector}[${range}])`
  },
  {
    id: "container.cpu_of_limit",
    kind: "container",
    type: "number",
    unit: "%",
    title: "CPU use of its limit",
    description:
      "CPU used as a share of the container's CPU limit (100 = the whole limit); not sampled without a limit",
    range: NON_NEGATIVE,
    margin: { points: 10 },
    promql: (selector) =>
      `100 * rate(${m.containerCpuSeconds}${selector}[${RATE_RANGE}]) / ${m.containerCpuLimit}${selector}`
  },
  {
    id: "container.memory_of_limit",
    kind: "container",
    type: "number",
    unit: "%",
    title: "memory use of its limit",
    description: "Memory used as a share of the container's memory limit",
    range: PERCENT,
    margin: { points: 5 },
    promql: (selector) => `100 * ${m.containerMemoryUsage}${selector} / ${m.containerMemoryLimit}${selector}`
  },
  {
    id: "probe.healthy",
    kind: "probe",
    type: "boolean",
    unit: "",
    title: "healthy",
    description: "true when the last check of the probe succeeded",
    range: ANY,
    margin: NO_MARGIN,
    promql: (selector) => `${m.probeUp}${selector}`
  },
  {
    id: "probe.latency",
    kind: "probe",
    type: "number",
    unit: "ms",
    title: "latency",
    description: "How long the last check took",
    range: NON_NEGATIVE,
    margin: { share: 0.2 },
    promql: (selector) => `1000 * ${m.probeDuration}${selector}`
  },
  {
    id: "probe.tls_days_left",
    kind: "probe",
    type: "number",
    unit: "days",
    title: "TLS certificate days left",
    description: "Days until the certificate an https probe was shown expires (negative once expired)",
    range: ANY,
    margin: NO_MARGIN,
    promql: (selector) => `(${m.probeTlsExpiry}${selector} - time()) / 86400`
  },
  {
    id: "probe.consecutive_failures",
    kind: "probe",
    type: "number",
    unit: "failed checks",
    title: "consecutive failures",
    description: "Failed checks in a row up to the last one; 0 once a check succeeds",
    range: NON_NEGATIVE,
    margin: NO_MARGIN,
    promql: (selector) => `${m.probeConsecutiveFailures}${selector}`
  }
] as const satisfies ReadonlyArray<Figure>

export type FigureId = (typeof table)[number]["id"]

export const FIGURES: ReadonlyMap<FigureId, Figure> = new Map(table.map((f) => [f.id, f]))

export const FIGURE_IDS: ReadonlyArray<FigureId> = table.map((f) => f.id)

export const isFigureId = (s: unknown): s is FigureId => typeof s === "string" && FIGURES.has(s as FigureId)

export const figure = (id: FigureId): Figure => FIGURES.get(id)!

/** The resolve threshold a rule gets when it names none. */
export const defaultResolve = (f: Figure, comparison: ">" | ">=" | "<" | "<=", threshold: number): number => {
  const margin = "points" in f.margin ? f.margin.points : Math.abs(threshold) * f.margin.share
  return comparison === ">" || comparison === ">=" ? threshold - margin : threshold + margin
}
