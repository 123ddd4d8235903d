// The library's only door to the file system: each call is one bounded read wrapped in an
// Effect, with the errno mapped to a typed error that names the path.
//
// Two things a host tree can hold that a plain readFile cannot survive: a file that never ends
// (/dev/zero linked in place of meminfo, a huge file) and one whose open() blocks (a FIFO). So
// every read opens with O_NONBLOCK (a FIFO's open then returns at once instead of waiting for a
// writer), refuses anything that is not a regular file (procfs and sysfs files are regular
// files), and reads at most a limit sized to what the real file can hold.

import * as fsSync from "node:fs"
import { Context, Duration, Effect, Result, Schema } from "effect"
import { blockingCalls, CHUNK, fileType, NotAsked, OPEN_FLAGS } from "./blocking.ts"

export const ReadErrorKind = Schema.Literals(["not-found", "permission-denied", "not-regular", "too-large", "io"])
export type ReadErrorKind = typeof ReadErrorKind.Type

export class HostReadError extends Schema.TaggedError<HostReadError>()("HostReadError", {
  path: Schema.String,
  kind: ReadErrorKind,
  code: Schema.String
}) {
  override get message(): string {
    switch (this.kind) {
      case "not-found":
        return `${this.path}: does not exist`
      case "permission-denied":
        return `${this.path}: permission denied`
      case "not-regular":
        return `${this.path}: not a regular file (${this.code}); refused`
      case "too-large":
        return `${this.path}: larger than ${this.code} bytes, more than the kernel writes there; refused`
      default:
        return `${this.path}: cannot be read (${this.code})`
    }
  }
}

/** Byte limits by what the file holds: one value, a short table, a table that grows with the machine. */
export const LIMIT = {
  value: 4 * 1024,
  small: 64 * 1024,
  // /proc/stat's intr line and net/dev with hundreds of veth interfaces stay well under this.
  table: 4 * 1024 * 1024
} as const

/**
 * The typed error for what a call threw: an errno, a worker's answer (blocking.ts), or no worker
 * left to make the call.
 */
export const toReadError = (path: string) => (cause: unknown) => {
  if (cause instanceof NotAsked) return new HostReadError({ path, kind: "io", code: `not asked: ${cause.detail}` })
  if (typeof cause === "object" && cause !== null && "refused" in cause && typeof cause.refused === "string") {
    const detail = "detail" in cause && typeof cause.detail === "string" ? cause.detail : ""
    return new HostReadError({ path, kind: cause.refused === "too-large" ? "too-large" : "not-regular", code: detail })
  }
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

// The file type is asked only when the read looks wrong (nothing, more than the limit, or a read
// error), not before every read: procfs and cgroupfs files are always regular, and an fstat per
// file was an extra syscall and a Stats object for every figure of every sample. A FIFO (O_NONBLOCK:
// no writer reads as the end) reads as nothing, /dev/zero as more than the limit, a directory as
// EISDIR; each is then refused as not a regular file, as before. Whatever the file, at most
// limit + 1 bytes are read.
const refusal = (path: string, stat: fsSync.Stats, limit: number, text: string | undefined) =>
  !stat.isFile()
    ? new HostReadError({ path, kind: "not-regular", code: fileType(stat) })
    : text === undefined
      ? new HostReadError({ path, kind: "too-large", code: String(limit) })
      : undefined

// One buffer for every synchronous read (they never overlap): what a kernel file holds fits in it.
let scratch: Buffer | undefined

/**
 * Up to limit + 1 bytes of an open file; undefined when it holds more than `limit`. From the start
 * of the file when `fromStart` (pread), else from where the descriptor stands. The bytes are a
 * view of a shared buffer: valid until the next read.
 */
const readBoundedBytes = (fd: number, limit: number, fromStart = false): Buffer | undefined => {
  scratch ??= Buffer.allocUnsafe(4 * CHUNK)
  let buffer = scratch
  let total = 0
  for (;;) {
    if (total === buffer.length) {
      // Past the shared buffer: a larger one for this file alone, up to the limit.
      const larger = Buffer.allocUnsafe(Math.min(buffer.length * 4, limit + 1))
      buffer.copy(larger, 0, 0, total)
      buffer = larger
    }
    const n = fsSync.readSync(fd, buffer, total, Math.min(buffer.length, limit + 1) - total, fromStart ? total : null)
    if (n === 0) break
    total += n
    if (total > limit) return undefined
  }
  return buffer.subarray(0, total)
}

/** readBoundedBytes as text. */
const readBoundedSync = (fd: number, limit: number, fromStart = false): string | undefined =>
  readBoundedBytes(fd, limit, fromStart)?.toString("utf8")

/**
 * A procfs or cgroupfs file, read synchronously. Both generate their text from kernel memory at
 * read time: they never wait on a disk or a bus, so the read takes microseconds, while the
 * promise API costs a thread-pool round trip per syscall (open, read, read, close), about
 * ten times the CPU. On the event loop, so only where nothing can wait: not for the rest of /sys
 * (a driver may sleep on its bus) nor for files under HOST_ROOT (a disk, maybe a dead mount):
 * those go through readText, which blocking.ts keeps from DNS's threads. (A HOST_PROC that is not
 * a procfs but a copy on a network mount is out of that promise; the doctor flags a HOST_PROC
 * that does not look like /proc.)
 */
export const readKernelTextSync = (path: string, limit: number = LIMIT.small): Result.Result<string, HostReadError> =>
  openAndRead(path, limit, false)

const openAndRead = (path: string, limit: number, keep: boolean): Result.Result<string, HostReadError> => {
  let fd: number | undefined
  try {
    fd = fsSync.openSync(path, OPEN_FLAGS)
    let text: string | undefined
    try {
      text = readBoundedSync(fd, limit)
    } catch (cause) {
      const refused = refusal(path, fsSync.fstatSync(fd), limit, "")
      return Result.fail(refused ?? toReadError(path)(cause))
    }
    if (text === undefined || text.length === 0) {
      const refused = refusal(path, fsSync.fstatSync(fd), limit, text)
      if (refused !== undefined) return Result.fail(refused)
    } else if (keep && keptFiles.adopt(path, fd)) {
      fd = undefined
    }
    return Result.succeed(text!)
  } catch (cause) {
    return Result.fail(toReadError(path)(cause))
  } finally {
    if (fd !== undefined) fsSync.closeSync(fd)
  }
}

// procfs, sysfs and cgroupfs write a file's text afresh at every read from its start, so a file
// the sampler reads at every sample is kept open and read again with pread: the open and the close
// were half of what a read cost. Only on those file systems (statfs once, when the file is first
// kept): a regular file on a disk replaced by a rename would go on giving its old text. Callers
// ask for keeping only where the path names one object for good: a container's cgroup files (its
// id is never reused), the host's /proc files and /proc/1 (init keeps its pid while the host
// runs), never /proc/<pid>/ of a container's process (a pid can be reused by a process in
// another namespace).
const GENERATED_FS: ReadonlySet<number> = new Set([
  0x9fa0, // procfs
  0x62656572, // sysfs
  0x27e0eb, // cgroup v1
  0x63677270 // cgroup2
])

// Each kept file holds a descriptor and the kernel's page of text for it: 10 containers and the
// host keep about 90. Past the cap, files are read as before (open, read, close).
const MAX_KEPT = 256
// A file not read for this long is closed: a removed container's files go with it (an open file
// of a removed cgroup would keep the cgroup's kernel memory until closed).
const UNUSED_FOR_MS = 3 * 60_000

interface Kept {
  readonly fd: number
  usedAt: number
  /** The bytes of the last read that was parsed, and what `parse` made of them. */
  last: { bytes: Buffer; parse: Parser<unknown, unknown>; parsed: unknown } | undefined
}

type Parser<A, E> = (text: string, file: string) => Result.Result<A, E>

class KeptFiles {
  private readonly files = new Map<string, Kept>()
  private sweptAt = 0

  get size(): number {
    return this.files.size
  }

  /**
   * The file's bytes through its kept descriptor (a view of the shared buffer); undefined when it
   * is not kept or no longer reads.
   */
  private bytes(path: string, limit: number, now: number): { kept: Kept; bytes: Buffer } | undefined {
    if (now - this.sweptAt >= UNUSED_FOR_MS / 3) this.sweep(now)
    const kept = this.files.get(path)
    if (kept === undefined) return undefined
    let bytes: Buffer | undefined
    try {
      bytes = readBoundedBytes(kept.fd, limit, true)
    } catch {
      // ENODEV once its cgroup is removed, ESRCH once its process is gone: opened afresh.
    }
    if (bytes === undefined || bytes.length === 0) {
      this.forget(path)
      return undefined
    }
    kept.usedAt = now
    return { kept, bytes }
  }

  /** The file's text through its kept descriptor; undefined when it is not kept or no longer reads. */
  read(path: string, limit: number, now: number): string | undefined {
    return this.bytes(path, limit, now)?.bytes.toString("utf8")
  }

  /**
   * The file parsed by `parse`, through its kept descriptor; undefined when it is not kept or no
   * longer reads. Bytes the same as those last parsed by the same parser give the same result,
   * without making the text again: most cgroup files of an idle container, and the limits of
   * every container, do not change from one sample to the next. Only successes are kept.
   */
  parsed<A, E>(path: string, limit: number, parse: Parser<A, E>, now: number): Result.Result<A, E> | undefined {
    const read = this.bytes(path, limit, now)
    if (read === undefined) return undefined
    const { kept, bytes } = read
    const last = kept.last
    if (last !== undefined && last.parse === parse && last.bytes.equals(bytes))
      return last.parsed as Result.Result<A, E>
    const parsed = parse(bytes.toString("utf8"), path)
    if (Result.isFailure(parsed)) {
      kept.last = undefined
      return parsed
    }
    if (last !== undefined && last.bytes.length === bytes.length) {
      bytes.copy(last.bytes)
      last.parse = parse as Parser<unknown, unknown>
      last.parsed = parsed
    } else {
      kept.last = { bytes: Buffer.from(bytes), parse: parse as Parser<unknown, unknown>, parsed }
    }
    return parsed
  }

  /** Keeps `fd` open for `path` when its file system writes the text afresh; false when it does not. */
  adopt(path: string, fd: number): boolean {
    if (this.files.size >= MAX_KEPT || this.files.has(path)) return false
    try {
      if (!fsSync.fstatSync(fd).isFile() || !GENERATED_FS.has(Number(fsSync.statfsSync(path).type))) return false
    } catch {
      return false
    }
    this.files.set(path, { fd, usedAt: Date.now(), last: undefined })
    return true
  }

  /** Closes the files not read since `now - UNUSED_FOR_MS`. */
  sweep(now: number): void {
    this.sweptAt = now
    for (const [path, kept] of this.files) if (kept.usedAt < now - UNUSED_FOR_MS) this.forget(path)
  }

  private forget(path: string): void {
    const kept = this.files.get(path)
    if (kept === undefined) return
    this.files.delete(path)
    try {
      fsSync.closeSync(kept.fd)
    } catch {
      // Already closed: nothing is held.
    }
  }
}

export const keptFiles = new KeptFiles()

/**
 * readKernelTextSync for a file read at every sample (a host procfs file, a container's cgroup
 * file): the file stays open between reads where its file system allows (see GENERATED_FS).
 */
export const readKeptTextSync = (path: string, limit: number = LIMIT.small): Result.Result<string, HostReadError> => {
  const text = keptFiles.read(path, limit, Date.now())
  return text !== undefined ? Result.succeed(text) : openAndRead(path, limit, true)
}

/** readKeptTextSync parsed by `parse`; the same bytes as the last read give the same result. */
export const readKeptParsedSync = <A, E>(
  path: string,
  parse: Parser<A, E>,
  limit: number = LIMIT.small
): Result.Result<A, HostReadError | E> =>
  keptFiles.parsed(path, limit, parse, Date.now()) ??
  Result.flatMap(openAndRead(path, limit, true), (text) => parse(text, path))

// A call into the file system that never returns (a dead NFS or FUSE mount, a /sys file whose
// driver sleeps) holds a thread of libuv's pool for as long, and that pool is also the one DNS
// lookups wait on. A sampler that asked again every few seconds would take one more thread each
// time, until probes that resolve a hostname fail while their targets are up. So one path has at
// most one such call in flight: asking again while it is pending joins that call (each caller
// keeps its own deadline) instead of starting another; and blocking.ts bounds how many threads
// such calls hold in all.

/** Until when the calls of one sample may wait (performance.now() milliseconds), and that span. */
export interface Deadline {
  readonly until: number
  readonly span: Duration.Duration
}

/**
 * When a call that may wait (readText, readDir, statFilesystem) stops being waited for and fails
 * naming its path; never by default. The host collector gives every call of a sample the same
 * one, so that a stuck source fails only itself and the sample's optional groups end together,
 * however many calls one group makes in a row. A timer per call, not a race of two fibers per
 * source: at every sample, for calls that almost always answer in microseconds.
 */
export class ReadDeadline extends Context.Reference<Deadline | undefined>("system-profiler/kernel/ReadDeadline", {
  defaultValue: () => undefined
}) {
  /** A deadline `span` from now. */
  static readonly in = (span: Duration.Duration): Deadline => ({
    until: performance.now() + Duration.toMillis(span),
    span
  })
}

const noAnswer = (path: string, deadline: Deadline) =>
  new HostReadError({ path, kind: "io", code: `no answer within ${Duration.format(deadline.span)}` })

/** The promise's outcome, or a failure once the deadline has passed; the promise itself goes on. */
const awaitWithin = <A>(
  promise: Promise<A>,
  deadline: Deadline,
  path: string,
  toError: (cause: unknown) => HostReadError
): Effect.Effect<A, HostReadError> =>
  Effect.callback<A, HostReadError>((resume) => {
    let settled = false
    const settle = (outcome: Effect.Effect<A, HostReadError>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(outcome)
    }
    const timer = setTimeout(
      () => settle(Effect.fail(noAnswer(path, deadline))),
      Math.max(0, deadline.until - performance.now())
    )
    promise.then(
      (value) => settle(Effect.succeed(value)),
      (cause) => settle(Effect.fail(toError(cause)))
    )
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
    })
  })

/** The paths with a call in flight, per kind of call. */
export class InFlight<A> {
  private readonly pending = new Map<string, Promise<A>>()

  /** `start()`, or the call on `path` still pending; within the ReadDeadline when one is set. */
  run(path: string, start: () => Promise<A>, toError: (cause: unknown) => HostReadError) {
    return Effect.flatMap(Effect.service(ReadDeadline), (deadline) =>
      Effect.suspend(() => {
        let call = this.pending.get(path)
        if (call === undefined) {
          call = start().finally(() => this.pending.delete(path))
          this.pending.set(path, call)
        }
        const shared = call
        return deadline === undefined
          ? Effect.tryPromise({ try: () => shared, catch: toError })
          : awaitWithin(shared, deadline, path, toError)
      })
    )
  }

  get size(): number {
    return this.pending.size
  }
}

const asyncReads = new InFlight<string>()

/**
 * A file under /sys or HOST_ROOT, read on a worker of its own (blocking.ts: a driver that sleeps
 * or a dead mount holds that worker, not libuv's pool), with the same bounds as
 * readKernelTextSync, and at most one read of a path in flight (see InFlight).
 */
export const readText = (path: string, limit: number = LIMIT.small): Effect.Effect<string, HostReadError> =>
  asyncReads.run(
    path,
    async () => {
      const answer = await blockingCalls.run({ op: "read", path, limit })
      if (!answer.ok) throw answer
      return answer.value as string
    },
    toReadError(path)
  )

/** readKernelTextSync as an Effect. */
export const readKernelText = (path: string, limit?: number): Effect.Effect<string, HostReadError> =>
  Effect.suspend(() => Effect.fromResult(readKernelTextSync(path, limit)))

const orUndefinedWhenMissing = <A>(effect: Effect.Effect<A, HostReadError>) =>
  effect.pipe(
    Effect.catchIf(
      (e) => e.kind === "not-found",
      () => Effect.succeed(undefined)
    )
  )

/** readKernelText, or undefined when the file does not exist. */
export const readKernelOptional = (path: string, limit?: number): Effect.Effect<string | undefined, HostReadError> =>
  orUndefinedWhenMissing(readKernelText(path, limit))

/** The text, or undefined when the file does not exist; other errors still fail. */
export const readOptional = (path: string, limit?: number): Effect.Effect<string | undefined, HostReadError> =>
  orUndefinedWhenMissing(readText(path, limit))

const dirReads = new InFlight<ReadonlyArray<string>>()

/** A directory's entries, through blocking.ts as readText is (a directory of /sys or HOST_ROOT can wait as its files can). */
export const readDir = (path: string): Effect.Effect<ReadonlyArray<string>, HostReadError> =>
  dirReads.run(
    path,
    async () => {
      const answer = await blockingCalls.run({ op: "readdir", path })
      if (!answer.ok) throw answer
      return answer.value as ReadonlyArray<string>
    },
    toReadError(path)
  )

/** Entries of a directory, or none when it does not exist. */
export const readDirOptional = (path: string): Effect.Effect<ReadonlyArray<string>, HostReadError> =>
  readDir(path).pipe(
    Effect.catchIf(
      (e) => e.kind === "not-found",
      () => Effect.succeed([])
    )
  )
