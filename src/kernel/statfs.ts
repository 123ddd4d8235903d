// statfs(2) of a path under HOST_ROOT: df's figures come from it.

import * as fs from "node:fs/promises"
import type { Effect } from "effect"
import { HostReadError, InFlight } from "./read.ts"

export interface FsUsage {
  /** st_dev of the path: two paths with the same dev are on one filesystem. */
  readonly dev: bigint
  readonly blockSize: bigint
  readonly blocks: bigint
  readonly blocksFree: bigint
  readonly blocksAvailable: bigint
}

const statfsCalls = new InFlight<FsUsage>()

const toError = (path: string, cause: unknown) => {
  const code =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : "unknown"
  const kind = code === "ENOENT" || code === "ENOTDIR" ? "not-found" : code === "EACCES" ? "permission-denied" : "io"
  return new HostReadError({ path, kind, code })
}

/** statfs of a path (one in flight per path at most: see read.ts's InFlight). */
export const statFilesystem = (path: string): Effect.Effect<FsUsage, HostReadError> =>
  statfsCalls.run(
    path,
    async () => {
      const [st, sfs] = await Promise.all([fs.stat(path, { bigint: true }), fs.statfs(path, { bigint: true })])
      // df counts in f_frsize units; f_bsize is only the preferred IO size (equal on ext4, not
      // everywhere). bsize stays as the fallback where a platform leaves frsize at zero.
      return {
        dev: st.dev,
        blockSize: sfs.frsize > 0n ? sfs.frsize : sfs.bsize,
        blocks: sfs.blocks,
        blocksFree: sfs.bfree,
        blocksAvailable: sfs.bavail
      }
    },
    (cause) => toError(path, cause)
  )
