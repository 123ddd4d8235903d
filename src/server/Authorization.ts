import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Layer, Option, Redacted } from "effect"
import { Authorization } from "../api/Authorization.ts"
import { Unauthorized } from "../api/errors.ts"
import { AppConfig } from "../config/AppConfig.ts"

// Hash both sides to a fixed length so that the comparison time says nothing about the token,
// not even its length. utf16le, not utf8: utf8 maps every lone surrogate to U+FFFD, which would
// make two different tokens compare equal.
const digest = (s: string) => createHash("sha256").update(s, "utf16le").digest()

export const constantTimeEquals = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b))

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
