// Whether a container is crash-looping, from its events alone: a pure summary for the alert rules
// and for /containers. Per container name, not id: compose recreates a service's container with a
// new id under the same name, and a restart loop is the service's, whichever id it has now.

import type { ContainerEvent } from "./ContainerEvent.ts"

export interface CrashLoopSummary {
  readonly name: string
  /** Starts that followed an exit of the same name: restart-policy restarts, `docker restart`, manual starts. */
  readonly restarts: number
  /** Exits (die events). */
  readonly exits: number
  /** The last exit's code, in or before the window; null when none is in the events. */
  readonly lastExitCode: number | null
  /** The last exit's time, nanoseconds since the epoch; null when none is in the events. */
  readonly lastExitNano: bigint | null
  /** The last exit followed an oom event of the same run (between its start and its die). */
  readonly lastExitOomKilled: boolean
  /** oom events: the kernel's OOM killer ended a process of the container. */
  readonly oomEvents: number
}

interface Tally {
  restarts: number
  exits: number
  lastExitCode: number | null
  lastExitNano: bigint | null
  lastExitOomKilled: boolean
  oomEvents: number
  /** An exit was seen and no start since. */
  exited: boolean
  /** An oom event in the current run. */
  oomInRun: boolean
}

/**
 * The summary of each container name among `events` (any order: they are sorted by time here).
 * Restarts, exits and oom events are counted at or after `fromNano` (the window); the last exit
 * is the last of all the events given, and events before the window still tell whether the
 * first start inside it followed an exit.
 */
export const crashLoopSummaries = (
  events: ReadonlyArray<ContainerEvent>,
  fromNano: bigint = 0n
): ReadonlyMap<string, CrashLoopSummary> => {
  const sorted = [...events].sort((a, b) => (a.timeNano < b.timeNano ? -1 : a.timeNano > b.timeNano ? 1 : 0))
  const tallies = new Map<string, Tally>()
  for (const event of sorted) {
    let t = tallies.get(event.name)
    if (t === undefined) {
      t = {
        restarts: 0,
        exits: 0,
        lastExitCode: null,
        lastExitNano: null,
        lastExitOomKilled: false,
        oomEvents: 0,
        exited: false,
        oomInRun: false
      }
      tallies.set(event.name, t)
    }
    const counted = event.timeNano >= fromNano
    switch (event.action) {
      case "start":
        if (t.exited && counted) t.restarts++
        t.exited = false
        t.oomInRun = false
        break
      case "oom":
        if (counted) t.oomEvents++
        t.oomInRun = true
        break
      case "die":
        t.exited = true
        if (counted) t.exits++
        t.lastExitCode = event.exitCode
        t.lastExitNano = event.timeNano
        t.lastExitOomKilled = t.oomInRun
        break
      default:
        break
    }
  }
  const out = new Map<string, CrashLoopSummary>()
  for (const [name, t] of tallies) {
    out.set(name, {
      name,
      restarts: t.restarts,
      exits: t.exits,
      lastExitCode: t.lastExitCode,
      lastExitNano: t.lastExitNano,
      lastExitOomKilled: t.lastExitOomKilled,
      oomEvents: t.oomEvents
    })
  }
  return out
}
