import { type ProbeFailureReason, RECENT_CHECKS, type RecentCheck, type ServiceHealth } from "../../api/ServiceStats.ts"

export interface Beat {
  readonly at: number
  readonly healthy: boolean
  readonly latencyMs: number | null
  readonly reason?: ProbeFailureReason
}

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

/** The share of healthy beats, 0-100 with two decimals; 100 before the first check. */
export const uptimePercent = (beats: ReadonlyArray<Beat>): number =>
  beats.length === 0 ? 100 : Math.round((beats.filter((b) => b.healthy).length / beats.length) * 10_000) / 100

const toRecentCheck = (beat: Beat): RecentCheck => ({
  at: beat.at,
  ok: beat.healthy,
  ms: beat.latencyMs,
  ...(beat.reason === undefined ? {} : { reason: beat.reason })
})

/**
 * What the API carries of a history: figures over the whole window, and only the last
 * RECENT_CHECKS beats. The window (120 checks an hour at 30 s) stays here for the uptime; sent
 * whole, it made up nine tenths of every snapshot and SSE event.
 */
export const historySummary = (
  history: History
): Pick<ServiceHealth, "consecutiveFailures" | "lastChange" | "uptimePercent" | "checksInWindow" | "recent"> => ({
  consecutiveFailures: history.consecutiveFailures,
  lastChange: new Date(history.lastChange).toISOString(),
  uptimePercent: uptimePercent(history.beats),
  checksInWindow: history.beats.length,
  recent: history.beats.slice(-RECENT_CHECKS).map(toRecentCheck)
})
