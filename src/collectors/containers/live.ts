import { Clock, Effect, Result } from "effect"
import { AppConfig, MAX_CONTAINERS_VARIABLE } from "../../config/AppConfig.ts"
import type { ContainerCounters, ContainerReading } from "../../domain/ContainerReading.ts"
import { type CgroupLimits, type CgroupUsage, readCgroupLimits, readCgroupUsage } from "../../kernel/cgroup/depth.ts"
import {
  type CgroupLayout,
  detectLayout,
  findContainerCgroup,
  type HostCpuCounters,
  readCgroupCounters,
  readHostCpuCounters,
  readProcessNetDev
} from "../../kernel/cgroup/stats.ts"
import type { KernelFs } from "../../kernel/fs.ts"
import { type Negotiated, negotiate } from "./apiVersion.ts"
import * as DockerClient from "./DockerClient.ts"
import { DockerError } from "./DockerError.ts"
import { INSPECT_CALL, listCall, STATS_CALL, VERSION_CALL } from "./dockerCalls.ts"
import {
  ContainerInspect,
  ContainerList,
  type ContainerListItem,
  ContainerStatsAnswer,
  DockerVersion
} from "./dockerSchemas.ts"
import { containerReading, countersFromCgroup, countersFromStatsAnswer } from "./reading.ts"

/**
 * The longest gap between two samples across which a restart cannot hide: Docker's Status counts
 * an uptime under a minute in seconds ("Up 42 seconds", "Up Less than a second"), so a container
 * that restarted since a sample less than a minute ago always reads so.
 */
export const RESTART_VISIBLE_MS = 60_000

/** How long an inspect answer may stand in for a new one at most, whatever the list says. */
export const INSPECT_REUSE_MS = 10 * 60_000

// What Docker's Status adds after the uptime: " (healthy)", " (health: starting)", " (Paused)".
const statusTail = (status: string): string => {
  const open = status.indexOf("(")
  return open === -1 ? "" : status.slice(open)
}

/**
 * Whether the last inspect of a container still tells its state, health, restart count and start
 * time: it is running, as at that inspect, with the same health in its Status; its uptime is not
 * counted in seconds (it restarted less than a minute ago); the last sample that saw it was less
 * than RESTART_VISIBLE_MS ago (so a restart since would read in seconds now); and that inspect is
 * under INSPECT_REUSE_MS old. Anything else (stopped, restarting, paused, health changed, a
 * restart, a long gap) inspects again. The uptime itself may move on: "Up 3 minutes" becoming
 * "Up 4 minutes" tells nothing new.
 */
export const inspectStillHolds = (
  previous: {
    readonly state: string | undefined
    readonly status: string
    readonly at: number
    readonly seenAt: number
  },
  item: ContainerListItem,
  now: number
): boolean =>
  item.State === "running" &&
  previous.state === item.State &&
  statusTail(previous.status) === statusTail(item.Status) &&
  !/second/i.test(item.Status) &&
  now - previous.seenAt < RESTART_VISIBLE_MS &&
  now - previous.at < INSPECT_REUSE_MS

interface KnownInspect {
  readonly state: string | undefined
  readonly status: string
  /** When it was inspected. */
  readonly at: number
  /** The last sample that listed it and found this inspect still held. */
  readonly seenAt: number
  readonly inspect: ContainerInspect
}

const vanished = <A>(effect: Effect.Effect<A, DockerError>) =>
  Effect.catchIf(
    effect,
    (e) => e.reason === "not-found",
    () => Effect.succeed(undefined)
  )

const tooManyContainers = (count: number, config: { readonly stackLabel: string; readonly maxContainers: number }) =>
  new DockerError({
    reason: "bad-response",
    detail:
      `${count} containers carry the label ${config.stackLabel}, more than the ${config.maxContainers} ` +
      `this service follows (${MAX_CONTAINERS_VARIABLE})`
  })

/** The collector's reader on the configured DOCKER_HOST (needs a DockerClient). */
export const make = Effect.gen(function* () {
  const config = yield* AppConfig
  const docker = yield* DockerClient.DockerClient
  // Negotiated once, and again after any failure: a daemon that comes back may be a new version.
  let negotiated: Negotiated | undefined
  let lastNegotiated: string | undefined
  // Containers whose stats call timed out, and in how many samples in a row.
  const timingOut = new Map<string, number>()
  // The last inspect of each listed container. Idle CPU is mostly HTTP round trips to dockerd:
  // a running container whose list entry is unchanged is not inspected again every sample.
  const inspected = new Map<string, KnownInspect>()
  const labelFilter = encodeURIComponent(JSON.stringify({ label: [config.stackLabel] }))
  const fs: KernelFs = { proc: config.hostProc, sys: config.hostSys, root: config.hostRoot }
  const layout: CgroupLayout =
    config.containerStatsSource === "api" ? { version: "none" } : detectLayout(config.hostSys)
  // Each running container's cgroup once found; and the ones whose cgroup read failed, logged once.
  const cgroups = new Map<string, string>()
  const cgroupFailures = new Set<string>()
  // The containers whose depth files (limits, throttling, OOM kills, pids, pressure) failed, logged once.
  const depthFailures = new Set<string>()
  // Each container's cgroup limits, with the inspect answer they were read beside: read again only
  // with a new inspect (a restart, a change of state, at least every INSPECT_REUSE_MS), since only
  // `docker update` changes them, and each file read costs tens of microseconds on a busy machine.
  const limitsRead = new Map<string, { readonly inspect: ContainerInspect; readonly limits: CgroupLimits }>()

  const apiVersion = Effect.gen(function* () {
    if (negotiated !== undefined) return negotiated
    const daemon = yield* docker.get("/version", DockerVersion, VERSION_CALL)
    const result = negotiate(daemon)
    if (result._tag === "Unsupported") {
      return yield* new DockerError({
        reason: "bad-response",
        detail: `cannot talk to ${docker.endpoint}: ${result.problem}`
      })
    }
    negotiated = result.negotiated
    // A daemon that answers /version while the list fails is negotiated again at every sample;
    // the line is written only when what was negotiated changes.
    if (negotiated.version === lastNegotiated) return negotiated
    lastNegotiated = negotiated.version
    yield* Effect.logInfo("docker API negotiated").pipe(
      Effect.annotateLogs({
        endpoint: docker.endpoint,
        apiVersion: negotiated.version,
        oneShot: negotiated.oneShot,
        statsSource: layout.version === "none" ? "docker-api" : `cgroup v${layout.version}, else docker-api`
      })
    )
    return negotiated
  })

  // A stats call that times out leaves the container in with null figures, since one wedged
  // cgroup must not hide the others. "vanished" when the container went away meanwhile.
  const statsOf = (api: Negotiated, id: string, name: string) =>
    docker
      .get(
        `/v${api.version}/containers/${id}/stats?${api.oneShot ? "stream=false&one-shot=true" : "stream=false"}`,
        ContainerStatsAnswer,
        STATS_CALL
      )
      .pipe(
        Effect.map((stats): ContainerCounters | "vanished" | undefined => countersFromStatsAnswer(stats)),
        Effect.tap(() => {
          const missed = timingOut.get(id)
          if (missed === undefined) return Effect.void
          timingOut.delete(id)
          return Effect.logInfo("container stats answer again").pipe(
            Effect.annotateLogs({ container: name, timedOutSamples: missed })
          )
        }),
        Effect.catchIf(
          (e) => e.reason === "not-found",
          () => Effect.succeed("vanished" as const)
        ),
        Effect.catchIf(
          (e) => e.reason === "timeout",
          (e) => {
            // Logged when it starts and when it ends (above), with a count, not at every sample.
            const missed = (timingOut.get(id) ?? 0) + 1
            timingOut.set(id, missed)
            return Effect.as(
              missed > 1
                ? Effect.void
                : Effect.logWarning("container stats timed out").pipe(
                    Effect.annotateLogs({ container: name, error: e.detail })
                  ),
              undefined
            )
          }
        )
      )

  // The container's counters from cgroupfs (kernel/cgroup/stats.ts), or undefined to ask the API:
  // its cgroup is not where dockerd's drivers put it, or a file could not be read or parsed. A
  // missing file means the container is stopping, which the API call then tells; anything else
  // is logged once per container, with the file and the reason.
  const cgroupStatsOf = (id: string, inspect: ContainerInspect, host: HostCpuCounters | undefined) =>
    Effect.gen(function* () {
      if (host === undefined || layout.version === "none") return undefined
      const cgroup = cgroups.get(id) ?? findContainerCgroup(layout, id)
      if (cgroup === undefined) return undefined
      const pid = inspect.State.Pid ?? 0
      // --network host shares the host's interfaces, which Docker never counts.
      const counted = inspect.HostConfig?.NetworkMode !== "host" && pid > 0
      const result = Result.gen(function* () {
        const counters = yield* readCgroupCounters(layout, cgroup)
        const interfaces = counted ? yield* readProcessNetDev(fs, pid) : undefined
        return { counters, interfaces }
      })
      if (Result.isSuccess(result)) {
        cgroups.set(id, cgroup)
        const depth = yield* depthOf(id, cgroup, inspect)
        const { counters, interfaces } = result.success
        return { counters: countersFromCgroup(counters, host, interfaces, depth?.usage), limits: depth?.limits }
      }
      cgroups.delete(id)
      const error = result.failure
      if (!(error._tag === "HostReadError" && error.kind === "not-found") && !cgroupFailures.has(id)) {
        cgroupFailures.add(id)
        yield* Effect.logWarning("container cgroup unreadable, using the Docker stats API").pipe(
          Effect.annotateLogs({ container: id.slice(0, 12), error: error.message })
        )
      }
      return undefined
    })

  // The depth figures beside the counters. A file that exists but cannot be read or parsed leaves
  // them all unknown for this sample (the counters still stand), logged once per container.
  const depthOf = (id: string, cgroup: string, inspect: ContainerInspect) =>
    Effect.gen(function* () {
      if (layout.version === "none") return undefined
      const kept = limitsRead.get(id)
      const depth = Result.gen(function* () {
        const limits = kept?.inspect === inspect ? kept.limits : yield* readCgroupLimits(layout, cgroup)
        const usage = yield* readCgroupUsage(layout, cgroup)
        return { limits, usage }
      })
      if (Result.isSuccess(depth)) {
        depthFailures.delete(id)
        limitsRead.set(id, { inspect, limits: depth.success.limits })
        return depth.success as { readonly limits: CgroupLimits; readonly usage: CgroupUsage }
      }
      limitsRead.delete(id)
      if (!depthFailures.has(id)) {
        depthFailures.add(id)
        yield* Effect.logWarning("container cgroup limits unreadable").pipe(
          Effect.annotateLogs({ container: id.slice(0, 12), error: depth.failure.message })
        )
      }
      return undefined
    })

  // /proc/stat and MemTotal for the cgroup figures; undefined (so the API for every container) when
  // they cannot be read, which the host section reports in its own words.
  const hostCounters = Effect.sync(() => Result.getOrUndefined(readHostCpuCounters(fs)))

  // Inspect gives the health, restart count and start time (for every container: a restarting
  // one is seldom running when listed), unless the last one still holds (inspectStillHolds);
  // stats only for a running one. A 404 on either means the
  // container went away after the list: it is left out, not an error. Every call has its own
  // timeout, so a container costs at most two of them; an inspect that times out means the
  // daemon itself hangs, and fails the sample.
  const one = (api: Negotiated, item: ContainerListItem, host: HostCpuCounters | undefined) =>
    Effect.gen(function* () {
      const id = encodeURIComponent(item.Id)
      const before = yield* Clock.currentTimeMillis
      const known = inspected.get(item.Id)
      const inspect =
        known !== undefined && inspectStillHolds(known, item, before)
          ? known.inspect
          : yield* vanished(docker.get(`/v${api.version}/containers/${id}/json`, ContainerInspect, INSPECT_CALL))
      if (inspect === undefined) {
        inspected.delete(item.Id)
        return undefined
      }
      inspected.set(
        item.Id,
        inspect === known?.inspect
          ? { ...known, status: item.Status, seenAt: before }
          : { state: item.State, status: item.Status, at: before, seenAt: before, inspect }
      )
      const fromCgroup = inspect.State.Status === "running" ? yield* cgroupStatsOf(item.Id, inspect, host) : undefined
      const stats =
        fromCgroup?.counters ??
        (inspect.State.Status === "running"
          ? yield* statsOf(api, id, (item.Names?.[0] ?? item.Id).replace(/^\//, ""))
          : undefined)
      if (stats === "vanished") {
        inspected.delete(item.Id)
        return undefined
      }
      return containerReading(item, inspect, stats, fromCgroup?.limits)
    })

  const sample = Effect.gen(function* () {
    const api = yield* apiVersion
    const list = yield* docker.get(
      `/v${api.version}/containers/json?all=true&filters=${labelFilter}`,
      ContainerList,
      listCall(config.maxContainers)
    )
    // Past the maximum, the section fails naming the count rather than inspect and keep state
    // for every container: thousands of them took the process past its heap limit.
    if (list.length > config.maxContainers) return yield* tooManyContainers(list.length, config)
    // Once per sample for every container, as dockerd reads them once per tick.
    const host = layout.version === "none" ? undefined : yield* hostCounters
    const found = yield* Effect.forEach(list, (item) => one(api, item, host), {
      concurrency: config.dockerConcurrency
    })
    const containers = found
      .filter((c): c is ContainerReading => c !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    const listed = new Set(list.map((item) => item.Id))
    for (const id of inspected.keys()) if (!listed.has(id)) inspected.delete(id)
    for (const id of cgroups.keys()) if (!listed.has(id)) cgroups.delete(id)
    for (const id of cgroupFailures) if (!listed.has(id)) cgroupFailures.delete(id)
    for (const id of depthFailures) if (!listed.has(id)) depthFailures.delete(id)
    for (const id of limitsRead.keys()) if (!listed.has(id)) limitsRead.delete(id)
    for (const id of timingOut.keys()) if (!listed.has(id)) timingOut.delete(id)
    const at = yield* Clock.currentTimeMillis
    return { at, containers }
  }).pipe(
    Effect.tapError(() =>
      Effect.sync(() => {
        negotiated = undefined
        // The daemon may have restarted, and every container with it.
        inspected.clear()
      })
    ),
    Effect.mapError((e) => e.toSampleError())
  )

  return { read: Effect.fn("ContainerCollector.read")(() => sample) }
})
