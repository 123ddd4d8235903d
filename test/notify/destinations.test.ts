// SYSTEM_PROFILER_NOTIFY: every Shoutrrr-style URL kind into its typed destination, the display
// form that alone is ever shown, and errors that name the entry and what it accepts, never a
// credential. The settings are read through Effect's Config.

import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, ConfigProvider, Duration, Effect, Exit, Redacted, Schema } from "effect"
import { ConfigInvalid } from "../../src/config/ConfigInvalid.ts"
import {
  type Destination,
  NotifyUrlInvalid,
  parseDestination,
  parseDestinations,
  splitList
} from "../../src/notify/Destination.ts"
import { Notifier } from "../../src/notify/Notifier.ts"
import { notifyConfig } from "../../src/notify/settings.ts"

const SOURCE = "SYSTEM_PROFILER_NOTIFY"
const parse = (raw: string) => parseDestination(raw, SOURCE)
const failure = (raw: string) => Effect.flip(parseDestinations(raw, SOURCE))
const secret = (r: Redacted.Redacted<string> | undefined) => (r === undefined ? undefined : Redacted.value(r))
const as = <T extends Destination["_tag"]>(d: Destination, tag: T) => {
  assert.strictEqual(d._tag, tag)
  return d as Extract<Destination, { _tag: T }>
}

describe("destination URLs", () => {
  it.effect("ntfy: Basic for user:password, Bearer for :token, https unless scheme=http", () =>
    Effect.gen(function* () {
      const basic = as(yield* parse("ntfy://alice:pa%40ss@ntfy.example.org/pi-alerts"), "ntfy")
      assert.strictEqual(basic.origin, "https://ntfy.example.org")
      assert.strictEqual(secret(basic.topic), "pi-alerts")
      assert.strictEqual(secret(basic.authorization), `Basic ${Buffer.from("alice:pa@ss").toString("base64")}`)
      assert.strictEqual(basic.display, "ntfy://ntfy.example.org/***")
      const bearer = as(yield* parse("ntfy://:tk_abc123@10.0.0.5:8080/alerts?scheme=http&priority=high"), "ntfy")
      assert.strictEqual(bearer.origin, "http://10.0.0.5:8080")
      assert.strictEqual(secret(bearer.authorization), "Bearer tk_abc123")
      assert.strictEqual(bearer.priority, 4)
      const open = as(yield* parse("ntfy://ntfy.sh/mytopic"), "ntfy")
      assert.isUndefined(open.authorization)
      assert.isUndefined(open.priority)
    })
  )

  it.effect("gotify: host, optional subpath, token last; https unless disabletls", () =>
    Effect.gen(function* () {
      const g = as(yield* parse("gotify://push.example.org:8443/gotify/AzyoeNS.D4iJLVa/?priority=7"), "gotify")
      assert.strictEqual(g.base, "https://push.example.org:8443/gotify")
      assert.strictEqual(secret(g.token), "AzyoeNS.D4iJLVa")
      assert.strictEqual(g.priority, 7)
      assert.strictEqual(g.display, "gotify://push.example.org:8443/gotify/***")
      const plain = as(yield* parse("gotify://192.168.1.9/AzyoeNS.D4iJLVa?disabletls=yes"), "gotify")
      assert.strictEqual(plain.base, "http://192.168.1.9")
    })
  )

  it.effect("discord, slack (both forms), telegram", () =>
    Effect.gen(function* () {
      const d = as(yield* parse("discord://W3dE2OZz4C13_4z-uHf@693853386302554172?username=pi"), "discord")
      assert.strictEqual(d.webhookId, "693853386302554172")
      assert.strictEqual(secret(d.token), "W3dE2OZz4C13_4z-uHf")
      assert.strictEqual(d.username, "pi")
      assert.strictEqual(d.display, "discord://693853386302554172")

      const hook = as(yield* parse("slack://hook:T00000000-B00000000-XXXXXXXXXXXXXXXXXXXXXXXX@webhook"), "slack")
      assert.strictEqual(secret(hook.path), "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
      assert.strictEqual(hook.display, "slack://webhook")
      const legacy = as(yield* parse("slack://PiBot@T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"), "slack")
      assert.strictEqual(secret(legacy.path), secret(hook.path))
      assert.strictEqual(legacy.username, "PiBot")
      assert.notInclude(legacy.display, "XXXXXXXX")

      const t = as(
        yield* parse("telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@pi_alerts,-1001234:7"),
        "telegram"
      )
      assert.strictEqual(secret(t.token), "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
      assert.deepStrictEqual(t.chats, [
        { chatId: "@pi_alerts", threadId: undefined },
        { chatId: "-1001234", threadId: 7 }
      ])
      assert.strictEqual(t.display, "telegram://telegram")
    })
  )

  it.effect("smtp: credentials, from, to, encryption; port 25 by default", () =>
    Effect.gen(function* () {
      const s = as(
        yield* parse(
          "smtp://me%40example.org:app%20pw@smtp.example.org:587/?fromAddress=me@example.org&toAddresses=a@x.org,b@y.org&encryption=ExplicitTLS&fromname=Pi"
        ),
        "smtp"
      )
      assert.deepStrictEqual(
        { host: s.host, port: s.port, user: s.auth?.user, pass: secret(s.auth?.pass), from: s.from, to: s.to },
        {
          host: "smtp.example.org",
          port: 587,
          user: "me@example.org",
          pass: "app pw",
          from: "me@example.org",
          to: ["a@x.org", "b@y.org"]
        }
      )
      assert.strictEqual(s.security, "starttls")
      assert.strictEqual(s.fromName, "Pi")
      assert.strictEqual(s.display, "smtp://smtp.example.org:587")
      const bare = as(yield* parse("smtp://relay.lan/?from=pi@lan&to=me@lan&usestarttls=no"), "smtp")
      assert.strictEqual(bare.port, 25)
      assert.isUndefined(bare.auth)
      assert.strictEqual(bare.security, "none")
    })
  )

  it.effect(
    "webhook+https and webhook+http: user info becomes Basic auth, the query stays, the display drops both",
    () =>
      Effect.gen(function* () {
        const w = as(
          yield* parse("webhook+https://am:pw@hooks.example.org:9443/api/v1/alerts/AbC123xyz789?token=t0k3n#x"),
          "webhook"
        )
        assert.strictEqual(secret(w.url), "https://hooks.example.org:9443/api/v1/alerts/AbC123xyz789?token=t0k3n")
        assert.strictEqual(secret(w.authorization), `Basic ${Buffer.from("am:pw").toString("base64")}`)
        assert.strictEqual(w.display, "webhook+https://hooks.example.org:9443/api/v1/alerts/***")
        const plain = as(yield* parse("webhook+http://alert-receiver:8080/"), "webhook")
        assert.strictEqual(secret(plain.url), "http://alert-receiver:8080/")
        assert.strictEqual(plain.display, "webhook+http://alert-receiver:8080")
      })
  )

  it("the list splits only at commas that start a URL, so to=a,b and chats=1,2 stay whole", () => {
    assert.deepStrictEqual(
      splitList(" smtp://h/?from=a@b&to=c@d,e@f , telegram://1:abcdefghijk@telegram?chats=1,2,ntfy://ntfy.sh/t,"),
      ["smtp://h/?from=a@b&to=c@d,e@f", "telegram://1:abcdefghijk@telegram?chats=1,2", "ntfy://ntfy.sh/t"]
    )
  })

  it.effect("two destinations with the same display form are numbered, so each status line is its own", () =>
    Effect.gen(function* () {
      const list = yield* parseDestinations("ntfy://ntfy.sh/one,ntfy://ntfy.sh/two,gotify://g.lan/Atoken", SOURCE)
      assert.deepStrictEqual(
        list.map((d) => d.display),
        ["ntfy://ntfy.sh/***#1", "ntfy://ntfy.sh/***#2", "gotify://g.lan/***"]
      )
      assert.deepStrictEqual(yield* parseDestinations("  ", SOURCE), [])
    })
  )
})

describe("bad destination URLs", () => {
  const cases: ReadonlyArray<readonly [string, string, string, string]> = [
    // [list, reason, the entry as named, what the problem says]
    ["pushover://tok@user", "unknown-scheme", "entry 1 (pushover://…)", "the scheme pushover is not supported"],
    ["just-a-word", "not-a-url", "entry 1 (an entry without a scheme)", "it is not a URL"],
    ["ntfy://ntfy.sh/ok,ntfy://:Sup3rS3cret@bad host/x", "not-a-url", "entry 2 (ntfy://…)", "it is not a valid URL"],
    ["ntfy://u:Sup3rS3cret@ntfy.sh/a/b", "missing-part", "entry 1 (ntfy://ntfy.sh/***/***)", "exactly one topic"],
    ["ntfy://ntfy.sh/t?prority=5", "bad-option", "entry 1 (ntfy://ntfy.sh/***)", 'the unknown option "prority"'],
    ["ntfy://ntfy.sh/t?Sup3rS3cret=1", "bad-option", "entry 1 (ntfy://ntfy.sh/***)", "an unknown option"],
    ["ntfy://ntfy.sh/t?priority=9", "bad-option", "entry 1 (ntfy://ntfy.sh/***)", "priority option is not 1..5"],
    ["gotify://push.example.org", "missing-part", "entry 1 (gotify://push.example.org)", "application token"],
    ["discord://Sup3rS3cret@not-digits", "bad-part", "entry 1 (discord://not-digits)", "not a webhook id"],
    ["slack://xoxb:Sup3rS3cret@C0123", "bad-part", "entry 1 (slack://***)", "only incoming webhooks"],
    ["telegram://12345:Sup3rS3cretXYZ@telegram", "missing-part", "entry 1 (telegram://telegram)", "names no chat"],
    ["smtp://u:Sup3rS3cret@mail.lan/?to=a@b", "missing-part", "entry 1 (smtp://mail.lan)", "from=address"],
    ["smtp://mail.lan/?from=a@b&to=c@d&encryption=tls13", "bad-option", "entry 1 (smtp://mail.lan)", "encryption"],
    ["webhook+ftp://x/y", "unknown-scheme", "entry 1 (webhook+ftp://…)", "not supported"],
    ["ntfy://ntfy.sh/t,ntfy://ntfy.sh/t", "bad-part", "entry 2 (ntfy://ntfy.sh/***)", "it repeats entry 1"]
  ]
  for (const [list, reason, entry, problem] of cases) {
    it.effect(`${reason}: ${entry} ${problem}`, () =>
      Effect.gen(function* () {
        const error = yield* failure(list)
        assert.instanceOf(error, NotifyUrlInvalid)
        assert.strictEqual(error.reason, reason)
        assert.strictEqual(error.entry, entry)
        assert.include(error.problem, problem)
        assert.isTrue(error.message.startsWith(`${SOURCE}: ${entry}: `), error.message)
        assert.include(error.message, "it accepts ")
        assert.notInclude(error.message, "Sup3rS3cret")
      })
    )
  }
})

const alnum = Arbitrary.schema(Schema.Literals([..."abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789_-"]))
// A secret that no display form can contain by chance: a fixed prefix and 8 or more characters.
const secretArb = Arbitrary.map(Arbitrary.array(alnum, { minLength: 8, maxLength: 40 }), (cs) => `Qz${cs.join("")}`)
const junkArb = Arbitrary.schema(Schema.String)

describe("no credential in any display form or error", () => {
  const templates: ReadonlyArray<(s: string, junk: string) => string> = [
    (s) => `ntfy://user:${s}@ntfy.example.org/topic`,
    (s) => `ntfy://:${s}@ntfy.example.org/${s.slice(0, 60)}`,
    (s, j) => `ntfy://:${s}@ntfy.example.org/topic?${j}`,
    (s) => `gotify://push.example.org/sub/${s}`,
    (s, j) => `gotify://push.example.org/${s}?${j}`,
    (s) => `discord://${s}@123456789`,
    (s) => `slack://hook:T0000000A-B0000000A-${s.replace(/[-_]/g, "x")}@webhook`,
    (s) => `slack://T0000000A/B0000000A/${s.replace(/[-_]/g, "x")}`,
    (s) => `telegram://12345:${s}@telegram?chats=1`,
    (s, j) => `telegram://12345:${s}@telegram?chats=${j}`,
    (s) => `smtp://me:${s}@mail.example.org/?from=a@b&to=c@d`,
    (s, j) => `smtp://me:${s}@mail.example.org/?${j}`,
    (s) => `webhook+https://u:${s}@hooks.example.org/alerts`,
    (s) => `webhook+https://hooks.example.org/alerts/${s}1a?key=${s}`,
    (s, j) => `webhook+http://u:${s}@hooks.example.org/${j}`,
    (s, j) => `${j}://u:${s}@x`,
    (s, j) => `ntfy://u:${s}@${j}/t`
  ]
  it.prop("whatever the secret and the junk around it, it is not shown", [secretArb, junkArb], ([s, junk]) => {
    for (const template of templates) {
      const raw = template(s, junk)
      const exit = Effect.runSyncExit(parseDestinations(raw, SOURCE))
      const shown = Exit.isSuccess(exit)
        ? exit.value.map((d) => `${d.display} ${JSON.stringify(d)} ${String(d)}`).join("\n")
        : String(exit.cause)
      if (shown.includes(s)) throw new Error(`${raw} shows its secret: ${shown}`)
    }
    return true
  })
})

describe("Notifier.layer", () => {
  it.effect("reads SYSTEM_PROFILER_NOTIFY through Config; a bad URL fails the layer with the typed error", () =>
    Effect.gen(function* () {
      const withEnv = (env: Record<string, string>) =>
        Effect.gen(function* () {
          return (yield* Notifier).destinations
        }).pipe(
          Effect.provide(Notifier.layer),
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env))
        )
      assert.deepStrictEqual(yield* withEnv({ SYSTEM_PROFILER_NOTIFY: "ntfy://ntfy.sh/a,discord://tok@123456" }), [
        "ntfy://ntfy.sh/***",
        "discord://123456"
      ])
      assert.deepStrictEqual(yield* withEnv({}), [])
      const error = yield* Effect.flip(withEnv({ SYSTEM_PROFILER_NOTIFY: "discord://Sup3rS3cret@x" }))
      assert.instanceOf(error, NotifyUrlInvalid)
      assert.notInclude(error.message, "Sup3rS3cret")
    })
  )
})

describe("settings through Config", () => {
  const withEnv = (env: Record<string, string>) =>
    notifyConfig.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env)))

  it.effect("defaults, and each setting in the syntax of every other duration variable", () =>
    Effect.gen(function* () {
      const defaults = yield* withEnv({})
      assert.deepStrictEqual(defaults.destinations, [])
      assert.deepStrictEqual(
        [
          Duration.toMillis(defaults.settings.timeout),
          defaults.settings.retries,
          Duration.toMillis(defaults.settings.backoff),
          defaults.settings.queueCapacity
        ],
        [10_000, 3, 2000, 64]
      )
      const set = yield* withEnv({
        SYSTEM_PROFILER_NOTIFY: "ntfy://ntfy.sh/a, gotify://g.lan/Atoken",
        SYSTEM_PROFILER_NOTIFY_TIMEOUT: "3s",
        SYSTEM_PROFILER_NOTIFY_RETRIES: "0",
        SYSTEM_PROFILER_NOTIFY_BACKOFF: "250ms",
        SYSTEM_PROFILER_NOTIFY_QUEUE: "5"
      })
      assert.deepStrictEqual(
        set.destinations.map((d) => d._tag),
        ["ntfy", "gotify"]
      )
      assert.deepStrictEqual(
        [
          Duration.toMillis(set.settings.timeout),
          set.settings.retries,
          Duration.toMillis(set.settings.backoff),
          set.settings.queueCapacity
        ],
        [3000, 0, 250, 5]
      )
    })
  )

  it.effect("a bad setting is a ConfigInvalid naming the variable; a bad URL a NotifyUrlInvalid", () =>
    Effect.gen(function* () {
      const timeout = yield* Effect.flip(withEnv({ SYSTEM_PROFILER_NOTIFY_TIMEOUT: "forever" }))
      assert.instanceOf(timeout, ConfigInvalid)
      assert.strictEqual((timeout as ConfigInvalid).variable, "SYSTEM_PROFILER_NOTIFY_TIMEOUT")
      const queue = yield* Effect.flip(withEnv({ SYSTEM_PROFILER_NOTIFY_QUEUE: "0" }))
      assert.strictEqual((queue as ConfigInvalid).variable, "SYSTEM_PROFILER_NOTIFY_QUEUE")
      const url = yield* Effect.flip(withEnv({ SYSTEM_PROFILER_NOTIFY: "ntfy://u:Sup3rS3cret@ntfy.sh" }))
      assert.instanceOf(url, NotifyUrlInvalid)
      assert.notInclude(url.message, "Sup3rS3cret")
    })
  )
})
