// Parsers for single environment values: each returns the typed value or a ConfigInvalid that
// names the variable and what it accepts.

import { isIP } from "node:net"
import { Duration, Effect } from "effect"
import { ConfigInvalid } from "./ConfigInvalid.ts"
import { parseDuration } from "./duration.ts"

export type Env = Readonly<Record<string, string | undefined>>

const present = (env: Env, name: string): string | undefined => {
  const raw = env[name]
  return raw === undefined || raw.trim() === "" ? undefined : raw.trim()
}

export const readBoolean = (env: Env, name: string, fallback: boolean) =>
  Effect.gen(function* () {
    const raw = present(env, name)
    if (raw === undefined) return fallback
    const lower = raw.toLowerCase()
    if (["true", "1", "yes", "on"].includes(lower)) return true
    if (["false", "0", "no", "off"].includes(lower)) return false
    return yield* new ConfigInvalid({
      variable: name,
      accepts: "true/false (also 1/0, yes/no, on/off)",
      problem: `"${raw}" is not a boolean`
    })
  })

export const readInteger = (env: Env, name: string, fallback: number, min: number, max: number, what = "") =>
  Effect.gen(function* () {
    const raw = present(env, name)
    if (raw === undefined) return fallback
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n
    return yield* new ConfigInvalid({
      variable: name,
      accepts: `an integer from ${min} to ${max}${what}`,
      problem: `"${raw}" is out of range or not an integer`
    })
  })

export const readPort = (env: Env, name: string, fallback: number) =>
  readInteger(env, name, fallback, 0, 65535, " (0 picks a free port)")

export const readDuration = (
  env: Env,
  name: string,
  fallback: Duration.Duration,
  bounds: { readonly min: Duration.Duration; readonly max: Duration.Duration }
) =>
  Effect.gen(function* () {
    const raw = present(env, name)
    if (raw === undefined) return fallback
    const accepts = `a duration such as 500ms, 5s, 2m or 1h, from ${Duration.format(bounds.min)} to ${Duration.format(bounds.max)}`
    const millis = parseDuration(raw)
    if (millis === undefined) {
      return yield* new ConfigInvalid({ variable: name, accepts, problem: `"${raw}" is not a duration` })
    }
    if (millis < Duration.toMillis(bounds.min) || millis > Duration.toMillis(bounds.max)) {
      return yield* new ConfigInvalid({ variable: name, accepts, problem: `${raw} is out of range` })
    }
    return Duration.millis(millis)
  })

export const readAbsolutePath = (env: Env, name: string, fallback: () => string) =>
  Effect.gen(function* () {
    const raw = present(env, name)
    if (raw === undefined) return fallback()
    if (raw.startsWith("/") && !raw.includes("\0")) return raw.length > 1 ? raw.replace(/\/+$/, "") : raw
    return yield* new ConfigInvalid({
      variable: name,
      accepts: "an absolute path",
      problem: `"${raw}" is not absolute`
    })
  })

// Set but empty means an empty list (e.g. no interface filter at all); unset means the default.
export const readList = (env: Env, name: string, fallback: ReadonlyArray<string>): ReadonlyArray<string> => {
  const raw = env[name]
  if (raw === undefined) return fallback
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

export const readListenHost = (env: Env, name: string, fallback: string) =>
  Effect.gen(function* () {
    const raw = present(env, name)
    if (raw === undefined) return fallback
    const bare = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw
    if (bare === "localhost" || isIP(bare) !== 0) return bare
    return yield* new ConfigInvalid({
      variable: name,
      accepts: "an IPv4 or IPv6 address to listen on (127.0.0.1, ::1, 0.0.0.0, ::) or localhost",
      problem: `"${raw}" is not an IP address`
    })
  })

// Loopback is the one place where serving without a token is safe: no other machine can connect.
export const isLoopback = (host: string): boolean => {
  const bare = host.toLowerCase()
  if (bare === "localhost" || bare === "::1") return true
  const v4 = bare.startsWith("::ffff:") ? bare.slice(7) : bare
  return isIP(v4) === 4 && v4.startsWith("127.")
}
