// statfs(2) of a path under HOST_ROOT: df's figures come from it.

import type { Effect } from "effect"
import { blockingCalls, type StatfsAnswer } from "./blocking.ts"
import { type HostReadError, InFlight, toReadError } from "./read.ts"

export interface FsUsage {
  /** st_dev of the path: two paths with the same dev are on one filesystem. */
  readonly dev: bigint
  readonly blockSize: bigint
  readonly blocks: bigint
  readonly blocksFree: bigint
  readonly blocksAvailable: bigint
}

const statfsCalls = new InFlight<FsUsage>()

/** statfs of a path, on a worker of its own (blocking.ts), one in flight per path at most (read.ts's InFlight). */
export const statFilesystem = (path: string): Effect.Effect<FsUsage, HostReadError> =>
  statfsCalls.run(
    path,
    async () => {
      const answer = await blockingCalls.run({ op: "statfs", path })
      if (!answer.ok) throw answer
      const sfs = answer.value as StatfsAnswer
      // df counts in f_frsize units; f_bsize is only the preferred IO size (equal on ext4, not
      // everywhere). bsize stays as the fallback where a platform leaves frsize at zero.
      return {
        dev: sfs.dev,
        blockSize: sfs.frsize > 0n ? sfs.frsize : sfs.bsize,
        blocks: sfs.blocks,
        blocksFree: sfs.bfree,
        blocksAvailable: sfs.bavail
      }
    },
    (cause) => toReadError(path)(cause)
  )
