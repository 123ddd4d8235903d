import * as os from "node:os"
import { Clock, Duration, Effect, Result } from "effect"
import type { FilesystemReading, HostReading, WithFallback, ZoneReading } from "../../domain/HostReading.ts"
import { PermissionDenied, SampleError, SourceUnavailable, Unparsable } from "../../domain/SampleError.ts"
import { readCpufreq } from "../../kernel/cpufreq.ts"
import { readModel } from "../../kernel/deviceTreeModel.ts"
import { readDiskstats } from "../../kernel/diskstats.ts"
import { type KernelFs, rootPath } from "../../kernel/fs.ts"
import { readHostname } from "../../kernel/hostname.ts"
import { findUnderVoltageAlarm, readHwmonAlarm } from "../../kernel/hwmonAlarm.ts"
import { readKernelRelease } from "../../kernel/kernelRelease.ts"
import { readLoadavg } from "../../kernel/loadavg.ts"
import { readMeminfo } from "../../kernel/meminfo.ts"
import { readMinFreeBytes } from "../../kernel/minFreeKbytes.ts"
import { readHostNetDev } from "../../kernel/netDev.ts"
import { readOsRelease } from "../../kernel/osRelease.ts"
import { readPressure } from "../../kernel/pressure.ts"
import { ReadDeadline } from "../../kernel/read.ts"
import type { SourceError } from "../../kernel/source.ts"
import { readStat } from "../../kernel/stat.ts"
import { type FsUsage, statFilesystem } from "../../kernel/statfs.ts"
import { cpuZoneIndex, listThermalZones, readZoneTemperature, type ThermalZones } from "../../kernel/thermal.ts"
import { readUptime } from "../../kernel/uptime.ts"
import { makeInterfaceFilter } from "./interfaceFilter.ts"
import { refreshEvery, SLOW_SOURCE_MILLIS } from "./refresh.ts"

export interface HostCollectorOptions {
  readonly fs: KernelFs
  /** Interface names or * patterns left out of the network figures. */
  readonly networkExclude: ReadonlyArray<string>
  /** Host paths measured besides / and /var/lib/docker. */
  readonly extraDisks: ReadonlyArray<string>
}

/** The host paths to measure: /, Docker's data root, then SYSTEM_PROFILER_EXTRA_DISKS, each once. */
export const diskPaths = (extraDisks: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...new Set(["/", "/var/lib/docker", ...extraDisks])
]

// The required groups (/proc/stat, /proc/loadavg, /proc/meminfo): their failure is the section's.
export const requiredFailed = (error: SourceError): SampleError =>
  new SampleError({
    section: "host",
    reason:
      error._tag === "HostParseError"
        ? new Unparsable({ detail: error.message })
        : error.kind === "permission-denied"
          ? new PermissionDenied({ detail: error.message })
          : new SourceUnavailable({ detail: error.message })
  })

// Fixed for the life of the process; os.machine() makes a uname call every time it is asked.
const PLATFORM = os.platform()
const ARCH = os.machine()

// A figure from a file, or, when the file fails, the same figure from the running kernel: the
// kernel, its uptime and its machine name are the host's also inside a container.
const orKernel = <A>(read: Effect.Effect<A | undefined, SourceError>, kernel: () => A, note: string) =>
  read.pipe(
    Effect.map((value): WithFallback<A> => ({ value: value ?? kernel(), error: null })),
    Effect.catch((e) => Effect.succeed<WithFallback<A>>({ value: kernel(), error: `${e.message}; ${note}` }))
  )

const optional = <A>(read: Effect.Effect<A | undefined, SourceError>) =>
  read.pipe(
    Effect.map((value): WithFallback<A | null> => ({ value: value ?? null, error: null })),
    Effect.catch((e) => Effect.succeed<WithFallback<A | null>>({ value: null, error: e.message }))
  )

/**
 * statfs of every path under HOST_ROOT. Paths with the same st_dev are one filesystem, reported
 * once with all their names; a path that cannot be measured in time (the ReadDeadline) is
 * reported unavailable.
 */
const readFilesystems = (fs: KernelFs, extraDisks: ReadonlyArray<string>) =>
  Effect.forEach(
    diskPaths(extraDisks),
    (mountPoint) =>
      statFilesystem(rootPath(fs, mountPoint)).pipe(
        Effect.map((usage) => ({ mountPoint, usage }) as const),
        Effect.catch((e) => Effect.succeed({ mountPoint, error: e.message } as const))
      ),
    { concurrency: "unbounded" }
  ).pipe(
    Effect.map((measured) => {
      const byDevice = new Map<bigint, { usage: FsUsage; mountPoints: Array<string> }>()
      const unavailable: Array<{ mountPoint: string; error: string }> = []
      for (const m of measured) {
        if ("error" in m) {
          unavailable.push({ mountPoint: m.mountPoint, error: m.error })
          continue
        }
        const same = byDevice.get(m.usage.dev)
        if (same === undefined) byDevice.set(m.usage.dev, { usage: m.usage, mountPoints: [m.mountPoint] })
        else same.mountPoints.push(m.mountPoint)
      }
      const filesystems: ReadonlyArray<FilesystemReading> = [...byDevice.values()]
      return { filesystems, unavailable }
    })
  )

// A zone's temp can refuse to be read (EINVAL, ENODATA) while its device sleeps, as iwlwifi's
// does with the radio off: that zone has no reading now, the others still count.
export const readZones = (list: ThermalZones): Effect.Effect<ReadonlyArray<ZoneReading>> =>
  Effect.forEach(
    list.zones,
    (info) =>
      Effect.result(readZoneTemperature(list.dir, info.zone)).pipe(
        Effect.map((temp): ZoneReading => {
          const errors = [info.typeError?.message ?? null, temp._tag === "Failure" ? temp.failure.message : null]
          const error = errors.filter((e): e is string => e !== null).join("; ")
          return {
            zone: info.zone,
            type: info.type,
            celsius: temp._tag === "Success" ? (temp.success ?? null) : null,
            error: error === "" ? null : error
          }
        })
      ),
    { concurrency: "unbounded" }
  )

/** The zone that is the CPU's, or undefined. */
export const cpuZone = (zones: ReadonlyArray<ZoneReading>): ZoneReading | undefined =>
  zones[cpuZoneIndex(zones.map((z) => z.type))]

/**
 * How long the optional groups of a sample may take, all together (the ReadDeadline of their
 * calls): a stuck source (a hung mount, a sleeping bus) fails only itself.
 */
export const groupDeadline = (budget: Duration.Duration): Duration.Duration =>
  Duration.min(Duration.seconds(2), Duration.times(budget, 0.5))

/**
 * A reader of the host: every call reads every source. Sources that change rarely are read once
 * a minute, those fixed until the next boot (the kernel release, the device-tree model) once: a
 * reboot restarts this process as well. Called by one fiber at a time (the sampling fiber).
 */
export const makeHostReader = (options: HostCollectorOptions) =>
  Effect.gen(function* () {
    const { fs } = options
    const keepInterface = makeInterfaceFilter(options.networkExclude)
    const thermalZones = yield* refreshEvery(SLOW_SOURCE_MILLIS, listThermalZones(fs))
    const hostname = yield* refreshEvery(
      SLOW_SOURCE_MILLIS,
      orKernel(readHostname(fs), () => os.hostname(), "hostname from this process's kernel namespace")
    )
    const osName = yield* refreshEvery(SLOW_SOURCE_MILLIS, optional(readOsRelease(fs)))
    const kernelRelease = yield* refreshEvery(
      Duration.infinity,
      orKernel(readKernelRelease(fs), () => os.release(), "kernel from uname")
    )
    const model = yield* refreshEvery(Duration.infinity, optional(readModel(fs)))
    const underVoltageAlarm = yield* refreshEvery(SLOW_SOURCE_MILLIS, findUnderVoltageAlarm(fs))
    const underVoltage = optional(
      Effect.flatMap(underVoltageAlarm, (file) =>
        file === undefined ? Effect.succeed(undefined) : readHwmonAlarm(file)
      )
    )

    return Effect.fn("HostCollector.read")(function* (budget: Duration.Duration) {
      const at = yield* Clock.currentTimeMillis
      const monotonicNanos = yield* Clock.monotonicTimeNanos
      // The procfs files are read synchronously (read.ts): one after the other in this fiber,
      // since a fiber each would only add to their cost. Only the reads that may wait (/sys on
      // the thread pool, statfs under HOST_ROOT) run side by side, each call within the
      // ReadDeadline, so that a stuck one fails only its own figure.
      const procfs = yield* Effect.all({
        stat: Effect.mapError(readStat(fs), requiredFailed),
        load: Effect.mapError(readLoadavg(fs), requiredFailed),
        meminfo: Effect.mapError(readMeminfo(fs), requiredFailed),
        network: Effect.result(readHostNetDev(fs)),
        diskIo: Effect.result(readDiskstats(fs)),
        pressure: Effect.result(readPressure(fs)),
        uptime: orKernel(readUptime(fs), () => os.uptime(), "uptime from sysinfo")
      })
      const waiting = yield* Effect.all(
        {
          thermal: Effect.result(Effect.flatMap(thermalZones, readZones)),
          filesystems: readFilesystems(fs, options.extraDisks),
          model,
          frequency: Effect.result(readCpufreq(fs)),
          underVoltage,
          hostname,
          osName,
          kernelRelease
        },
        { concurrency: "unbounded" }
      ).pipe(Effect.provideService(ReadDeadline, ReadDeadline.in(groupDeadline(budget))))
      const read = { ...procfs, ...waiting }
      // Without the watermark the estimate is a little high; that beats having no figure at all.
      const minFreeBytes =
        read.meminfo.memAvailable !== undefined
          ? 0
          : ((yield* readMinFreeBytes(fs).pipe(Effect.orElseSucceed(() => undefined))) ?? 0)
      const network = Result.map(read.network, (n) => ({
        source: n.source,
        interfaces: n.interfaces.filter((i) => keepInterface(i.name))
      }))
      return {
        at,
        monotonicNanos,
        stat: read.stat,
        load: read.load,
        meminfo: read.meminfo,
        minFreeBytes,
        filesystems: read.filesystems.filesystems,
        filesystemsUnavailable: read.filesystems.unavailable,
        diskIo: read.diskIo,
        network,
        thermal: read.thermal,
        pressure: read.pressure,
        board: {
          model: read.model.value,
          cpuFrequencyMhz: read.frequency._tag === "Success" ? (read.frequency.success ?? null) : null,
          underVoltage: read.underVoltage.value,
          errors: [
            read.model.error,
            read.frequency._tag === "Failure" ? read.frequency.failure.message : null,
            read.underVoltage.error
          ].filter((e): e is string => e !== null)
        },
        system: {
          hostname: read.hostname,
          osName: read.osName,
          kernelRelease: read.kernelRelease,
          uptimeSeconds: read.uptime,
          platform: PLATFORM,
          arch: ARCH
        }
      } satisfies HostReading
    })
  })
