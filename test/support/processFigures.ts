// What a hostile-input suite reads from the service's process: its memory from /proc/<pid>/status
// (VmRSS now, VmHWM the peak since it started), and whether it stops on SIGTERM within a bound.

import type { ChildProcess } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"

export const MiB = 1024 * 1024

export interface Memory {
  /** Resident bytes now. */
  readonly rss: number
  /** The most resident bytes the process has had since it started. */
  readonly peak: number
}

const field = (status: string, name: string): number => {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status)
  if (m === null) throw new Error(`no ${name} in /proc/<pid>/status`)
  return Number(m[1]) * 1024
}

export const memoryOf = (pid: number): Memory => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return { rss: field(status, "VmRSS"), peak: field(status, "VmHWM") }
}

/**
 * Sends SIGTERM and waits up to `withinMs` for the exit, after which the process is killed: the
 * exit code is then null. A bound on hanging, not a speed figure.
 */
export const stopWithin = async (child: ChildProcess, withinMs: number): Promise<number | null> => {
  if (child.exitCode !== null) return child.exitCode
  const exited = once(child, "exit")
  child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), withinMs)
  const [code] = (await exited) as [number | null]
  clearTimeout(timer)
  return code
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` every 50 ms until it holds or `withinMs` passes; whether it held. */
export const eventually = async (check: () => boolean | Promise<boolean>, withinMs: number): Promise<boolean> => {
  const until = Date.now() + withinMs
  for (;;) {
    if (await check()) return true
    if (Date.now() >= until) return false
    await sleep(50)
  }
}
