import { Schema } from "effect"

// What the operator can do about the usual reasons a listen fails.
const advice: Readonly<Record<string, string>> = {
  EADDRINUSE: "another process already listens on this address: stop it, or set PORT to a free port",
  EACCES: "this user may not listen on this port: ports below 1024 need privileges, so pick a higher PORT",
  EADDRNOTAVAIL: "no interface of this machine has this address: set HOST to one of its addresses, or 0.0.0.0"
}

/**
 * The HTTP server could not listen. Node's own error (a ServeError from the platform) has an
 * empty message; this one names the address, the system error code and what to do about it.
 */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  address: Schema.String,
  code: Schema.String,
  detail: Schema.String
}) {
  static fromCause(host: string, port: number, cause: unknown): ListenFailed {
    const code =
      typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
        ? cause.code
        : "UNKNOWN"
    const detail = cause instanceof Error ? cause.message : String(cause)
    return new ListenFailed({ address: `${host.includes(":") ? `[${host}]` : host}:${port}`, code, detail })
  }

  override get message(): string {
    const hint = advice[this.code]
    return `cannot listen on ${this.address}: ${this.code}${hint === undefined ? ` (${this.detail})` : `: ${hint}`}`
  }
}
