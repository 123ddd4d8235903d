import type { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { type DiskCounters, isWholeDisk, parseDiskstats } from "../parsers/diskstats.ts"
import { counterRate } from "../rates.ts"
import { groupError, type HostPaths, readKernelParsedOptional, type SourceError, under } from "../source.ts"

// diskstats counts 512-byte sectors whatever the device's real sector size (see the kernel's
// Documentation/admin-guide/iostats.rst).
const SECTOR_BYTES = 512

/** undefined when the host has no /proc/diskstats (a kernel without block IO accounting). */
export const readDiskIo = (paths: HostPaths): Effect.Effect<ReadonlyArray<DiskCounters> | undefined, SourceError> =>
  readKernelParsedOptional(under(paths.proc, "diskstats"), parseDiskstats)

export type DiskIoCounters = ReadonlyMap<string, { readonly read: number; readonly written: number }>

export const diskIoCounters = (disks: ReadonlyArray<DiskCounters>): DiskIoCounters =>
  new Map(
    disks
      .filter((d) => isWholeDisk(d.name))
      .map((d) => [d.name, { read: d.sectorsRead * SECTOR_BYTES, written: d.sectorsWritten * SECTOR_BYTES }])
  )

/** The figures of this sample's counters (see diskIoCounters), with rates against the previous. */
export const diskIoStats = (
  counters: DiskIoCounters | undefined,
  previous: DiskIoCounters | undefined,
  elapsedSeconds: number
): HostStats["diskIo"] => {
  if (counters === undefined) return { available: false, error: null, devices: [] }
  const devices = [...counters].map(([name, now]) => {
    const before = previous?.get(name)
    return {
      name,
      readBytes: now.read,
      writtenBytes: now.written,
      readBytesPerSecond: counterRate(before?.read, now.read, elapsedSeconds),
      writeBytesPerSecond: counterRate(before?.written, now.written, elapsedSeconds)
    }
  })
  return { available: true, error: null, devices }
}

export const diskIoUnavailable = (error: SourceError): HostStats["diskIo"] => ({
  available: false,
  error: groupError(error),
  devices: []
})
