import { Duration, Effect } from "effect"
import type { ProbeKind } from "../api/ServiceStats.ts"
import { ConfigInvalid } from "./ConfigInvalid.ts"
import { mayHoldCredentials, redactUrl } from "./redact.ts"
import { semicolonProblem } from "./semicolons.ts"
import { readDuration, readInteger } from "./values.ts"

export const SERVICES_VARIABLE = "SYSTEM_PROFILER_SERVICES"

/** What the compose files of pi-site configure; the mock shows these when none are set. */
export const PI_SITE_SERVICES =
  "web=http://web:3000/,ai-img-validator=http://ai-img-validator:8000/,db=postgres://db:5432"

/** An inclusive range of accepted HTTP status codes. */
export type StatusRange = readonly [from: number, to: number]

export interface HttpOptions {
  readonly acceptStatus: ReadonlyArray<StatusRange>
  /** Healthy only if the first 64 KiB of the body contain this text. */
  readonly expectBody: string | undefined
  readonly followRedirects: boolean
  /** Accept any certificate: for a self-signed internal service. The probe sends no secret. */
  readonly insecureTls: boolean
}

export interface ProbeTarget {
  readonly name: string
  readonly kind: ProbeKind
  /**
   * What the API, /metrics, the stream and the logs show: the URL through redactUrl (no user
   * info, query or options; secret-looking path segments masked).
   */
  readonly target: string
  /** What an http(s) probe requests: the URL without its options fragment. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly http: HttpOptions
  /** Per-probe overrides of SYSTEM_PROFILER_PROBE_TIMEOUT and SYSTEM_PROFILER_PROBE_RETRIES. */
  readonly timeout: Duration.Duration | undefined
  readonly retries: number | undefined
}

// 2xx and 3xx, as uptime monitors count them: a redirect to a login page still means "up".
export const DEFAULT_ACCEPT_STATUS: ReadonlyArray<StatusRange> = [[200, 399]]

export const defaultHttpOptions: HttpOptions = {
  acceptStatus: DEFAULT_ACCEPT_STATUS,
  expectBody: undefined,
  followRedirects: false,
  insecureTls: false
}

const ACCEPTS =
  "a comma-separated list of name=url, the scheme giving the probe kind: " +
  "http://host:port/path, https://..., tcp://host:port or postgres://host:port " +
  "(e.g. web=http://web:3000/,db=postgres://db:5432); options go in the URL fragment, joined by &: " +
  "status=200-299|301 (or 2xx), body=text, redirects=follow, tls=insecure (http and https only), " +
  "timeout=5s and retries=3 (every kind)"

const schemeKinds: Record<string, ProbeKind> = {
  "http:": "http",
  "https:": "https",
  "tcp:": "tcp",
  "postgres:": "postgres",
  "postgresql:": "postgres"
}
const defaultPorts: Record<ProbeKind, number | undefined> = { http: 80, https: 443, tcp: undefined, postgres: 5432 }

const fail = (problem: string) => new ConfigInvalid({ variable: SERVICES_VARIABLE, accepts: ACCEPTS, problem })

const parseStatus = (name: string, raw: string) =>
  Effect.gen(function* () {
    const ranges: Array<StatusRange> = []
    for (const item of raw.split("|")) {
      const m = /^(?:([1-5])xx|([1-5]\d\d)(?:-([1-5]\d\d))?)$/.exec(item.trim())
      if (m === null) return yield* fail(`the status option of "${name}" ("${item}") is not 200, 200-299 or 2xx`)
      const range: StatusRange =
        m[1] !== undefined ? [Number(m[1]) * 100, Number(m[1]) * 100 + 99] : [Number(m[2]), Number(m[3] ?? m[2])]
      if (range[0] > range[1]) return yield* fail(`the status range of "${name}" ("${item}") runs backwards`)
      ranges.push(range)
    }
    return ranges as ReadonlyArray<StatusRange>
  })

// The options live in the fragment because a fragment is never sent to the server.
const parseOptions = (name: string, kind: ProbeKind, fragment: string) =>
  Effect.gen(function* () {
    let http = defaultHttpOptions
    let timeout: Duration.Duration | undefined
    let retries: number | undefined
    const seen = new Set<string>()
    const isHttp = kind === "http" || kind === "https"
    for (const [key, value] of new URLSearchParams(fragment)) {
      if (seen.has(key)) return yield* fail(`the option "${key}" of "${name}" appears twice`)
      seen.add(key)
      if (value === "") return yield* fail(`the option "${key}" of "${name}" has no value`)
      if (!isHttp && ["status", "body", "redirects", "tls"].includes(key)) {
        return yield* fail(`the option "${key}" of "${name}" applies to http and https probes only`)
      }
      switch (key) {
        case "status":
          http = { ...http, acceptStatus: yield* parseStatus(name, value) }
          break
        case "body":
          http = { ...http, expectBody: value }
          break
        case "redirects":
          if (value !== "follow" && value !== "no") {
            return yield* fail(`the redirects option of "${name}" is "${value}"; it takes follow or no`)
          }
          http = { ...http, followRedirects: value === "follow" }
          break
        case "tls":
          if (value !== "insecure" && value !== "verify") {
            return yield* fail(`the tls option of "${name}" is "${value}"; it takes insecure or verify`)
          }
          http = { ...http, insecureTls: value === "insecure" }
          break
        case "timeout":
          timeout = yield* readDuration({ [SERVICES_VARIABLE]: value }, SERVICES_VARIABLE, Duration.zero, {
            min: Duration.millis(10),
            max: Duration.minutes(1)
          }).pipe(Effect.mapError((e) => fail(`the timeout option of "${name}": ${e.problem}; ${e.accepts}`)))
          break
        case "retries":
          retries = yield* readInteger({ [SERVICES_VARIABLE]: value }, SERVICES_VARIABLE, 0, 0, 10).pipe(
            Effect.mapError((e) => fail(`the retries option of "${name}": ${e.problem}; ${e.accepts}`))
          )
          break
        default:
          return yield* fail(`"${name}" has the unknown option "${key}"`)
      }
    }
    return { http, timeout, retries }
  })

export const parseProbeTargets = (raw: string) =>
  Effect.gen(function* () {
    const targets: Array<ProbeTarget> = []
    const entries = raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
    for (const [index, entry] of entries.entries()) {
      const joined = semicolonProblem(entry)
      if (joined !== undefined) return yield* fail(joined)
      // An entry that holds a URL or user info is named by its position, and its URL only as
      // redactUrl shows it: it may hold a password.
      const urlStart = entry.search(/[A-Za-z][A-Za-z0-9+.-]*:\/\//)
      const shown = !mayHoldCredentials(entry)
        ? `entry "${entry}"`
        : urlStart === -1
          ? `entry ${index + 1}`
          : `entry ${index + 1} (${redactUrl(entry.slice(urlStart))})`
      const eq = entry.indexOf("=")
      if (eq <= 0) return yield* fail(`${shown} is not name=url`)
      const name = entry.slice(0, eq).trim()
      const configured = entry.slice(eq + 1).trim()
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) {
        return yield* fail(
          mayHoldCredentials(entry)
            ? `${shown} does not start with a valid name (letters, digits, _ . -) and "="`
            : `"${name}" is not a valid name (letters, digits, _ . -)`
        )
      }
      if (targets.some((t) => t.name === name)) return yield* fail(`the name "${name}" appears twice`)
      let url: URL
      try {
        url = new URL(configured)
      } catch {
        // Not echoed: a malformed URL may still hold a password.
        return yield* fail(`the URL of "${name}" is not a valid URL`)
      }
      const kind = schemeKinds[url.protocol]
      if (kind === undefined) return yield* fail(`the URL of "${name}" has the unsupported scheme "${url.protocol}"`)
      const port = url.port === "" ? defaultPorts[kind] : Number(url.port)
      if (url.hostname === "") return yield* fail(`the URL of "${name}" has no host`)
      if (port === undefined) return yield* fail(`the URL of "${name}" needs a port (tcp://host:port)`)
      const options = yield* parseOptions(name, kind, url.hash.slice(1))
      url.hash = ""
      const requested = url.toString()
      // Credentials never reach the API; an http(s) probe still sends them (Basic auth).
      url.username = ""
      url.password = ""
      if (kind === "tcp" || kind === "postgres") {
        url.pathname = ""
        url.search = ""
      }
      targets.push({
        name,
        kind,
        target: redactUrl(url),
        url: requested,
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port,
        ...options
      })
    }
    return targets as ReadonlyArray<ProbeTarget>
  })
