import { Schema } from "effect"
import type { ProbeFailureReason } from "../../api/ServiceStats.ts"

// One typed error per way a probe fails. Each carries its API reason, and its message is the
// short sentence the API shows: built from codes and addresses only, never from the URL, which
// may hold credentials.

export class DnsFailure extends Schema.TaggedError<DnsFailure>()("DnsFailure", {
  host: Schema.String,
  code: Schema.String
}) {
  readonly reason: ProbeFailureReason = "dns"
  override get message() {
    return `${this.host} does not resolve (${this.code})`
  }
}

export class ConnectionRefused extends Schema.TaggedError<ConnectionRefused>()("ConnectionRefused", {
  address: Schema.String
}) {
  readonly reason: ProbeFailureReason = "refused"
  override get message() {
    return `${this.address} refused the connection`
  }
}

export class HostUnreachable extends Schema.TaggedError<HostUnreachable>()("HostUnreachable", {
  address: Schema.String,
  code: Schema.String
}) {
  readonly reason: ProbeFailureReason = "unreachable"
  override get message() {
    return `${this.address} is unreachable (${this.code})`
  }
}

export class ProbeTimeout extends Schema.TaggedError<ProbeTimeout>()("ProbeTimeout", {
  timeoutMs: Schema.Finite
}) {
  readonly reason: ProbeFailureReason = "timeout"
  override get message() {
    return `no answer within ${this.timeoutMs} ms`
  }
}

export class TlsFailure extends Schema.TaggedError<TlsFailure>()("TlsFailure", {
  code: Schema.String,
  detail: Schema.String
}) {
  readonly reason: ProbeFailureReason = "tls"
  override get message() {
    return `TLS failure (${this.code}): ${this.detail}`
  }
}

export class BadStatus extends Schema.TaggedError<BadStatus>()("BadStatus", {
  statusCode: Schema.Int,
  accepted: Schema.String,
  latencyMs: Schema.Finite,
  /** https: the certificate's notAfter (Unix ms), for it was shown even though the answer was wrong. */
  tlsNotAfter: Schema.optional(Schema.Finite)
}) {
  readonly reason: ProbeFailureReason = "bad-status"
  override get message() {
    return `HTTP ${this.statusCode}, expected ${this.accepted}`
  }
}

export class BodyMismatch extends Schema.TaggedError<BodyMismatch>()("BodyMismatch", {
  statusCode: Schema.Int,
  expected: Schema.String,
  latencyMs: Schema.Finite,
  tlsNotAfter: Schema.optional(Schema.Finite)
}) {
  readonly reason: ProbeFailureReason = "body-mismatch"
  override get message() {
    const shown = this.expected.length > 40 ? `${this.expected.slice(0, 40)}…` : this.expected
    return `HTTP ${this.statusCode}, but the first 64 KiB of the body lack "${shown}"`
  }
}

export class TooManyRedirects extends Schema.TaggedError<TooManyRedirects>()("TooManyRedirects", {
  statusCode: Schema.Int,
  redirects: Schema.Int
}) {
  readonly reason: ProbeFailureReason = "too-many-redirects"
  override get message() {
    return `still redirected (HTTP ${this.statusCode}) after ${this.redirects} redirects`
  }
}

export class ConnectionClosed extends Schema.TaggedError<ConnectionClosed>()("ConnectionClosed", {
  address: Schema.String
}) {
  readonly reason: ProbeFailureReason = "closed"
  override get message() {
    return `${this.address} closed the connection before answering`
  }
}

export class ProtocolMismatch extends Schema.TaggedError<ProtocolMismatch>()("ProtocolMismatch", {
  detail: Schema.String
}) {
  readonly reason: ProbeFailureReason = "protocol"
  override get message() {
    return this.detail
  }
}

export class ProbeFailed extends Schema.TaggedError<ProbeFailed>()("ProbeFailed", {
  code: Schema.String
}) {
  readonly reason: ProbeFailureReason = "error"
  override get message() {
    return `the probe failed (${this.code})`
  }
}

export type ProbeError =
  | DnsFailure
  | ConnectionRefused
  | HostUnreachable
  | ProbeTimeout
  | TlsFailure
  | BadStatus
  | BodyMismatch
  | TooManyRedirects
  | ConnectionClosed
  | ProtocolMismatch
  | ProbeFailed

const dnsCodes = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"])
const unreachableCodes = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL"])
const closedCodes = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"])
// Node and OpenSSL name certificate problems without a common prefix.
const tlsCodes = new Set([
  "EPROTO",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "HOSTNAME_MISMATCH"
])
const isTlsCode = (code: string) =>
  tlsCodes.has(code) || /^(ERR_TLS_|ERR_SSL_|CERT_|ERR_OSSL_)/.test(code) || code.includes("CERT")

const firstLine = (text: string) => (text.split("\n")[0] ?? "").slice(0, 160)

/** Maps a socket, DNS, TLS or HTTP-parser error of Node onto its typed probe error. */
export const fromNodeError = (error: unknown, host: string, port: number): ProbeError => {
  const err = error as NodeJS.ErrnoException
  const code = typeof err?.code === "string" ? err.code : "UNKNOWN"
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`
  if (code === "ECONNREFUSED") return new ConnectionRefused({ address })
  if (dnsCodes.has(code)) return new DnsFailure({ host, code })
  if (unreachableCodes.has(code)) return new HostUnreachable({ address, code })
  // The kernel gave up on the handshake before our own timeout did.
  if (code === "ETIMEDOUT") return new HostUnreachable({ address, code })
  if (isTlsCode(code)) return new TlsFailure({ code, detail: firstLine(String(err?.message ?? "")) })
  if (closedCodes.has(code)) return new ConnectionClosed({ address })
  if (code.startsWith("HPE_")) return new ProtocolMismatch({ detail: `${address} did not answer in HTTP (${code})` })
  return new ProbeFailed({ code })
}
