// A service probe's checks as made: the last result and the beats an uptime monitor keeps.

export type ProbeKind = "http" | "https" | "tcp" | "postgres"

export type ProbeFailureReason =
  | "dns"
  | "refused"
  | "unreachable"
  | "timeout"
  | "tls"
  | "closed"
  | "protocol"
  | "bad-status"
  | "body-mismatch"
  | "too-many-redirects"
  | "error"

export interface ProbeResult {
  /** When the check ended, Unix milliseconds. */
  readonly at: number
  readonly healthy: boolean
  readonly latencyMs: number | null
  readonly statusCode: number | undefined
  /**
   * The notAfter of the leaf certificate this check was shown (https, or a redirect to https),
   * Unix milliseconds; undefined when none was. Kept because a certificate fails no check until
   * the moment it expires: the TlsCertificateExpiring rule and /metrics warn ahead of that.
   */
  readonly tlsNotAfter: number | undefined
  readonly failure: { readonly reason: ProbeFailureReason; readonly message: string } | undefined
  readonly attempts: number
}

export interface Beat {
  readonly at: number
  readonly healthy: boolean
  readonly latencyMs: number | null
  readonly reason?: ProbeFailureReason
}

export interface ProbeReading {
  readonly name: string
  readonly kind: ProbeKind
  /** The target as published: no credentials, no query (config/services.ts). */
  readonly target: string
  readonly last: ProbeResult
  /** Oldest first, within the history window. */
  readonly beats: ReadonlyArray<Beat>
  readonly lastChange: number
  readonly consecutiveFailures: number
}

export interface ServicesReading {
  readonly at: number
  readonly probes: ReadonlyArray<ProbeReading>
  readonly historyWindowMillis: number
}
