// statfs(2) of a path under HOST_ROOT: df's figures come from it.

import * as fs from "node:fs/promises"
import { Effect } from "effect"
import { HostReadError } from "./read.ts"

export interface FsUsage {
  /** st_dev of the path: two paths with the same dev are on one filesystem. */
  readonly dev: bigint
  readonly blockSize: bigint
  readonly blocks: bigint
  readonly blocksFree: bigint
  readonly blocksAvailable: bigint
}

// A statfs on a dead network or FUSE mount never returns and holds a thread of libuv's pool for
// as long; a second one on the same path would hold another, until the pool (which DNS lookups
// share) is gone. So one path has at most one statfs in flight: a call while one is pending
// fails at once, naming the path.
const pending = new Set<string>()

const toError = (path: string, cause: unknown) => {
  const code =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : "unknown"
  const kind = code === "ENOENT" || code === "ENOTDIR" ? "not-found" : code === "EACCES" ? "permission-denied" : "io"
  return new HostReadError({ path, kind, code })
}

export const statFilesystem = (path: string): Effect.Effect<FsUsage, HostReadError> =>
  Effect.suspend(() => {
    if (pending.has(path)) {
      return Effect.fail(new HostReadError({ path, kind: "io", code: "an earlier statfs has not returned yet" }))
    }
    pending.add(path)
    const call = Promise.all([fs.stat(path, { bigint: true }), fs.statfs(path, { bigint: true })]).finally(() =>
      pending.delete(path)
    )
    return Effect.tryPromise({
      try: async () => {
        const [st, sfs] = await call
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
      catch: (cause) => toError(path, cause)
    })
  })
