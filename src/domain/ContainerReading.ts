// A container as read, from cgroupfs or from the Docker stats API: both map into one counters
// shape, and the docker CLI's formulas (views/dockerFormulas.ts) run on it.

export type ContainerState = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead"
export type ContainerHealth = "healthy" | "unhealthy" | "starting" | "none"

export interface ContainerCounters {
  /** CPU time of the container since it started, in nanoseconds. */
  readonly cpuNanos: number
  /** dockerd's getSystemCPUUsage: the host's first seven /proc/stat columns in nanoseconds; undefined when unknown. */
  readonly systemCpuNanos: number | undefined
  readonly onlineCpus: number
  /**
   * The daemon's own reading a second before (the stats API's precpu_stats), the window
   * `docker stats` measures; undefined from cgroupfs or a one-shot answer.
   */
  readonly daemonWindow: { readonly cpuNanos: number; readonly systemCpuNanos: number } | undefined
  /** false when the answer had no memory usage (a container stopping meanwhile). */
  readonly hasMemory: boolean
  readonly memoryUsageBytes: number
  /** The limit as dockerd reports it: the machine's memory when there is none. */
  readonly memoryLimitBytes: number
  /** memory.stat's total_inactive_file (cgroup v1) and inactive_file, which docker subtracts from usage. */
  readonly inactiveFileV1: number | undefined
  readonly inactiveFile: number | undefined
  /** Summed over the container's interfaces but lo; undefined for --network host (Docker counts none). */
  readonly network: { readonly rxBytes: number; readonly txBytes: number } | undefined
  readonly blockIo: { readonly readBytes: number; readonly writeBytes: number }
}

export interface ContainerReading {
  readonly id: string
  readonly name: string
  readonly image: string
  readonly state: ContainerState
  /** Docker's human status, e.g. "Up 2 hours (healthy)". */
  readonly status: string
  readonly health: ContainerHealth
  readonly restartCount: number
  /** Unix milliseconds; undefined when it never started. */
  readonly startedAt: number | undefined
  /** Only for a running container whose figures could be read. */
  readonly counters: ContainerCounters | undefined
}

export interface ContainersReading {
  readonly at: number
  readonly containers: ReadonlyArray<ContainerReading>
}
