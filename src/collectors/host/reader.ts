// The collector's only door to the file system: each call is one syscall-sized read wrapped in
// an Effect, with the errno mapped to a typed error that names the path.

import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import { Effect, Result, Schema } from "effect"

export const ReadErrorKind = Schema.Literals(["not-found", "permission-denied", "io"])
export type ReadErrorKind = typeof ReadErrorKind.Type

export class HostReadError extends Schema.TaggedError<HostReadError>()("HostReadError", {
  path: Schema.String,
  kind: ReadErrorKind,
  code: Schema.String
}) {
  override get message(): string {
    return this.kind === "not-found"
      ? `${this.path}: does not exist`
      : this.kind === "permission-denied"
        ? `${this.path}: permission denied`
        : `${this.path}: cannot be read (${this.code})`
  }
}

const toReadError = (path: string) => (cause: unknown) => {
  const code =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : "unknown"
  const kind: ReadErrorKind =
    code === "ENOENT" || code === "ENOTDIR"
      ? "not-found"
      : code === "EACCES" || code === "EPERM"
        ? "permission-denied"
        : "io"
  return new HostReadError({ path, kind, code })
}

export const readText = (path: string): Effect.Effect<string, HostReadError> =>
  Effect.tryPromise({ try: () => fs.readFile(path, "utf8"), catch: toReadError(path) })

/**
 * A procfs or cgroupfs file, read synchronously. Both generate their text from kernel memory at
 * read time: they never wait on a disk or a bus, so the read takes microseconds, while the
 * promise API costs a thread-pool round trip per syscall (open, fstat, read, read, close), about
 * ten times the CPU. Not for the rest of /sys (a driver may sleep on its bus) nor for files under
 * HOST_ROOT (a disk): those stay on readText.
 */
export const readKernelTextSync = (path: string): Result.Result<string, HostReadError> => {
  try {
    return Result.succeed(fsSync.readFileSync(path, "utf8"))
  } catch (cause) {
    return Result.fail(toReadError(path)(cause))
  }
}

/** readKernelTextSync as an Effect. */
export const readKernelText = (path: string): Effect.Effect<string, HostReadError> =>
  Effect.suspend(() => Effect.fromResult(readKernelTextSync(path)))

/** readKernelText, or undefined when the file does not exist. */
export const readKernelOptional = (path: string): Effect.Effect<string | undefined, HostReadError> =>
  readKernelText(path).pipe(
    Effect.catchIf(
      (e) => e.kind === "not-found",
      () => Effect.succeed(undefined)
    )
  )

/** The text, or undefined when the file does not exist; other errors still fail. */
export const readOptional = (path: string): Effect.Effect<string | undefined, HostReadError> =>
  readText(path).pipe(
    Effect.catchIf(
      (e) => e.kind === "not-found",
      () => Effect.succeed(undefined)
    )
  )

export const readDir = (path: string): Effect.Effect<ReadonlyArray<string>, HostReadError> =>
  Effect.tryPromise({ try: () => fs.readdir(path), catch: toReadError(path) })

/** Entries of a directory, or none when it does not exist. */
export const readDirOptional = (path: string): Effect.Effect<ReadonlyArray<string>, HostReadError> =>
  readDir(path).pipe(
    Effect.catchIf(
      (e) => e.kind === "not-found",
      () => Effect.succeed([])
    )
  )

export interface FsUsage {
  /** st_dev of the path: two paths with the same dev are on one filesystem. */
  readonly dev: bigint
  readonly blockSize: bigint
  readonly blocks: bigint
  readonly blocksFree: bigint
  readonly blocksAvailable: bigint
}

export const statFilesystem = (path: string): Effect.Effect<FsUsage, HostReadError> =>
  Effect.tryPromise({
    try: async () => {
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
    catch: toReadError(path)
  })
