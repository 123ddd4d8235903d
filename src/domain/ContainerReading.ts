// A container as read, from cgroupfs or from the Docker stats API: both map into one counters
// shape, and the docker CLI's formulas (views/dockerFormulas.ts) run on it.

import type { CfsThrottling } from "../kernel/cgroup/cpuStat.ts"
import type { CgroupPressure } from "../kernel/cgroup/pressure.ts"

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
  /** CFS throttling counters (cpu.stat, or the stats API's throttling_data); undefined when unknown. */
  readonly throttling: CfsThrottling | undefined
  /** Processes the OOM killer ended in the container's cgroup since it was created; undefined when unknown (the API does not tell). */
  readonly oomKills: number | undefined
  /** Tasks in the container's cgroup; undefined when unknown. */
  readonly pids: number | undefined
  /** Pressure stall figures of the container's cgroup (cgroup v2 only); undefined elsewhere. */
  readonly pressure: CgroupPressure | undefined
}

/** What the container is allowed, whichever told it: its cgroup, else its inspect answer's HostConfig. */
export interface ContainerLimits {
  /** CPUs its CFS quota allows (0.2 for --cpus 0.2); null when it has no CPU limit. */
  readonly cpus: number | null
  /** Its memory limit in bytes; null when it has none (dockerd then reports the machine's memory). */
  readonly memoryBytes: number | null
  /** The most tasks it may run; null when it has no limit. */
  readonly pids: number | null
}

/**
 * A container's restarts and exits as its Docker events tell them (collectors/containers/events/
 * crashLoop.ts), per container name.
 */
export interface ContainerEventFacts {
  readonly restarts: number
  readonly exits: number
  readonly oomEvents: number
  readonly lastExitCode: number | null
  /** Nanoseconds since the epoch. */
  readonly lastExitNano: bigint | null
  readonly lastExitOomKilled: boolean
}

/** A compose service the stack should have that no container of the stack runs or holds. */
export interface MissingService {
  readonly project: string | undefined
  readonly service: string
  /** Unix milliseconds when a container of it was last listed; undefined when never seen (expected by config). */
  readonly lastSeenAt: number | undefined
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
  /** The com.docker.compose.project and com.docker.compose.service labels, the only labels read. */
  readonly composeProject: string | undefined
  readonly composeService: string | undefined
  /** State.ExitCode of the inspect answer: the last run's exit code (0 while running). */
  readonly exitCode: number | undefined
  /** State.OOMKilled of the inspect answer: the OOM killer ended the last run. */
  readonly oomKilled: boolean | undefined
  /** undefined when neither its cgroup nor its inspect answer told them. */
  readonly limits: ContainerLimits | undefined
}

export interface ContainersReading {
  readonly at: number
  readonly containers: ReadonlyArray<ContainerReading>
  /**
   * Per container name, what its Docker events tell over `windowMillis`; undefined when the
   * event stream is not there (a reading of the collector alone).
   */
  readonly events?: { readonly windowMillis: number; readonly byName: ReadonlyMap<string, ContainerEventFacts> }
  /** Expected compose services with no container; undefined when nothing is expected. */
  readonly missing?: ReadonlyArray<MissingService>
}
