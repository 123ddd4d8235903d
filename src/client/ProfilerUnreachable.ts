import { Schema } from "effect"
import type { HttpClientError } from "effect/http"

// The web app's side of a failed call: nothing answered at the base URL. The message names the
// base URL (credentials removed) and what failed, never the token, so that a route can return it
// to the browser as it is.
export class ProfilerUnreachable extends Schema.TaggedError<ProfilerUnreachable>()("ProfilerUnreachable", {
  baseUrl: Schema.String.annotate({ description: "The profiler's base URL, without credentials" }),
  detail: Schema.String.annotate({
    description: "What failed: a system error code (ECONNREFUSED, ENOTFOUND...), no answer in time, or a bad URL"
  })
}) {
  override get message(): string {
    return `system-profiler unreachable at ${this.baseUrl}: ${this.detail}`
  }
}

/** The URL as messages may show it: user and password never leave. */
export const withoutCredentials = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.username = ""
    parsed.password = ""
    return parsed.href.replace(/\/$/, "")
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//")
  }
}

/** The error and its causes, outermost first (at most 8: a cause chain can loop). */
function* causeChain(cause: unknown): Generator<{ readonly code?: unknown; readonly message?: unknown }> {
  let current: unknown = cause
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    yield current
    current = (current as { cause?: unknown }).cause
  }
}

/** The first errno-style code (ECONNREFUSED, ENOTFOUND, UND_ERR_...) along a cause chain. */
const errorCode = (cause: unknown): string | undefined => {
  for (const error of causeChain(cause)) if (typeof error.code === "string") return error.code
  return undefined
}

const portOf = (url: string): string => {
  try {
    return new URL(url).port
  } catch {
    return "?"
  }
}

/** fetch refuses a bad port before connecting, with no code: only its message says so. */
export const blockedPort = (cause: unknown): boolean => {
  for (const error of causeChain(cause)) if (error.message === "bad port") return true
  return false
}

// The codes a person meets when a profiler is down or misaddressed, in words.
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "name not found",
  EAI_AGAIN: "name lookup failed",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed"
}

/**
 * The failures of a request that never reached the profiler, as ProfilerUnreachable; a failure of
 * an answer (unexpected status, bad body) stays an HttpClientError. fetch wraps the system error
 * in a TypeError("fetch failed"), so the code is looked up along the cause chain.
 */
export const unreachableFrom = (
  baseUrl: string,
  error: HttpClientError.HttpClientError
): ProfilerUnreachable | undefined => {
  const reason = error.reason
  if (reason._tag === "InvalidUrlError") return new ProfilerUnreachable({ baseUrl, detail: "not a valid URL" })
  if (reason._tag !== "TransportError") return undefined
  const code = errorCode(reason.cause)
  const detail =
    code !== undefined
      ? `${SYSTEM_ERRORS[code] ?? "error"} (${code})`
      : blockedPort(reason.cause)
        ? `fetch never connects to port ${portOf(baseUrl)}, one of the Fetch standard's bad ports: serve the profiler on another port`
        : "the request failed"
  return new ProfilerUnreachable({ baseUrl, detail })
}
