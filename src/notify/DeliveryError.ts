import { Schema } from "effect"

// Why one attempt to deliver failed. Each message is built from codes and numbers only, never
// from a library's error text nor a response body: those may quote the URL, and with it a token.

export class DeliveryTimeout extends Schema.TaggedError<DeliveryTimeout>()("DeliveryTimeout", {
  timeoutMs: Schema.Finite
}) {
  override get message() {
    return `no answer within ${this.timeoutMs} ms`
  }
}

export class HttpStatus extends Schema.TaggedError<HttpStatus>()("HttpStatus", {
  status: Schema.Int
}) {
  override get message() {
    return `the service answered HTTP ${this.status}`
  }
}

export class ConnectionFailed extends Schema.TaggedError<ConnectionFailed>()("ConnectionFailed", {
  code: Schema.String
}) {
  override get message() {
    return `the connection failed (${this.code})`
  }
}

export class SmtpFailed extends Schema.TaggedError<SmtpFailed>()("SmtpFailed", {
  code: Schema.String,
  responseCode: Schema.NullOr(Schema.Int)
}) {
  override get message() {
    return this.responseCode === null
      ? `the mail was not sent (${this.code})`
      : `the mail server answered ${this.responseCode} (${this.code})`
  }
}

export const DeliveryReason = Schema.Union([DeliveryTimeout, HttpStatus, ConnectionFailed, SmtpFailed])
export type DeliveryReason = typeof DeliveryReason.Type

/** A message that did not reach one destination after every attempt. */
export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()("DeliveryFailed", {
  destination: Schema.String,
  attempts: Schema.Int,
  reason: DeliveryReason
}) {
  override get message() {
    return `${this.destination}: ${this.reason.message}, after ${this.attempts} attempt${this.attempts === 1 ? "" : "s"}`
  }
}

// Node and OpenSSL name certificate problems without a common prefix.
const isTlsCode = (code: string) => /CERT|SELF_SIGNED|^ERR_TLS_|^ERR_SSL_|^ERR_OSSL_|^EPROTO$/.test(code)

/**
 * Whether another attempt may succeed: a timeout, a dropped connection, a 5xx, 408 or 429 may
 * pass; a 4xx means a wrong token or chat that no retry fixes, a certificate stays wrong, a
 * 3xx is not followed (it would carry the token elsewhere), and a 5xx SMTP reply is permanent.
 */
export const isTransient = (reason: DeliveryReason): boolean => {
  switch (reason._tag) {
    case "DeliveryTimeout":
      return true
    case "ConnectionFailed":
      return !isTlsCode(reason.code)
    case "HttpStatus":
      return reason.status >= 500 || reason.status === 408 || reason.status === 429
    case "SmtpFailed":
      if (reason.code === "EAUTH" || reason.code === "EENVELOPE") return false
      return reason.responseCode === null || reason.responseCode < 500
  }
}

/** The errno-style code of a Node error, looked for along its cause chain. */
export const errorCode = (error: unknown): string => {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) return code
    current = (current as { cause?: unknown }).cause
  }
  return "UNKNOWN"
}
