import { Schema } from "effect"
import { Count, IsoTimestamp, NonNegative, Percent } from "./common.ts"

export const ProbeKind = Schema.Literals(["http", "https", "tcp", "postgres"])
export type ProbeKind = typeof ProbeKind.Type

// Why a probe failed, short enough for a status badge. `error` carries the sentence.
export const ProbeFailureReason = Schema.Literals([
  "dns",
  "refused",
  "unreachable",
  "timeout",
  "tls",
  "closed",
  "protocol",
  "bad-status",
  "body-mismatch",
  "too-many-redirects",
  "error"
]).annotate({
  description:
    "dns: the name does not resolve (often a stopped container); refused: nothing listens on the port; " +
    "unreachable: no route to the host; timeout: no answer within the probe timeout; tls: the TLS handshake " +
    "or certificate failed; closed: the server closed the connection before answering; protocol: the answer " +
    "is not the expected protocol (not HTTP, not PostgreSQL); bad-status: an HTTP status outside the accepted " +
    "codes; body-mismatch: the body lacks the expected text; too-many-redirects: more than 5 redirects; " +
    "error: any other socket error"
})
export type ProbeFailureReason = typeof ProbeFailureReason.Type

/** How many of its last checks each probe carries in `recent`. */
export const RECENT_CHECKS = 20

/**
 * One check, kept short because every snapshot, SSE event and /services answer carries the last
 * few of every probe: Unix milliseconds instead of an ISO string, and two-letter keys.
 */
export const RecentCheck = Schema.Struct({
  at: Schema.Int.annotate({ description: "When the check ended, in Unix milliseconds" }),
  ok: Schema.Boolean.annotate({ description: "true when the check was healthy" }),
  ms: Schema.NullOr(NonNegative).annotate({
    description: "Latency in milliseconds; null when nothing answered"
  }),
  reason: Schema.optionalKey(ProbeFailureReason)
}).annotate({ identifier: "RecentCheck" })
export type RecentCheck = typeof RecentCheck.Type

export const StoredUptime = Schema.Struct({
  "24h": Schema.NullOr(Percent),
  "7d": Schema.NullOr(Percent),
  "30d": Schema.NullOr(Percent),
  "365d": Schema.NullOr(Percent)
}).annotate({
  identifier: "StoredUptime",
  description:
    "Share of healthy checks (0-100) over each window, from the stored history (so across restarts); " +
    "null for a window with no check stored"
})
export type StoredUptime = typeof StoredUptime.Type

export const ServiceHealth = Schema.Struct({
  name: Schema.String,
  kind: ProbeKind,
  target: Schema.String.annotate({ description: "The probed URL, without credentials or options" }),
  healthy: Schema.Boolean,
  latencyMs: Schema.NullOr(NonNegative).annotate({
    description:
      "Time to the verdict of the last successful attempt (HTTP: to the status line, or to the expected text)"
  }),
  statusCode: Schema.optionalKey(Schema.Int),
  tlsCertificateExpiresAt: Schema.optionalKey(
    IsoTimestamp.annotate({
      description:
        "When the server's certificate expires (its notAfter), as the last check was shown it: https " +
        "probes and redirects to https. Absent when the last check saw no certificate (plain HTTP, tcp, " +
        "postgres, or no answer)"
    })
  ),
  error: Schema.optionalKey(Schema.String.annotate({ description: "Why the probe failed, for a person to read" })),
  reason: Schema.optionalKey(ProbeFailureReason),
  checkedAt: IsoTimestamp,
  attempts: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)).annotate({
    description: "Attempts the last check made: 1, plus the retries it needed"
  }),
  consecutiveFailures: Count,
  lastChange: IsoTimestamp.annotate({
    description: "When the probe last turned healthy or unhealthy (its first check, if it never changed)"
  }),
  uptimePercent: Percent.annotate({
    description: "Share of healthy checks over the whole history window (0-100), the checksInWindow checks"
  }),
  checksInWindow: Count.annotate({
    description: "Checks in the history window: what uptimePercent counts, more than `recent` carries"
  }),
  uptime: Schema.optionalKey(StoredUptime).annotate({
    description: "Only in GET /services (not in /stats or the stream): the uptime over 24h, 7d, 30d and 365d"
  }),
  recent: Schema.Array(RecentCheck)
    .check(Schema.isMaxLength(RECENT_CHECKS))
    .annotate({
      description:
        `The last checks, oldest first: at most ${RECENT_CHECKS} (fewer when the window holds fewer), the status ` +
        "bar of an uptime monitor. The whole window stays summed up in uptimePercent and checksInWindow"
    })
}).annotate({ identifier: "ServiceHealth" })
export type ServiceHealth = typeof ServiceHealth.Type

export const ServiceHealthStats = Schema.Struct({
  sampledAt: IsoTimestamp,
  services: Schema.Array(ServiceHealth),
  allHealthy: Schema.Boolean,
  historyWindowSeconds: NonNegative.annotate({
    description: "How far back uptimePercent and checksInWindow reach (SYSTEM_PROFILER_HISTORY_WINDOW)"
  })
}).annotate({ identifier: "ServiceHealthStats" })
export type ServiceHealthStats = typeof ServiceHealthStats.Type
