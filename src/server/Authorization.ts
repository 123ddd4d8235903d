import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Layer, Option, Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import { Authorization, TOKEN_HEADER } from "../api/Authorization.ts"
import { Unauthorized } from "../api/errors.ts"
import { MetricsAuthorization } from "../api/Metrics.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { RefusalLog } from "./RefusalLog.ts"

// Hash both sides to a fixed length so that the comparison time says nothing about the token,
// not even its length. utf16le, not utf8: utf8 maps every lone surrogate to U+FFFD, which would
// make two different tokens compare equal.
const digest = (s: string) => createHash("sha256").update(s, "utf16le").digest()

const missingToken = new Unauthorized({ error: "Missing authentication token" })
const invalidToken = new Unauthorized({ error: "Invalid authentication token" })

export type TokenCheck = (presented: string | undefined) => Unauthorized | undefined

/**
 * The check of a presented token against the configured one, shared by every protected route;
 * `undefined` or "" is a missing token. The expected digest is computed here, once, rather than
 * per request (hashing both sides per request was a sixth of the /stats handler's CPU); the
 * comparison takes a time independent of both tokens.
 */
export const tokenChecker = (expected: Option.Option<Redacted.Redacted<string>>): TokenCheck => {
  // No token configured: the config only allows that on loopback, where no other machine can connect.
  if (Option.isNone(expected)) return () => undefined
  const expectedDigest = digest(Redacted.value(expected.value))
  return (presented) => {
    if (presented === undefined || presented === "") return missingToken
    return timingSafeEqual(digest(presented), expectedDigest) ? undefined : invalidToken
  }
}

export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function* () {
    const checkToken = tokenChecker((yield* AppConfig).authToken)
    const refusals = yield* RefusalLog
    return Authorization.of({
      // A missing header arrives as Redacted(""), not as a failure.
      token: (httpEffect, { credential }) => {
        const error = checkToken(Redacted.value(credential))
        return error === undefined ? httpEffect : Effect.andThen(refusals.refused(error), Effect.fail(error))
      }
    })
  })
).pipe(Layer.provide(RefusalLog.layer))

const BEARER = /^Bearer\s+(.+)$/i

/** The token a request presents: X-Profiler-Token first, else `Authorization: Bearer`. */
const presentedToken = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  const header = headers[TOKEN_HEADER.toLowerCase()]
  if (header !== undefined && header !== "") return header
  return BEARER.exec(headers.authorization ?? "")?.[1]?.trim()
}

// Both schemes run the same check on both headers, so the answer never depends on which
// scheme the framework tries first: a wrong X-Profiler-Token is "Invalid", not "Missing". Its
// RefusalLog is AuthorizationLive's (a layer is built once per graph), so that a client refused on
// /stats and on /metrics still gets one line a minute.
export const MetricsAuthorizationLive = Layer.effect(
  MetricsAuthorization,
  Effect.gen(function* () {
    const checkToken = tokenChecker((yield* AppConfig).authToken)
    const refusals = yield* RefusalLog
    const check = <A, E, R>(
      httpEffect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | Unauthorized, R | HttpServerRequest.HttpServerRequest> =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const error = checkToken(presentedToken(request.headers))
        return error === undefined
          ? httpEffect
          : (Effect.andThen(refusals.refused(error), Effect.fail(error)) as Effect.Effect<
              A,
              E | Unauthorized,
              R | HttpServerRequest.HttpServerRequest
            >)
      })
    return MetricsAuthorization.of({
      token: (httpEffect) => check(httpEffect),
      bearer: (httpEffect) => check(httpEffect)
    })
  })
).pipe(Layer.provide(RefusalLog.layer))
