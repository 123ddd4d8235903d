import { Clock, Effect, Ref } from "effect"
import type { HostStats } from "../../api/HostStats.ts"
import { CollectorError } from "../CollectorError.ts"
import { findUnderVoltageAlarm, readBoardWith, readModel } from "./groups/board.ts"
import { cpuStats, readCpu } from "./groups/cpu.ts"
import { type DiskIoCounters, diskIoCounters, diskIoStats, diskIoUnavailable, readDiskIo } from "./groups/diskIo.ts"
import { readDisks } from "./groups/disks.ts"
import { memoryStats, readMemory } from "./groups/memory.ts"
import {
  type NetworkCounters,
  networkCounters,
  networkStats,
  networkUnavailable,
  readNetwork
} from "./groups/network.ts"
import { readIdentity, readKernel, readSystemWith } from "./groups/system.ts"
import { listThermalZones, readZoneTemperatures, temperatureUnavailable } from "./groups/thermal.ts"
import { makeInterfaceFilter } from "./interfaceFilter.ts"
import type { ProcStat } from "./parsers/stat.ts"
import { refreshEvery, SLOW_SOURCE_MILLIS } from "./refresh.ts"
import type { HostPaths, SourceError } from "./source.ts"

export interface HostCollectorOptions {
  readonly paths: HostPaths
  /** Interface names or * patterns left out of the network figures. */
  readonly networkExclude: ReadonlyArray<string>
  /** Host paths measured besides / and /var/lib/docker. */
  readonly extraDisks: ReadonlyArray<string>
}

// What the next sample compares against: counters and when they were read.
interface Previous {
  readonly atNanos: bigint
  readonly stat: ProcStat
  readonly network: NetworkCounters | undefined
  readonly diskIo: DiskIoCounters | undefined
}

// The required groups: their failure is the section's, with the reason the API shows.
const required = (error: SourceError): CollectorError =>
  new CollectorError({
    collector: "host",
    reason:
      error._tag === "HostParseError"
        ? "parse-error"
        : error.kind === "permission-denied"
          ? "permission-denied"
          : "unavailable",
    detail: error.message
  })

/**
 * A sampler of the host. Every call reads all sources in parallel and computes rates against the
 * previous call, so it must be called by one fiber at a time (the sampling fiber).
 */
export const makeHostSampler = (
  options: HostCollectorOptions
): Effect.Effect<Effect.Effect<HostStats, CollectorError>> =>
  Effect.gen(function* () {
    const previousRef = yield* Ref.make<Previous | undefined>(undefined)
    const keepInterface = makeInterfaceFilter(options.networkExclude)
    const { paths } = options
    // Sources that change rarely are read once a minute, those fixed until the next boot (the
    // kernel release, the device-tree model) once: a reboot restarts this process as well.
    // Every sample still reads the figures themselves (temperatures, alarm, frequency, uptime).
    const thermalZones = refreshEvery(SLOW_SOURCE_MILLIS, listThermalZones(paths))
    const identity = refreshEvery(SLOW_SOURCE_MILLIS, readIdentity(paths))
    const kernel = refreshEvery(Number.POSITIVE_INFINITY, readKernel(paths))
    const model = refreshEvery(Number.POSITIVE_INFINITY, readModel(paths))
    const underVoltageAlarm = refreshEvery(SLOW_SOURCE_MILLIS, findUnderVoltageAlarm(paths))

    return Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const atNanos = yield* Clock.monotonicTimeNanos
      const read = yield* Effect.all(
        {
          cpu: Effect.mapError(readCpu(paths), required),
          memory: Effect.mapError(readMemory(paths), required),
          network: Effect.result(readNetwork(paths)),
          diskIo: Effect.result(readDiskIo(paths)),
          temperature: Effect.result(Effect.flatMap(thermalZones, readZoneTemperatures)),
          disks: readDisks(paths, options.extraDisks),
          board: readBoardWith(paths, model, underVoltageAlarm),
          system: readSystemWith(paths, identity, kernel)
        },
        { concurrency: "unbounded" }
      )
      const previous = yield* Ref.get(previousRef)
      const elapsedSeconds = previous === undefined ? 0 : Number(atNanos - previous.atNanos) / 1e9
      const network = read.network._tag === "Success" ? read.network.success : undefined
      const diskIo = read.diskIo._tag === "Success" ? read.diskIo.success : undefined
      const diskIoNow = diskIo === undefined ? undefined : diskIoCounters(diskIo)
      yield* Ref.set(previousRef, {
        atNanos,
        stat: read.cpu.stat,
        network: network === undefined ? undefined : networkCounters(network),
        diskIo: diskIoNow
      })
      return {
        sampledAt: new Date(now).toISOString(),
        cpu: cpuStats(read.cpu, previous?.stat),
        memory: memoryStats(read.memory),
        ...read.disks,
        diskIo:
          read.diskIo._tag === "Success"
            ? diskIoStats(diskIoNow, previous?.diskIo, elapsedSeconds)
            : diskIoUnavailable(read.diskIo.failure),
        temperature:
          read.temperature._tag === "Success"
            ? read.temperature.success
            : temperatureUnavailable(read.temperature.failure),
        network:
          read.network._tag === "Success"
            ? networkStats(read.network.success, keepInterface, previous?.network, elapsedSeconds)
            : networkUnavailable(read.network.failure),
        board: read.board,
        system: read.system
      } satisfies HostStats
    })
  })
