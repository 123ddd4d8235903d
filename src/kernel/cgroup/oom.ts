// Out-of-memory kills in the container's cgroup: memory.events on cgroup v2, memory.oom_control
// on v1. Counters since the cgroup was created, as cAdvisor's container_oom_events_total.

import * as path from "node:path"
import { Result } from "effect"
import { type Parsed, parseFail, parseFlatKeyed, readParsed, required } from "./text.ts"

/** cgroup v2 memory.events (hierarchical: the cgroup and its descendants). */
export interface MemoryEvents {
  /** Reclaims below memory.low. */
  readonly low: number
  /** Throttled for going over memory.high. */
  readonly high: number
  /** About to go over memory.max. */
  readonly max: number
  /** Reached the limit with an allocation about to fail. */
  readonly oom: number
  /** Processes killed by an OOM killer. */
  readonly oomKill: number
  /** Whole-cgroup OOM kills (memory.oom.group); null on kernels before 5.19 without the key. */
  readonly oomGroupKill: number | null
}

export const parseMemoryEventsV2 = (text: string, file: string): Parsed<MemoryEvents> =>
  Result.gen(function* () {
    const events = yield* parseFlatKeyed(text, file)
    return {
      low: yield* required(events, "low", file),
      high: yield* required(events, "high", file),
      max: yield* required(events, "max", file),
      oom: yield* required(events, "oom", file),
      oomKill: yield* required(events, "oom_kill", file),
      oomGroupKill: events.get("oom_group_kill") ?? null
    }
  })

/** cgroup v1 memory.oom_control. */
export interface OomControlV1 {
  /** oom_kill_disable: the OOM killer is off for this cgroup (tasks wait instead). */
  readonly oomKillDisable: boolean
  /** under_oom: the cgroup is out of memory now. */
  readonly underOom: boolean
  /** oom_kill: processes killed by the OOM killer; null on kernels before 4.13 without the key. */
  readonly oomKill: number | null
}

const flag = (value: number, key: string, file: string): Parsed<boolean> =>
  value === 0 || value === 1 ? Result.succeed(value === 1) : parseFail(file, 0, `${key} is ${value}, not 0 or 1`)

export const parseOomControlV1 = (text: string, file: string): Parsed<OomControlV1> =>
  Result.gen(function* () {
    const control = yield* parseFlatKeyed(text, file)
    return {
      oomKillDisable: yield* flag(yield* required(control, "oom_kill_disable", file), "oom_kill_disable", file),
      underOom: yield* flag(yield* required(control, "under_oom", file), "under_oom", file),
      oomKill: control.get("oom_kill") ?? null
    }
  })

/** `dir`: the container's v2 cgroup directory. */
export const readMemoryEventsV2 = (dir: string) => readParsed(path.join(dir, "memory.events"), parseMemoryEventsV2)

/** `memoryDir`: the container's directory in the v1 memory controller. */
export const readOomControlV1 = (memoryDir: string) =>
  readParsed(path.join(memoryDir, "memory.oom_control"), parseOomControlV1)
