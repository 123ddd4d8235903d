import { Schema } from "effect"
import type { HttpClientError } from "effect/http"
import type { DockerEndpoint } from "../../config/dockerHost.ts"
import {
  BadResponse,
  PermissionDenied,
  SampleError,
  SourceUnavailable,
  TimedOut,
  Unparsable
} from "../../domain/SampleError.ts"
import { type DockerCall, formatBytes } from "./dockerCalls.ts"

// Why a Docker call failed. `not-found` is the one a collector handles itself (the container
// vanished between the list and its details); the others become the section's failure.
export const DockerFailure = Schema.Literals([
  "unavailable",
  "permission-denied",
  "timeout",
  "bad-response",
  "parse-error",
  "not-found"
])

// `detail` is shown to API clients in the 503 body: it names the endpoint and the call, never a
// response body or anything read from a container.
export class DockerError extends Schema.TaggedError<DockerError>()("DockerError", {
  reason: DockerFailure,
  detail: Schema.String
}) {
  static status(status: number, what: string, where: string): DockerError {
    if (status === 404) return new DockerError({ reason: "not-found", detail: `${what}: not found` })
    if (status === 401 || status === 403) {
      return new DockerError({
        reason: "permission-denied",
        detail: `${where} refused ${what} with HTTP ${status} (a socket proxy that does not allow it?)`
      })
    }
    return new DockerError({ reason: "bad-response", detail: `${where} answered ${what} with HTTP ${status}` })
  }

  /** An answer cut off at the call's byte limit (dockerCalls.ts). */
  static tooLarge(call: DockerCall, where: string): DockerError {
    return new DockerError({
      reason: "bad-response",
      detail:
        `${where} answered ${call.what} with more than ${formatBytes(call.maxBytes)}, the most that call may send; ` +
        `the answer was cut off${call.hint === undefined ? "" : ` (${call.hint})`}`
    })
  }

  toSampleError(): SampleError {
    const detail = this.detail
    const reason =
      this.reason === "unavailable"
        ? new SourceUnavailable({ detail })
        : this.reason === "permission-denied"
          ? new PermissionDenied({ detail })
          : this.reason === "timeout"
            ? new TimedOut({ detail })
            : this.reason === "parse-error"
              ? new Unparsable({ detail })
              : new BadResponse({ detail })
    return new SampleError({ section: "containers", reason })
  }
}

/** The first errno-style code (ENOENT, EACCES, ECONNREFUSED, UND_ERR_...) along a cause chain. */
export const errorCode = (cause: unknown): string | undefined => {
  let current: unknown = cause
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * Whether a body read failed at its byte limit (HttpIncomingMessage.MaxBodySize): Node's reader
 * fails with a MaxBytesError, as the cause of the client error.
 */
export const isBodyTooLarge = (error: HttpClientError.HttpClientError): boolean => {
  const cause = (error.reason as { readonly cause?: unknown }).cause
  return typeof cause === "object" && cause !== null && (cause as { _tag?: unknown })._tag === "MaxBytesError"
}

/** The socket path, or host:port, that messages name. */
const address = (endpoint: DockerEndpoint): string =>
  endpoint._tag === "unix" ? endpoint.socketPath : `${endpoint.host}:${endpoint.port}`

/** Turns a failed request into the reason a person can act on: no socket, no permission, daemon down. */
export const classifyTransport = (
  reason: HttpClientError.HttpClientError["reason"],
  what: string,
  endpoint: DockerEndpoint
): DockerError => {
  if (reason._tag === "StatusCodeError") return DockerError.status(reason.response.status, what, address(endpoint))
  if (reason._tag !== "TransportError") {
    return new DockerError({ reason: "parse-error", detail: `${what} answered with an unreadable body` })
  }
  return classifyCause(reason.cause, endpoint)
}

/** The reason a person can act on, for a request that failed with `cause` (a Node socket error). */
const classifyCause = (cause: unknown, endpoint: DockerEndpoint): DockerError => {
  const where = address(endpoint)
  const code = errorCode(cause)
  switch (code) {
    case "ENOENT":
      return new DockerError({ reason: "unavailable", detail: `no Docker socket at ${where}` })
    case "EACCES":
    case "EPERM":
      return new DockerError({
        reason: "permission-denied",
        detail: `permission denied on the Docker socket ${where} (is the service in the socket's group?)`
      })
    case "ECONNREFUSED":
      return new DockerError({
        reason: "unavailable",
        detail: `the Docker daemon at ${where} refused the connection (is it running?)`
      })
    default:
      return new DockerError({
        reason: "unavailable",
        detail: `cannot reach the Docker daemon at ${where}${code === undefined ? "" : ` (${code})`}`
      })
  }
}
