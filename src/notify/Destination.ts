// Notification destinations as Shoutrrr-style URLs, parsed into typed values whose secrets are
// Redacted. Every destination has a display form (scheme, host, port, the path with every
// secret-looking part masked, no user info, no query: config/redact.ts's redactUrl, with the
// places each scheme keeps its secrets) and that form is the only one that ever reaches an
// error, a log line, the status or a metric.

import { Effect, Redacted, Schema } from "effect"
import { redactUrl } from "../config/redact.ts"

export const DestinationKind = Schema.Literals(["ntfy", "gotify", "discord", "slack", "telegram", "smtp", "webhook"])
export type DestinationKind = typeof DestinationKind.Type

export interface Ntfy {
  readonly _tag: "ntfy"
  readonly display: string
  /** scheme://host[:port]: the JSON publish goes to the root URL, the topic in the body. */
  readonly origin: string
  /** Per ntfy's docs the topic is essentially a password. */
  readonly topic: Redacted.Redacted<string>
  readonly authorization: Redacted.Redacted<string> | undefined
  readonly priority: number | undefined
}

export interface Gotify {
  readonly _tag: "gotify"
  readonly display: string
  /** scheme://host[:port][/subpath], without a trailing slash. */
  readonly base: string
  readonly token: Redacted.Redacted<string>
  readonly priority: number | undefined
}

export interface Discord {
  readonly _tag: "discord"
  readonly display: string
  readonly webhookId: string
  readonly token: Redacted.Redacted<string>
  readonly username: string | undefined
}

export interface Slack {
  readonly _tag: "slack"
  readonly display: string
  /** The three parts of the incoming webhook URL: T…/B…/secret. */
  readonly path: Redacted.Redacted<string>
  readonly username: string | undefined
}

export interface Telegram {
  readonly _tag: "telegram"
  readonly display: string
  readonly token: Redacted.Redacted<string>
  readonly chats: ReadonlyArray<{ readonly chatId: string; readonly threadId: number | undefined }>
}

/** none: plain SMTP; starttls: STARTTLS required; tls: TLS from the first byte; auto: STARTTLS when offered (TLS on port 465). */
export type SmtpSecurity = "none" | "starttls" | "tls" | "auto"

export interface Smtp {
  readonly _tag: "smtp"
  readonly display: string
  readonly host: string
  readonly port: number
  readonly auth: { readonly user: string; readonly pass: Redacted.Redacted<string> } | undefined
  readonly from: string
  readonly fromName: string | undefined
  readonly to: ReadonlyArray<string>
  readonly security: SmtpSecurity
}

export interface Webhook {
  readonly _tag: "webhook"
  readonly display: string
  /** The receiver's URL without user info: its query may hold a token. */
  readonly url: Redacted.Redacted<string>
  readonly authorization: Redacted.Redacted<string> | undefined
}

export type Destination = Ntfy | Gotify | Discord | Slack | Telegram | Smtp | Webhook

const ACCEPTS_BY_KIND: Record<DestinationKind, string> = {
  ntfy: "ntfy://[user:password@ or :token@]host[:port]/topic[?scheme=http&priority=1..5]",
  gotify: "gotify://host[:port][/path]/apptoken[?disabletls=yes&priority=0..10]",
  discord: "discord://token@webhookid[?username=name]",
  slack: "slack://hook:tokenA-tokenB-tokenC@webhook or slack://[botname@]tokenA/tokenB/tokenC (an incoming webhook)",
  telegram: "telegram://bottoken@telegram?chats=chatid[:threadid][,@channel...]",
  smtp:
    "smtp://[user:password@]host[:port]/?from=address&to=address[,address...]" +
    "[&fromname=name&encryption=auto|none|explicittls|implicittls&usestarttls=yes|no]",
  webhook: "webhook+https://[user:password@]host[:port]/path[?query] or webhook+http://… (Alertmanager webhook payload)"
}

export const ACCEPTS =
  "a comma-separated list of destination URLs: " +
  Object.values(ACCEPTS_BY_KIND)
    .map((s) => s.replace(/ or /g, " | "))
    .join(", ")

export const NotifyUrlProblem = Schema.Literals([
  "not-a-url",
  "unknown-scheme",
  "missing-part",
  "bad-part",
  "bad-option"
])
export type NotifyUrlProblem = typeof NotifyUrlProblem.Type

/**
 * A destination URL that cannot be used. `entry` names it by position and display form; no
 * field ever holds the URL itself, which may carry credentials.
 */
export class NotifyUrlInvalid extends Schema.TaggedError<NotifyUrlInvalid>()("NotifyUrlInvalid", {
  source: Schema.String,
  entry: Schema.String,
  reason: NotifyUrlProblem,
  problem: Schema.String,
  accepts: Schema.String
}) {
  override get message(): string {
    return `${this.source}: ${this.entry}: ${this.problem}; it accepts ${this.accepts}`
  }
}

const SCHEMES: Record<string, DestinationKind> = {
  "ntfy:": "ntfy",
  "gotify:": "gotify",
  "discord:": "discord",
  "slack:": "slack",
  "telegram:": "telegram",
  "smtp:": "smtp",
  "webhook+https:": "webhook",
  "webhook+http:": "webhook"
}

/** What an entry is called in errors when it cannot even be parsed: its scheme, nothing after it. */
const schemeOnly = (raw: string): string => {
  const match = /^\s*([A-Za-z][A-Za-z0-9+.-]{0,30}):/.exec(raw)
  return match === null ? "an entry without a scheme" : `${match[1]!.toLowerCase()}://…`
}

/** Splits the variable on the commas that start a new URL, so that `to=a,b` and `chats=1,2` stay whole. */
export const splitList = (raw: string): ReadonlyArray<string> =>
  raw
    .split(/,(?=\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)/)
    .map((s) => s.replace(/^[\s,]+|[\s,]+$/g, ""))
    .filter((s) => s.length > 0)

interface Context {
  readonly source: string
  readonly position: number
}

const decode = (part: string): string | undefined => {
  try {
    return decodeURIComponent(part)
  } catch {
    return undefined
  }
}

const truthy = new Set(["yes", "true", "1", "on"])
const falsy = new Set(["no", "false", "0", "off"])

const parseKind = (kind: DestinationKind, url: URL, display: string, ctx: Context) =>
  Effect.gen(function* () {
    const entry = `entry ${ctx.position} (${display})`
    const fail = (reason: NotifyUrlProblem, problem: string) =>
      new NotifyUrlInvalid({ source: ctx.source, entry, reason, problem, accepts: ACCEPTS_BY_KIND[kind] })

    const options = new Map<string, string>()
    for (const [key, value] of url.searchParams) {
      const lower = key.toLowerCase()
      if (options.has(lower)) return yield* fail("bad-option", `the option "${lower}" appears twice`)
      options.set(lower, value)
    }
    const take = (...names: ReadonlyArray<string>): string | undefined => {
      let found: string | undefined
      for (const name of names) {
        const value = options.get(name)
        if (value !== undefined) found = value
        options.delete(name)
      }
      return found
    }
    const noneLeft = () => {
      const [left] = options.keys()
      if (left === undefined || kind === "webhook") return Effect.void
      // A key that does not look like an option name may be a secret pasted in the wrong place.
      const named = /^[a-z_]{1,24}$/.test(left) ? `the unknown option "${left}"` : "an unknown option"
      return Effect.fail(fail("bad-option", `it has ${named}`))
    }
    const integer = (name: string, raw: string | undefined, min: number, max: number) =>
      Effect.gen(function* () {
        if (raw === undefined) return undefined
        const n = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN
        if (!(n >= min && n <= max)) return yield* fail("bad-option", `the ${name} option is not ${min}..${max}`)
        return n
      })
    const flag = (name: string, raw: string | undefined) =>
      Effect.gen(function* () {
        if (raw === undefined) return undefined
        if (truthy.has(raw.toLowerCase())) return true
        if (falsy.has(raw.toLowerCase())) return false
        return yield* fail("bad-option", `the ${name} option is not yes or no`)
      })
    const user = decode(url.username)
    const pass = decode(url.password)
    if (user === undefined || pass === undefined)
      return yield* fail("bad-part", "its user info is not valid percent-encoding")
    const segments = url.pathname.split("/").filter((s) => s !== "")
    if (kind !== "webhook" && kind !== "telegram" && url.hostname === "") {
      return yield* fail("missing-part", "it has no host")
    }

    switch (kind) {
      case "ntfy": {
        const scheme = (take("scheme") ?? "https").toLowerCase()
        if (scheme !== "http" && scheme !== "https")
          return yield* fail("bad-option", "the scheme option is not http or https")
        const priorityName = take("priority")
        const named: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 }
        const priority =
          priorityName !== undefined && named[priorityName.toLowerCase()] !== undefined
            ? named[priorityName.toLowerCase()]
            : yield* integer("priority", priorityName, 1, 5)
        yield* noneLeft()
        if (segments.length !== 1 || !/^[-_A-Za-z0-9]{1,64}$/.test(segments[0]!)) {
          return yield* fail("missing-part", "it needs exactly one topic (letters, digits, - and _, at most 64)")
        }
        const authorization =
          pass !== ""
            ? user === ""
              ? `Bearer ${pass}`
              : `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`
            : user !== ""
              ? `Bearer ${user}`
              : undefined
        return {
          _tag: "ntfy",
          display,
          origin: `${scheme}://${url.host}`,
          topic: Redacted.make(segments[0]!),
          authorization: authorization === undefined ? undefined : Redacted.make(authorization),
          priority
        } satisfies Ntfy
      }
      case "gotify": {
        const tls = !((yield* flag("disabletls", take("disabletls"))) ?? false)
        const priority = yield* integer("priority", take("priority"), 0, 10)
        yield* noneLeft()
        const token = segments.at(-1)
        if (token === undefined || !/^[A-Za-z0-9._-]+$/.test(token)) {
          return yield* fail("missing-part", "it needs the application token as the last part of the path")
        }
        if (user !== "" || pass !== "")
          return yield* fail("bad-part", "Gotify takes the token in the path, not user info")
        const subpath = segments.slice(0, -1).join("/")
        return {
          _tag: "gotify",
          display,
          base: `${tls ? "https" : "http"}://${url.host}${subpath === "" ? "" : `/${subpath}`}`,
          token: Redacted.make(token),
          priority
        } satisfies Gotify
      }
      case "discord": {
        const username = take("username")
        yield* noneLeft()
        if (!/^\d{1,32}$/.test(url.hostname)) return yield* fail("bad-part", "the host is not a webhook id (digits)")
        if (!/^[A-Za-z0-9_-]{1,128}$/.test(user) || pass !== "" || segments.length > 0) {
          return yield* fail("missing-part", "it needs the webhook token as the user: discord://token@webhookid")
        }
        return {
          _tag: "discord",
          display,
          webhookId: url.hostname,
          token: Redacted.make(user),
          username
        } satisfies Discord
      }
      case "slack": {
        const botname = take("botname")
        yield* noneLeft()
        let parts: ReadonlyArray<string>
        let username = botname
        if (user.toLowerCase() === "xoxb" || user.toLowerCase() === "xoxp") {
          return yield* fail("bad-part", "only incoming webhooks are supported, not API tokens")
        }
        if (user.toLowerCase() === "hook") {
          if (url.hostname.toLowerCase() !== "webhook" || segments.length > 0) {
            return yield* fail("bad-part", "a hook: URL ends in @webhook")
          }
          parts = pass.split("-")
        } else {
          if (pass !== "") return yield* fail("bad-part", "its user info is neither hook:tokens nor a bot name")
          parts = [url.hostname, ...segments]
          if (user !== "") username = user
        }
        if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9]{1,64}$/.test(p))) {
          return yield* fail("missing-part", "it needs the three parts of the webhook URL")
        }
        return { _tag: "slack", display, path: Redacted.make(parts.join("/")), username } satisfies Slack
      }
      case "telegram": {
        const rawChats = take("chats", "channels")
        yield* noneLeft()
        if (!/^\d{1,20}$/.test(user) || !/^[A-Za-z0-9_-]{10,128}$/.test(pass)) {
          return yield* fail("missing-part", "it needs the bot token (digits:letters) as user info")
        }
        if (url.hostname.toLowerCase() !== "telegram" || segments.length > 0) {
          return yield* fail("bad-part", "the host is not telegram")
        }
        const chats = (rawChats ?? "")
          .split(",")
          .map((c) => c.trim())
          .filter((c) => c !== "")
        if (chats.length === 0) return yield* fail("missing-part", "it names no chat (chats=…)")
        const parsed: Array<Telegram["chats"][number]> = []
        for (const chat of chats) {
          const m = /^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})(?::(\d{1,12}))?$/.exec(chat)
          if (m === null) return yield* fail("bad-option", "a chat is neither a chat id nor an @channel")
          parsed.push({ chatId: m[1]!, threadId: m[2] === undefined ? undefined : Number(m[2]) })
        }
        return { _tag: "telegram", display, token: Redacted.make(`${user}:${pass}`), chats: parsed } satisfies Telegram
      }
      case "smtp": {
        const from = take("from", "fromaddress")
        const to = take("to", "toaddresses")
        const fromName = take("fromname")
        const encryption = (take("encryption") ?? "auto").toLowerCase()
        const startTls = yield* flag("usestarttls", take("usestarttls"))
        yield* noneLeft()
        const address = /^[^\s@,<>]+@[^\s@,<>]+$/
        if (from === undefined || !address.test(from)) return yield* fail("missing-part", "it needs from=address")
        const recipients = (to ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
        if (recipients.length === 0 || !recipients.every((r) => address.test(r))) {
          return yield* fail("missing-part", "it needs to=address[,address...]")
        }
        const securities: Record<string, SmtpSecurity> = {
          auto: "auto",
          none: "none",
          explicittls: "starttls",
          implicittls: "tls"
        }
        let security = securities[encryption]
        if (security === undefined) return yield* fail("bad-option", "the encryption option is not one of those")
        if (startTls === false && security === "auto") security = "none"
        if (segments.length > 0) return yield* fail("bad-part", "it has a path; options go in the query")
        return {
          _tag: "smtp",
          display,
          host: url.hostname.replace(/^\[|\]$/g, ""),
          port: url.port === "" ? 25 : Number(url.port),
          auth: user === "" && pass === "" ? undefined : { user, pass: Redacted.make(pass) },
          from,
          fromName,
          to: recipients,
          security
        } satisfies Smtp
      }
      case "webhook": {
        if (url.hostname === "") return yield* fail("missing-part", "it has no host")
        const authorization =
          user === "" && pass === "" ? undefined : `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`
        const target = new URL(url.href)
        target.username = ""
        target.password = ""
        target.hash = ""
        return {
          _tag: "webhook",
          display,
          url: Redacted.make(target.href),
          authorization: authorization === undefined ? undefined : Redacted.make(authorization)
        } satisfies Webhook
      }
    }
  })

// Every non-empty segment: ntfy's topic, the three parts of a Slack webhook.
const everySegment = () => true
// The last non-empty segment: gotify's application token.
const lastSegment = (index: number, segments: ReadonlyArray<string>) =>
  index === segments.findLastIndex((s) => s !== "")

/**
 * The display form of a parsed URL: redactUrl (config/redact.ts), the one redaction of every URL
 * the service shows, with each scheme's secret places on top; no trailing slash.
 */
const displayOf = (kind: DestinationKind, scheme: string, url: URL): string => {
  const rules =
    kind === "ntfy"
      ? { secretSegment: everySegment }
      : kind === "gotify"
        ? { secretSegment: lastSegment }
        : kind === "slack" && url.username.toLowerCase() !== "hook"
          ? { secretHost: true, secretSegment: everySegment }
          : {}
  return redactUrl(url, { ...rules, protocol: scheme }).replace(/\/$/, "")
}

/** Parses one destination URL. `position` counts from 1 and, with `source`, names the entry in errors. */
export const parseDestination = (raw: string, source: string, position = 1) =>
  Effect.gen(function* () {
    const trimmed = raw.trim()
    const unparsed = `entry ${position} (${schemeOnly(trimmed)})`
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\//.exec(trimmed)?.[1]?.toLowerCase()
    const kind = scheme === undefined ? undefined : SCHEMES[scheme]
    if (kind === undefined) {
      return yield* new NotifyUrlInvalid({
        source,
        entry: unparsed,
        reason: scheme === undefined ? "not-a-url" : "unknown-scheme",
        problem: scheme === undefined ? "it is not a URL" : `the scheme ${scheme.slice(0, -1)} is not supported`,
        accepts: ACCEPTS
      })
    }
    // A webhook is parsed as the http(s) URL it names, so that its host and path are normalised.
    const parsed = URL.parse(kind === "webhook" ? trimmed.slice("webhook+".length) : trimmed)
    if (parsed === null) {
      // The URL itself is never echoed: a malformed one may still hold a password.
      return yield* new NotifyUrlInvalid({
        source,
        entry: unparsed,
        reason: "not-a-url",
        problem: "it is not a valid URL",
        accepts: ACCEPTS_BY_KIND[kind]
      })
    }
    return yield* parseKind(kind, parsed, displayOf(kind, scheme!, parsed), { source, position })
  })

/**
 * Parses a comma-separated list of destination URLs (SYSTEM_PROFILER_NOTIFY). Two destinations
 * with the same display form are told apart by a #n suffix, so that each status line is its own.
 */
export const parseDestinations = (raw: string, source: string) =>
  Effect.gen(function* () {
    const entries = splitList(raw)
    const destinations: Array<Destination> = []
    const seen = new Map<string, number>()
    for (const [index, entry] of entries.entries()) {
      const position = index + 1
      const destination = yield* parseDestination(entry, source, position)
      const earlier = seen.get(entry)
      if (earlier !== undefined) {
        return yield* new NotifyUrlInvalid({
          source,
          entry: `entry ${position} (${destination.display})`,
          reason: "bad-part",
          problem: `it repeats entry ${earlier}`,
          accepts: ACCEPTS
        })
      }
      seen.set(entry, position)
      destinations.push(destination)
    }
    const counts = new Map<string, number>()
    for (const d of destinations) counts.set(d.display, (counts.get(d.display) ?? 0) + 1)
    const numbered = new Map<string, number>()
    return destinations.map((d) => {
      if ((counts.get(d.display) ?? 0) < 2) return d
      const n = (numbered.get(d.display) ?? 0) + 1
      numbered.set(d.display, n)
      return { ...d, display: `${d.display}#${n}` }
    }) as ReadonlyArray<Destination>
  })
