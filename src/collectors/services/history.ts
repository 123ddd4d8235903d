import type { Beat } from "../../domain/ProbeResult.ts"

export type { Beat }

/** What an uptime monitor keeps per probe. */
export interface History {
  /** Oldest first; never empty once a probe has been checked. */
  readonly beats: ReadonlyArray<Beat>
  readonly lastChange: number
  readonly consecutiveFailures: number
}

export interface HistoryLimits {
  readonly windowMillis: number
  readonly maxBeats: number
}

/** A hard cap on the beats kept per probe, whatever the window and interval. */
export const MAX_BEATS = 1000

/** Enough beats to cover the window at the sampling interval (one spare), within MAX_BEATS. */
export const historyLimits = (windowMillis: number, intervalMillis: number): HistoryLimits => ({
  windowMillis,
  maxBeats: Math.min(MAX_BEATS, Math.max(1, Math.ceil(windowMillis / Math.max(1, intervalMillis)) + 1))
})

/** Adds a check: drops beats that left the window (or exceed the cap) and tracks the state. */
export const record = (previous: History | undefined, beat: Beat, limits: HistoryLimits): History => {
  const last = previous?.beats.at(-1)
  const changed = last === undefined || last.healthy !== beat.healthy
  const since = beat.at - limits.windowMillis
  const beats = [...(previous?.beats ?? []).filter((b) => b.at > since), beat].slice(-limits.maxBeats)
  return {
    beats,
    lastChange: changed ? beat.at : previous!.lastChange,
    consecutiveFailures: beat.healthy ? 0 : (previous?.consecutiveFailures ?? 0) + 1
  }
}
