import * as http from "node:http"
import * as https from "node:https"
import { TLSSocket } from "node:tls"
import { Effect } from "effect"
import type { ProbeTarget, StatusRange } from "../../config/services.ts"
import { VERSION } from "../../version.ts"
import {
  BadStatus,
  BodyMismatch,
  fromNodeError,
  type ProbeError,
  ProbeFailed,
  ProtocolMismatch,
  TooManyRedirects
} from "./ProbeError.ts"
import { elapsedSince, type ProbeSuccess, type Settle } from "./socketProbe.ts"

/** The expected text is looked for in this much of the body, no more: a probe stays cheap. */
export const MAX_BODY_BYTES = 64 * 1024
export const MAX_REDIRECTS = 5
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308])

export const formatStatusRanges = (ranges: ReadonlyArray<StatusRange>): string =>
  ranges.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(" or ")

const accepts = (ranges: ReadonlyArray<StatusRange>, code: number) =>
  ranges.some(([from, to]) => code >= from && code <= to)

/**
 * The notAfter (Unix ms) of the leaf certificate the response came over; undefined over plain
 * HTTP. Read from the connection that gave the verdict: after a redirect, that of the last hop.
 */
const certificateNotAfter = (response: http.IncomingMessage): number | undefined =>
  response.socket instanceof TLSSocket ? response.socket.getPeerX509Certificate()?.validToDate.getTime() : undefined

const portOf = (url: URL) => (url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80)
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "")

/**
 * One GET, following redirects only when configured. Each request has its own connection
 * (no keep-alive agent), so a probe measures what a new client sees and leaves no socket
 * behind; every request is destroyed once the verdict is known or the attempt is interrupted.
 */
export const httpProbe = (target: ProbeTarget): Effect.Effect<ProbeSuccess, ProbeError> =>
  Effect.callback<ProbeSuccess, ProbeError>((resume) => {
    const options = target.http
    const started = performance.now()
    let settled = false
    let current: http.ClientRequest | undefined
    const settle: Settle = (result) => {
      if (settled) return
      settled = true
      current?.destroy()
      resume(result)
    }

    const get = (url: URL, redirects: number) => {
      const module = url.protocol === "https:" ? https : http
      let request: http.ClientRequest
      try {
        request = module.request(url, {
          method: "GET",
          agent: false,
          rejectUnauthorized: !options.insecureTls,
          headers: { "user-agent": `system-profiler/${VERSION}`, accept: "*/*", connection: "close" }
        })
      } catch (error) {
        settle(Effect.fail(new ProbeFailed({ code: String((error as NodeJS.ErrnoException)?.code ?? "EINVAL") })))
        return
      }
      current = request
      // A destroyed request of a finished hop may still report errors: only the current one counts.
      request.on("error", (error) => {
        if (current === request) settle(Effect.fail(fromNodeError(error, hostOf(url), portOf(url))))
      })
      request.on("response", (response) => {
        response.on("error", () => {})
        if (current !== request) return
        const statusCode = response.statusCode ?? 0
        const location = response.headers.location
        if (options.followRedirects && REDIRECT_CODES.has(statusCode) && location !== undefined) {
          if (redirects >= MAX_REDIRECTS) {
            settle(Effect.fail(new TooManyRedirects({ statusCode, redirects })))
            return
          }
          const next = URL.parse(location, url.href)
          if (next === null || (next.protocol !== "http:" && next.protocol !== "https:")) {
            settle(Effect.fail(new ProtocolMismatch({ detail: `HTTP ${statusCode} redirects to a non-HTTP location` })))
            return
          }
          get(next, redirects + 1)
          request.destroy()
          return
        }
        // Read now: the connection is destroyed once the verdict is in. A wrong status or body
        // still came over this certificate, so a failure carries it too.
        const tlsNotAfter = certificateNotAfter(response)
        if (!accepts(options.acceptStatus, statusCode)) {
          const accepted = formatStatusRanges(options.acceptStatus)
          settle(Effect.fail(new BadStatus({ statusCode, accepted, latencyMs: elapsedSince(started), tlsNotAfter })))
          return
        }
        const expected = options.expectBody
        if (expected === undefined) {
          settle(Effect.succeed({ latencyMs: elapsedSince(started), statusCode, tlsNotAfter }))
          return
        }
        readUntil(response, expected, (found) =>
          settle(
            found
              ? Effect.succeed({ latencyMs: elapsedSince(started), statusCode, tlsNotAfter })
              : Effect.fail(new BodyMismatch({ statusCode, expected, latencyMs: elapsedSince(started), tlsNotAfter }))
          )
        )
      })
      request.end()
    }

    get(new URL(target.url), 0)
    return Effect.sync(() => {
      settled = true
      current?.destroy()
    })
  })

// Reads at most MAX_BODY_BYTES, answering as soon as the text shows up.
const readUntil = (response: http.IncomingMessage, expected: string, done: (found: boolean) => void) => {
  const needle = Buffer.from(expected, "utf8")
  let body = Buffer.alloc(0)
  let answered = false
  const answer = (found: boolean) => {
    if (answered) return
    answered = true
    done(found)
  }
  response.on("data", (chunk: Buffer) => {
    body = Buffer.concat([body, chunk]).subarray(0, MAX_BODY_BYTES)
    if (body.includes(needle)) answer(true)
    else if (body.length >= MAX_BODY_BYTES) answer(false)
  })
  // A body that ends, or a connection that drops, before the text showed up.
  response.on("end", () => answer(false))
  response.on("close", () => answer(false))
}
