// File-system calls that can wait forever, kept off libuv's thread pool.
//
// statfs of a dead NFS or FUSE mount, or a read of a /sys file whose driver sleeps, does not
// return, and a thread that makes it is held for as long. On libuv's pool (4 threads) that is a
// thread DNS lookups (getaddrinfo) also wait on: a few stuck mounts and every probe that resolves
// a hostname fails while its target is up. So these calls run on threads of their own: worker
// threads that each make one call at a time. A call not answered within STALL_AFTER_MILLIS leaves
// its worker to it and the next call gets a fresh worker, at most MAX_WORKERS in all, so a stuck
// mount costs one thread, never the pool, never the event loop. A worker whose call comes back
// after all is reused. The caller (read.ts's InFlight) never asks again on a path whose call is
// pending, so one stuck path holds one worker.
//
// A thread stuck in the kernel also stops the process from exiting: Node joins every thread
// before exit(). exitPastStuckCalls replaces the process image instead, which the kernel allows
// while those threads wait (see main.ts).

import { Worker } from "node:worker_threads"

/** A call answered later than this holds its worker; the next call gets another. */
export const STALL_AFTER_MILLIS = 1_000

/** Workers at most, stuck ones included: each is a thread and a small V8 isolate. */
export const MAX_WORKERS = 4

export type Call =
  | { readonly op: "statfs"; readonly path: string }
  | { readonly op: "read"; readonly path: string; readonly limit: number }

export interface StatfsAnswer {
  readonly dev: bigint
  readonly frsize: bigint
  readonly bsize: bigint
  readonly blocks: bigint
  readonly bfree: bigint
  readonly bavail: bigint
}

/** What the worker answers: a value, a refusal it decided itself, or an errno code. */
export type Answer =
  | { readonly ok: true; readonly value: StatfsAnswer | string }
  | { readonly ok: false; readonly refused: "not-regular" | "too-large"; readonly detail: string }
  | { readonly ok: false; readonly refused?: undefined; readonly code: string }

/** Why no worker made the call; the caller names the path. */
export class NoWorker {
  readonly detail: string
  constructor(detail: string) {
    this.detail = detail
  }
}

// The worker's whole program. It is passed to the Worker as source text (eval), so it must not
// reach anything outside itself: the bundle would rename it.
const workerMain = () => {
  const { parentPort } = process.getBuiltinModule("node:worker_threads")
  const fs = process.getBuiltinModule("node:fs")
  const FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY
  const typeOf = (s: import("node:fs").Stats) =>
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
  const answer = (call: Call) => {
    if (call.op === "statfs") {
      const st = fs.statSync(call.path, { bigint: true })
      const s = fs.statfsSync(call.path, { bigint: true })
      return {
        ok: true,
        value: { dev: st.dev, frsize: s.frsize, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail }
      }
    }
    const fd = fs.openSync(call.path, FLAGS)
    try {
      const st = fs.fstatSync(fd)
      if (!st.isFile()) return { ok: false, refused: "not-regular", detail: typeOf(st) }
      // In chunks: the limit of a table is megabytes, the file usually a few KiB.
      const chunks: Array<Buffer> = []
      let total = 0
      for (;;) {
        const buffer = Buffer.allocUnsafe(Math.min(16 * 1024, call.limit + 1 - total))
        const n = fs.readSync(fd, buffer, 0, buffer.length, null)
        if (n === 0) break
        chunks.push(buffer.subarray(0, n))
        total += n
        if (total > call.limit) return { ok: false, refused: "too-large", detail: String(call.limit) }
      }
      return { ok: true, value: Buffer.concat(chunks, total).toString("utf8") }
    } finally {
      fs.closeSync(fd)
    }
  }
  parentPort?.on("message", (call: Call) => {
    let reply: unknown
    try {
      reply = answer(call)
    } catch (cause) {
      const code = (cause as { code?: unknown }).code
      reply = { ok: false, code: typeof code === "string" ? code : "unknown" }
    }
    parentPort.postMessage(reply)
  })
}

const WORKER_SOURCE = `(${workerMain.toString()})()`

interface Pending {
  readonly call: Call
  readonly resolve: (answer: Answer) => void
  readonly reject: (cause: NoWorker) => void
}

interface Slot {
  readonly worker: Worker
  current: Pending | undefined
  stuck: boolean
  timer: ReturnType<typeof setTimeout> | undefined
}

/** The workers and the calls waiting for one. */
export class BlockingCalls {
  private readonly slots = new Set<Slot>()
  private readonly queue: Array<Pending> = []
  private readonly stallAfter: number
  private readonly maxWorkers: number

  constructor(options: { readonly stallAfterMillis?: number; readonly maxWorkers?: number } = {}) {
    this.stallAfter = options.stallAfterMillis ?? STALL_AFTER_MILLIS
    this.maxWorkers = options.maxWorkers ?? MAX_WORKERS
  }

  /** The call's answer; rejects with NoWorker only when every worker is stuck. */
  run(call: Call): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ call, resolve, reject })
      this.dispatch()
    })
  }

  /** Calls past STALL_AFTER_MILLIS still unanswered. */
  get stuck(): number {
    let n = 0
    for (const slot of this.slots) if (slot.stuck) n++
    return n
  }

  /** Calls sent to a worker and not answered yet, stuck or not. */
  get busy(): number {
    let n = 0
    for (const slot of this.slots) if (slot.current !== undefined) n++
    return n
  }

  get workers(): number {
    return this.slots.size
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot: Slot | undefined
      for (const s of this.slots) if (s.current === undefined) slot = s
      if (slot === undefined && this.slots.size < this.maxWorkers) slot = this.spawn()
      if (slot === undefined) {
        if (this.stuck === this.slots.size) {
          for (const waiting of this.queue.splice(0)) {
            waiting.reject(new NoWorker(`${this.slots.size} earlier calls have not returned`))
          }
        }
        return
      }
      this.start(slot, this.queue.shift()!)
    }
    // One idle worker is kept for the next sample; more were only needed while others were stuck.
    let idle = 0
    for (const slot of this.slots) {
      if (slot.current !== undefined) continue
      if (++idle > 1) this.retire(slot)
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 8 } })
    // Never what keeps the process alive; a stuck one is dealt with at exit (exitPastStuckCalls).
    worker.unref()
    const slot: Slot = { worker, current: undefined, stuck: false, timer: undefined }
    worker.on("message", (answer: Answer) => this.settle(slot, (p) => p.resolve(answer)))
    worker.on("error", () => this.lose(slot, "its worker failed"))
    worker.on("exit", () => this.lose(slot, "its worker exited"))
    this.slots.add(slot)
    return slot
  }

  private start(slot: Slot, pending: Pending): void {
    slot.current = pending
    slot.timer = setTimeout(() => {
      slot.stuck = true
      slot.timer = undefined
      // Calls queued behind it go to another worker.
      this.dispatch()
    }, this.stallAfter)
    slot.timer.unref()
    slot.worker.postMessage(pending.call)
  }

  private settle(slot: Slot, answer: (pending: Pending) => void): void {
    const pending = slot.current
    if (slot.timer !== undefined) clearTimeout(slot.timer)
    slot.timer = undefined
    slot.current = undefined
    slot.stuck = false
    if (pending !== undefined) answer(pending)
    this.dispatch()
  }

  private lose(slot: Slot, why: string): void {
    if (!this.slots.delete(slot)) return
    this.settle(slot, (p) => p.reject(new NoWorker(why)))
  }

  private retire(slot: Slot): void {
    this.slots.delete(slot)
    void slot.worker.terminate()
  }
}

/** The process's workers for blocking calls: statfs and reads under /sys and HOST_ROOT. */
export const blockingCalls = new BlockingCalls()

/**
 * Ends the process with `code` while a call is pending on a worker: exit() would wait for it
 * forever (Node joins its threads first, and a thread in a dead mount's statfs never ends).
 * execve() is allowed meanwhile: the kernel ends the other threads (their waits are killable) and
 * runs a Node that does nothing but exit with the code. Returns when no call is pending (or
 * execve is refused), and the caller exits the ordinary way.
 */
export const exitPastStuckCalls = (code: number): void => {
  if (blockingCalls.busy === 0) return
  try {
    process.execve?.(process.execPath, [process.execPath, "-e", `process.exitCode = ${code}`], {})
  } catch {
    // exit() is still tried: it ends at once if the call returned meanwhile.
  }
}
