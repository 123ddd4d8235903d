import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Layer, Option, Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import { Authorization, TOKEN_HEADER } from "../api/Authorization.ts"
import { Unauthorized } from "../api/errors.ts"
import { MetricsAuthorization } from "../api/Metrics.ts"
import { AppConfig } from "../config/AppConfig.ts"

// Hash both sides to a fixed length so that the comparison time says nothing about the token,
// not even its length. utf16le, not utf8: utf8 maps every lone surrogate to U+FFFD, which would
// make two different tokens compare equal.
const digest = (s: string) => createHash("sha256").update(s, "utf16le").digest()

// The expected token is the same on every request: its digest is computed once (per distinct
// value) instead of hashing both sides per request, which was a sixth of the /stats handler's CPU.
let expectedDigest: { readonly token: string; readonly digest: Buffer } | undefined
const digestOfExpected = (token: string): Buffer => {
  if (expectedDigest === undefined || expectedDigest.token !== token) expectedDigest = { token, digest: digest(token) }
  return expectedDigest.digest
}

/** Compares a presented token with the expected one in time independent of both. */
export const constantTimeEquals = (presented: string, expected: string): boolean =>
  timingSafeEqual(digest(presented), digestOfExpected(expected))

export const missingToken = new Unauthorized({ error: "Missing authentication token" })
export const invalidToken = new Unauthorized({ error: "Invalid authentication token" })

/** Checks a presented token; `undefined` or "" is a missing one. Shared by every protected route. */
export const checkToken = (
  expected: Option.Option<Redacted.Redacted<string>>,
  presented: string | undefined
): Unauthorized | undefined => {
  // No token configured: the config only allows that on loopback, where no other machine can connect.
  if (Option.isNone(expected)) return undefined
  if (presented === undefined || presented === "") return missingToken
  return constantTimeEquals(presented, Redacted.value(expected.value)) ? undefined : invalidToken
}

export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function* () {
    const config = yield* AppConfig
    return Authorization.of({
      // A missing header arrives as Redacted(""), not as a failure.
      token: (httpEffect, { credential }) => {
        const error = checkToken(config.authToken, Redacted.value(credential))
        return error === undefined ? httpEffect : Effect.fail(error)
      }
    })
  })
)

const BEARER = /^Bearer\s+(.+)$/i

/** The token a request presents: X-Profiler-Token first, else `Authorization: Bearer`. */
export const presentedToken = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  const header = headers[TOKEN_HEADER.toLowerCase()]
  if (header !== undefined && header !== "") return header
  return BEARER.exec(headers.authorization ?? "")?.[1]?.trim()
}

// Both schemes run the same check on both headers, so the answer never depends on which
// scheme the framework tries first: a wrong X-Profiler-Token is "Invalid", not "Missing".
export const MetricsAuthorizationLive = Layer.effect(
  MetricsAuthorization,
  Effect.gen(function* () {
    const config = yield* AppConfig
    const check = <A, E, R>(
      httpEffect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | Unauthorized, R | HttpServerRequest.HttpServerRequest> =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const error = checkToken(config.authToken, presentedToken(request.headers))
        return error === undefined ? httpEffect : (Effect.fail(error) as Effect.Effect<A, E | Unauthorized, R>)
      })
    return MetricsAuthorization.of({
      token: (httpEffect) => check(httpEffect),
      bearer: (httpEffect) => check(httpEffect)
    })
  })
)
