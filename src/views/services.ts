// The services section of the API (ServiceHealthStats) from the probes' readings.

import { RECENT_CHECKS, type RecentCheck, type ServiceHealth, type ServiceHealthStats } from "../api/ServiceStats.ts"
import type { Beat, ProbeReading, ServicesReading } from "../domain/ProbeResult.ts"
import { isoTime } from "./units.ts"

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
 * A probe as the API shows it: figures over the whole window, and only the last RECENT_CHECKS
 * beats. The window (120 checks an hour at 30 s) stays in the reading for the uptime; sent whole,
 * it made up nine tenths of every snapshot and SSE event.
 */
export const serviceView = (p: ProbeReading): ServiceHealth => ({
  name: p.name,
  kind: p.kind,
  target: p.target,
  healthy: p.last.healthy,
  latencyMs: p.last.latencyMs,
  ...(p.last.statusCode === undefined ? {} : { statusCode: p.last.statusCode }),
  ...(p.last.tlsNotAfter === undefined ? {} : { tlsCertificateExpiresAt: isoTime(p.last.tlsNotAfter) }),
  ...(p.last.failure === undefined ? {} : { error: p.last.failure.message, reason: p.last.failure.reason }),
  checkedAt: isoTime(p.last.at),
  attempts: p.last.attempts,
  consecutiveFailures: p.consecutiveFailures,
  lastChange: isoTime(p.lastChange),
  uptimePercent: uptimePercent(p.beats),
  checksInWindow: p.beats.length,
  recent: p.beats.slice(-RECENT_CHECKS).map(toRecentCheck)
})

/** GET /services. */
export const servicesView = (r: ServicesReading): ServiceHealthStats => {
  const services = r.probes.map(serviceView)
  return {
    sampledAt: isoTime(r.at),
    services,
    allHealthy: services.every((s) => s.healthy),
    historyWindowSeconds: r.historyWindowMillis / 1000
  }
}
