import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { type FsUsage, statFilesystem } from "../reader.ts"
import { type HostPaths, round2, under } from "../source.ts"

const STATFS_TIMEOUT = "2 seconds"

/** The host paths to measure: /, Docker's data root, then SYSTEM_PROFILER_EXTRA_DISKS, each once. */
export const diskPaths = (extraDisks: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...new Set(["/", "/var/lib/docker", ...extraDisks])
]

type Measured =
  | { readonly mountPoint: string; readonly usage: FsUsage }
  | { readonly mountPoint: string; readonly error: string }

/** df's figures: used = blocks - bfree, Use% = used / (used + bavail), rounded to 0.01. */
export const diskFigures = (u: FsUsage) => {
  // Some FUSE and network filesystems report more free blocks than blocks; never a negative size.
  const used = u.blocks > u.blocksFree ? u.blocks - u.blocksFree : 0n
  const denominator = used + u.blocksAvailable
  return {
    totalBytes: Number(u.blocks * u.blockSize),
    usedBytes: Number(used * u.blockSize),
    freeBytes: Number(u.blocksAvailable * u.blockSize),
    // Ten-thousandths in bigint, so that a 2^40-block filesystem loses nothing before the division.
    usagePercent: denominator > 0n ? round2(Number((used * 1_000_000n) / denominator) / 10_000) : 0
  }
}

/**
 * statfs of every path under HOST_ROOT. Paths with the same st_dev are one filesystem, reported
 * once with all their names; a path that cannot be measured goes to disksUnavailable.
 */
export const readDisks = (
  paths: HostPaths,
  extraDisks: ReadonlyArray<string>
): Effect.Effect<Pick<HostStats, "disks" | "disksUnavailable">> =>
  Effect.forEach(
    diskPaths(extraDisks),
    (mountPoint) =>
      statFilesystem(under(paths.root, mountPoint)).pipe(
        // A dead network mount blocks statfs: that path is reported unavailable, the sample goes on.
        Effect.timeoutOrElse({
          duration: STATFS_TIMEOUT,
          orElse: () => Effect.fail({ message: `${under(paths.root, mountPoint)}: no answer within 2 seconds` })
        }),
        Effect.map((usage): Measured => ({ mountPoint, usage })),
        Effect.catch((e) => Effect.succeed<Measured>({ mountPoint, error: e.message }))
      ),
    { concurrency: "unbounded" }
  ).pipe(
    Effect.map((measured) => {
      const byDevice = new Map<bigint, { usage: FsUsage; mountPoints: Array<string> }>()
      const disksUnavailable: Array<{ mountPoint: string; error: string }> = []
      for (const m of measured) {
        if ("error" in m) {
          disksUnavailable.push(m)
          continue
        }
        const same = byDevice.get(m.usage.dev)
        if (same === undefined) byDevice.set(m.usage.dev, { usage: m.usage, mountPoints: [m.mountPoint] })
        else same.mountPoints.push(m.mountPoint)
      }
      const disks = [...byDevice.values()].map(({ usage, mountPoints }) => ({
        mountPoint: mountPoints[0]!,
        mountPoints,
        ...diskFigures(usage)
      }))
      return { disks, disksUnavailable }
    })
  )
