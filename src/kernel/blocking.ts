// File-system calls that can wait forever, kept from taking the thread pool DNS needs.
//
// statfs of a dead NFS or FUSE mount, or a read of a /sys file whose driver sleeps, does not
// return, and the libuv thread that makes it is held for as long. That pool is also where DNS
// lookups (getaddrinfo) wait: before this module three dead paths in SYSTEM_PROFILER_EXTRA_DISKS
// took all four threads within one sample, and every probe that resolves a hostname failed while
// its target was up. So these calls go through here: at most MAX_CALLS of them run at once, each
// holding at most one pool thread (its steps run one after another), and the pool has
// POOL_THREADS (threadpool.ts), so DNS and the rest of the process always keep the others. A
// call not answered within STALL_AFTER_MILLIS counts as stuck; the calls queued behind it go on
// on the other slots, and once every slot is stuck the others are refused at once, naming why,
// until one comes back. read.ts's InFlight never asks again on a path whose call is pending,
// so one dead path holds one slot.
//
// Worker threads would take these calls off the pool entirely, but each is a V8 isolate of its
// own, a large share of the service's memory (bench/README.md); a slot here costs nothing until
// a call is stuck.
//
// A thread stuck in the kernel also stops the process from exiting: Node joins libuv's threads
// before exit(). exitPastStuckCalls replaces the process image instead (see main.ts).

import * as fs from "node:fs"
import * as fsp from "node:fs/promises"

/** A call answered later than this is stuck; calls queued behind it go to another slot. */
export const STALL_AFTER_MILLIS = 1_000

/** Calls at once, stuck ones included: half of POOL_THREADS. */
export const MAX_CALLS = 4

/** The size of libuv's pool that threadpool.ts asks for, unless UV_THREADPOOL_SIZE is set. */
export const POOL_THREADS = 8

export type Call =
  | { readonly op: "statfs"; readonly path: string }
  | { readonly op: "readlink"; readonly path: string }
  | { readonly op: "readdir"; readonly path: string }
  | { readonly op: "read"; readonly path: string; readonly limit: number }

export interface StatfsAnswer {
  readonly dev: bigint
  readonly frsize: bigint
  readonly bsize: bigint
  readonly blocks: bigint
  readonly bfree: bigint
  readonly bavail: bigint
}

/** A value, a refusal decided here, or an errno code. */
export type Answer =
  | { readonly ok: true; readonly value: StatfsAnswer | string | ReadonlyArray<string> }
  | { readonly ok: false; readonly refused: "not-regular" | "too-large"; readonly detail: string }
  | { readonly ok: false; readonly refused?: undefined; readonly code: string }

/** Why the call was not made; the caller names the path. */
export class NotAsked {
  readonly detail: string
  constructor(detail: string) {
    this.detail = detail
  }
}

/** Opens that never wait for a FIFO's writer nor make a terminal the controlling one. */
export const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY
export const CHUNK = 16 * 1024

/** What a path that is not a regular file is, for the error that refuses it. */
export const fileType = (s: fs.Stats): string =>
  s.isFIFO()
    ? "a FIFO"
    : s.isCharacterDevice()
      ? "a character device"
      : s.isBlockDevice()
        ? "a block device"
        : s.isSocket()
          ? "a socket"
          : s.isDirectory()
            ? "a directory"
            : "not a file"

// One step at a time, never two at once (no Promise.all): a call holds at most one pool thread.
const answer = async (call: Call): Promise<Answer> => {
  try {
    if (call.op === "statfs") {
      const st = await fsp.stat(call.path, { bigint: true })
      const s = await fsp.statfs(call.path, { bigint: true })
      return {
        ok: true,
        value: { dev: st.dev, frsize: s.frsize, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail }
      }
    }
    if (call.op === "readlink") return { ok: true, value: await fsp.readlink(call.path) }
    if (call.op === "readdir") return { ok: true, value: await fsp.readdir(call.path) }
    const handle = await fsp.open(call.path, OPEN_FLAGS)
    try {
      // In chunks: the limit of a table is megabytes, the file usually a few KiB.
      const chunks: Array<Buffer> = []
      let total = 0
      let failure: unknown
      try {
        for (;;) {
          const buffer = Buffer.allocUnsafe(Math.min(CHUNK, call.limit + 1 - total))
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null)
          if (bytesRead === 0) break
          chunks.push(buffer.subarray(0, bytesRead))
          total += bytesRead
          if (total > call.limit) break
        }
      } catch (cause) {
        failure = cause
      }
      // As read.ts does, the file's type is asked only when the read looks wrong (an error,
      // nothing, more than the limit): one pool round trip less for every /sys file that reads.
      if (failure !== undefined || total === 0 || total > call.limit) {
        const st = await handle.stat()
        if (!st.isFile()) return { ok: false, refused: "not-regular", detail: fileType(st) }
        if (failure !== undefined) throw failure
        if (total > call.limit) return { ok: false, refused: "too-large", detail: String(call.limit) }
      }
      return { ok: true, value: Buffer.concat(chunks, total).toString("utf8") }
    } finally {
      await handle.close()
    }
  } catch (cause) {
    const code = (cause as { code?: unknown }).code
    return { ok: false, code: typeof code === "string" ? code : "unknown" }
  }
}

interface Pending {
  readonly call: Call
  readonly resolve: (answer: Answer) => void
  readonly reject: (cause: NotAsked) => void
}

interface Slot {
  readonly call: Call
  stuck: boolean
}

/** The calls running (stuck ones included) and those waiting for a slot. */
export class BlockingCalls {
  private readonly running = new Set<Slot>()
  private readonly queue: Array<Pending> = []
  private readonly stallAfter: number
  private readonly maxCalls: number
  private readonly make: (call: Call) => Promise<Answer>

  constructor(
    options: {
      readonly stallAfterMillis?: number
      readonly maxCalls?: number
      /** How a call is made; tests pass one that can hang. */
      readonly make?: (call: Call) => Promise<Answer>
    } = {}
  ) {
    this.stallAfter = options.stallAfterMillis ?? STALL_AFTER_MILLIS
    this.maxCalls = options.maxCalls ?? MAX_CALLS
    this.make = options.make ?? answer
  }

  /** The call's answer; rejects with NotAsked only when every slot is held by a stuck call. */
  run(call: Call): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ call, resolve, reject })
      this.dispatch()
    })
  }

  /** Calls past STALL_AFTER_MILLIS still unanswered. */
  get stuck(): number {
    let n = 0
    for (const slot of this.running) if (slot.stuck) n++
    return n
  }

  /** Calls made and not answered yet, stuck or not. */
  get busy(): number {
    return this.running.size
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.running.size < this.maxCalls) this.start(this.queue.shift()!)
    if (this.queue.length > 0 && this.stuck === this.maxCalls) {
      for (const waiting of this.queue.splice(0)) {
        waiting.reject(new NotAsked(`${this.maxCalls} earlier calls have not returned`))
      }
    }
  }

  private start(pending: Pending): void {
    const slot: Slot = { call: pending.call, stuck: false }
    this.running.add(slot)
    const timer = setTimeout(() => {
      slot.stuck = true
      this.dispatch()
    }, this.stallAfter)
    timer.unref()
    void this.make(pending.call).then((result) => {
      clearTimeout(timer)
      this.running.delete(slot)
      pending.resolve(result)
      this.dispatch()
    })
  }
}

/** The process's blocking calls: statfs, and reads, links and directories under /sys and HOST_ROOT. */
export const blockingCalls = new BlockingCalls()

/**
 * Ends the process with `code` while a call is pending: exit() would wait for it forever (Node
 * joins libuv's threads first, and a thread in a dead mount's statfs never ends). execve() is
 * allowed meanwhile: the kernel ends the other threads (their waits are killable) and runs a
 * Node that does nothing but exit with the code. Returns when no call is pending (or execve is
 * refused), and the caller exits the ordinary way.
 */
export const exitPastStuckCalls = (code: number): void => {
  if (blockingCalls.busy === 0) return
  try {
    process.execve?.(process.execPath, [process.execPath, "-e", `process.exitCode = ${code}`], {})
  } catch {
    // exit() is still tried: it ends at once if the call returned meanwhile.
  }
}
