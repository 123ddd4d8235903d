// The few file-system questions the checks ask beyond reading a file (collectors/host/reader.ts
// reads): does a path exist and what is it, where does a link point, may this process write
// there. Each is one syscall; a missing path is an answer (undefined), any other errno a
// HostReadError that names the path.

import type { Stats } from "node:fs"
import * as fs from "node:fs/promises"
import { Effect } from "effect"
import { HostReadError } from "../kernel/read.ts"

const errnoOf = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : "unknown"

const isMissing = (code: string) => code === "ENOENT" || code === "ENOTDIR"

const readError = (path: string, code: string) =>
  new HostReadError({
    path,
    code,
    kind: isMissing(code) ? "not-found" : code === "EACCES" || code === "EPERM" ? "permission-denied" : "io"
  })

/** A call that answers undefined when the path does not exist. */
const optional = <A>(path: string, call: () => Promise<A>): Effect.Effect<A | undefined, HostReadError> =>
  Effect.tryPromise({ try: call, catch: errnoOf }).pipe(
    Effect.catch((code) => (isMissing(code) ? Effect.succeed(undefined) : Effect.fail(readError(path, code))))
  )

/** stat(2), following links; undefined when nothing is there. */
export const statOptional = (path: string): Effect.Effect<Stats | undefined, HostReadError> =>
  optional(path, () => fs.stat(path))

/** The target of a symbolic link as written; undefined when there is no such link. */
export const readLinkOptional = (path: string): Effect.Effect<string | undefined, HostReadError> =>
  optional(path, () => fs.readlink(path))

/**
 * Whether this process may create files in `path`, by access(2): it answers for this process's
 * uid and groups, and says EROFS on a read-only mount, without writing anything.
 */
export const writable = (path: string): Effect.Effect<{ readonly ok: true } | { readonly ok: false; code: string }> =>
  Effect.tryPromise({ try: () => fs.access(path, fs.constants.W_OK | fs.constants.X_OK), catch: errnoOf }).pipe(
    Effect.match({ onSuccess: () => ({ ok: true }) as const, onFailure: (code) => ({ ok: false, code }) as const })
  )
