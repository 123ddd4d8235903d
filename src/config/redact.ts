// The one way a configured URL is shown: in the API, in /metrics labels, in the stream, in logs
// and in configuration errors, for probe targets and notification URLs alike. A URL is where
// owners put secrets: user info (https://user:pass@...), a query (?token=, ?api_key=), and path
// segments that are the secret (Slack's /services/T…/B…/<token>, Discord's /api/webhooks/<id>/<token>,
// Telegram's /bot<id>:<token>/..., a healthchecks.io UUID). What is shown keeps what tells the owner
// which target it is (scheme, host, port, the path's plain words) and masks the rest.

/** What a masked path segment shows. */
export const REDACTED = "***"

/** What a value that is not a URL shows: nothing of it, since it may still hold a password. */
export const NOT_A_URL = "(not a valid URL)"

// A segment after one of these names is the secret itself: /token/<t>, /api-key/<k>, /webhooks/<id>.
const SECRET_NAMES =
  /^(?:tokens?|access[-_]?tokens?|keys?|api[-_]?keys?|secrets?|passwords?|passwd|pwd|credentials?|sig|signature|hooks?|webhooks?)$/i

// A segment that assigns one: token=..., key:...
const SECRET_ASSIGNMENT = /^(?:token|access[-_]?token|key|api[-_]?key|secret|password|passwd|pwd|sig|signature)[=:]/i

// Plain words: health, api, v1, status-page, well_known, favicon.ico.
const WORDS = /^[a-z]+(?:[-_.][a-z]+)*$/

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * Whether a path segment looks like a secret: it follows a secret's name, assigns one, or looks
 * random (letters with digits over 12 characters, a colon-joined token, a long run that is not
 * plain words, a long hex string). Masking a plain segment by mistake costs a little clarity;
 * missing a secret publishes it, so the rules lean to masking.
 */
export const isSecretLooking = (rawSegment: string, previousRawSegment: string | undefined): boolean => {
  const segment = decode(rawSegment)
  if (segment === "") return false
  if (previousRawSegment !== undefined && SECRET_NAMES.test(decode(previousRawSegment))) return true
  if (SECRET_ASSIGNMENT.test(segment)) return true
  const hasDigit = /\d/.test(segment)
  const hasLetter = /[A-Za-z]/.test(segment)
  if (hasDigit && hasLetter && segment.length >= 12) return true
  if (segment.includes(":") && segment.length >= 12) return true
  if (/^[0-9a-f]{16,}$/i.test(segment)) return true
  if (segment.length >= 20 && !WORDS.test(segment)) return true
  return false
}

/**
 * What a scheme puts where, on top of the shared rules: a notification URL's scheme says which
 * parts are secret whatever they look like (ntfy's topic, gotify's token, the three parts of a
 * Slack webhook). Rules only ever mask more.
 */
export interface SchemeRules {
  /** Shown instead of the URL's own scheme: "webhook+https:" for the https URL a webhook names. */
  readonly protocol?: string
  /** Whether the path segment at `index` is secret by its place in the path. */
  readonly secretSegment?: (index: number, segments: ReadonlyArray<string>) => boolean
  /** The host is part of the secret too (slack://tokenA/tokenB/tokenC): masked, its port kept. */
  readonly secretHost?: boolean
}

/**
 * A URL as it may be shown anywhere: scheme, host and port, and the path with secret-looking
 * segments masked; never user info, query or fragment. A value that does not parse as a URL
 * with a host shows NOT_A_URL, never itself. `rules` mask more for a scheme that says where its
 * secrets are.
 */
export const redactUrl = (input: string | URL, rules: SchemeRules = {}): string => {
  const url = typeof input === "string" ? URL.parse(input) : input
  // Without a host it is not a URL of a target ("user:pass@db:5432" parses, scheme "user:").
  if (url === null || url.host === "") return NOT_A_URL
  const segments = url.pathname.split("/")
  const path = segments
    .map((segment, i) =>
      segment !== "" && (rules.secretSegment?.(i, segments) === true || isSecretLooking(segment, segments[i - 1]))
        ? REDACTED
        : segment
    )
    .join("/")
  const host = rules.secretHost === true ? `${REDACTED}${url.port === "" ? "" : `:${url.port}`}` : url.host
  return `${rules.protocol ?? url.protocol}//${host}${path}`
}

/**
 * Whether a configuration value must never be echoed whole: it holds user info (`@`) or a
 * URL (`://`), so it may hold a password or a token.
 */
export const mayHoldCredentials = (value: string): boolean => value.includes("@") || value.includes("://")
