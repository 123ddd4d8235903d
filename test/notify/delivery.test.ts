// The notifier against a real HTTP receiver on loopback that answers like each service and
// checks each documented request shape (shapes.ts): what arrives, the status it leaves, that a
// hanging destination delays neither the others nor the caller, retries, and that no credential
// from a URL reaches a log line or the status.

import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { ZERO_TIME } from "../../src/notify/formats.ts"
import type { DeliveryStatus } from "../../src/notify/Notifier.ts"
import { captureLogs, firing, resolved, statusWhen, withNotifier } from "./fixtures.ts"
import { httpReceiver, type Received, type Receiver, type Reply } from "./receivers.ts"
import {
  AlertmanagerWebhook,
  DiscordWebhook,
  GotifyMessage,
  NtfyPublish,
  problemsOf,
  SlackWebhook,
  TelegramSendMessage
} from "./shapes.ts"

const NTFY_TOKEN = "tk_ntfyS3cret0001"
const NTFY_TOPIC = "pisiteTopicS3cret02"
const GOTIFY_TOKEN = "AgotifyS3cret03"
const DISCORD_ID = "112233445566778899"
const DISCORD_TOKEN = "discordS3cret_04-abcdef"
const SLACK_PARTS = ["T0SLACK01", "B0SLACK02", "slackS3cret0000000005xyz"] as const
const TELEGRAM_TOKEN = "123456789:telegramS3cret06_abcdefgh"
const AM_PASSWORD = "amS3cret07"
const AM_QUERY = "qS3cret08"
const SECRETS = [
  NTFY_TOKEN,
  NTFY_TOPIC,
  GOTIFY_TOKEN,
  DISCORD_TOKEN,
  SLACK_PARTS[2],
  TELEGRAM_TOKEN,
  "telegramS3cret06",
  AM_PASSWORD,
  AM_QUERY
]

let services: Receiver
/** Every shape or credential problem any request had; each test expects none. */
const problems: Array<string> = []

const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body) })

// Answers like the service at each path: 2xx for a request of the documented shape with the
// right credential, 400 for a bad shape, 401/404 for a wrong credential.
const route = (r: Received, hit: number): Reply | "hang" => {
  const path = r.path
  const check = (schema: Parameters<typeof problemsOf>[1], credentialOk: boolean): Reply | undefined => {
    if (!credentialOk) return json(401, { error: "unauthorized" })
    const found = problemsOf(r, schema)
    if (found.length === 0) return undefined
    problems.push(`${path.split("?")[0]}: ${found.join("; ")}`)
    return json(400, { error: found })
  }
  if (path === "/") {
    return (
      check(NtfyPublish, r.headers.authorization === `Bearer ${NTFY_TOKEN}`) ??
      json(200, { id: "n1", time: 1, event: "message", topic: (r.body as { topic: string }).topic })
    )
  }
  if (path === "/gotify/message") {
    return check(GotifyMessage, r.headers["x-gotify-key"] === GOTIFY_TOKEN) ?? json(200, { id: 1, appid: 1 })
  }
  if (path === `/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}`) {
    return check(DiscordWebhook, true) ?? { status: 204 }
  }
  if (path === `/services/${SLACK_PARTS.join("/")}`) {
    return check(SlackWebhook, true) ?? { status: 200, body: "ok", contentType: "text/plain" }
  }
  if (path === `/bot${TELEGRAM_TOKEN}/sendMessage`) {
    return check(TelegramSendMessage, true) ?? json(200, { ok: true, result: { message_id: hit } })
  }
  if (path.startsWith("/alertmanager/")) {
    const basic = `Basic ${Buffer.from(`am:${AM_PASSWORD}`).toString("base64")}`
    const credentialOk = r.headers.authorization === basic && path.endsWith(`?key=${AM_QUERY}`)
    const bad = check(AlertmanagerWebhook, credentialOk)
    if (bad !== undefined) return bad
    if (path.startsWith("/alertmanager/flaky")) return hit < 3 ? json(500, {}) : json(200, {})
    if (path.startsWith("/alertmanager/denied")) return json(401, {})
    if (path.startsWith("/alertmanager/hang-once") || path.startsWith("/alertmanager/hang-queue")) {
      return hit === 1 ? "hang" : json(200, {})
    }
    if (path.startsWith("/alertmanager/hang")) return "hang"
    return json(200, {})
  }
  return json(404, { error: "not found" })
}

beforeAll(async () => {
  services = await httpReceiver(route)
})
afterAll(async () => {
  await services.close()
})

const hosts = () => ({ discord: services.base, slack: services.base, telegram: services.base })
const at = (path: string) => `127.0.0.1:${services.port}${path}`
const webhook = (name: string) => `webhook+http://am:${AM_PASSWORD}@${at(`/alertmanager/${name}?key=${AM_QUERY}`)}`

const urls = () => [
  `ntfy://:${NTFY_TOKEN}@${at(`/${NTFY_TOPIC}`)}?scheme=http`,
  `gotify://${at(`/gotify/${GOTIFY_TOKEN}`)}?disabletls=yes`,
  `discord://${DISCORD_TOKEN}@${DISCORD_ID}`,
  `slack://hook:${SLACK_PARTS.join("-")}@webhook`,
  `telegram://${TELEGRAM_TOKEN}@telegram?chats=-1001234567890,@pisite_alerts:42`,
  webhook("receive")
]

const arrivals = (since: number) => services.received.slice(since)
const waitFor = (predicate: (r: Received) => boolean) => Effect.promise(() => services.waitFor(predicate))
const body = <A>(r: Received) => r.body as A
const allSettled = (status: ReadonlyArray<DeliveryStatus>) => status.every((s) => s.result !== "never")

describe("every destination kind against its documented request shape", () => {
  it.live(
    "one firing message reaches ntfy, Gotify, Discord, Slack, both Telegram chats and the Alertmanager webhook",
    () =>
      withNotifier(urls(), { hosts: hosts() }, (notifier) =>
        Effect.gen(function* () {
          const before = services.received.length
          yield* notifier.send(firing)
          const status = yield* statusWhen(notifier, allSettled)
          assert.deepStrictEqual(problems, [])
          assert.deepStrictEqual(
            status.map((s) => [s.kind, s.result, s.attempts, s.error]),
            ["ntfy", "gotify", "discord", "slack", "telegram", "webhook"].map((k) => [k, "ok", 1, null])
          )
          const got = arrivals(before)
          assert.strictEqual(got.length, 7, "one request each, two for the two Telegram chats")

          const ntfy = body<typeof NtfyPublish.Type>(got.find((r) => r.path === "/")!)
          assert.strictEqual(ntfy.topic, NTFY_TOPIC)
          assert.strictEqual(ntfy.title, "[FIRING] CpuTemperatureHigh on pi-site (critical)")
          assert.strictEqual(ntfy.priority, 5)
          assert.deepStrictEqual(ntfy.tags, ["rotating_light"])
          // What, where, the figure and its threshold, since when.
          for (const part of [
            "The CPU is hot",
            "CPU temperature: 81.3 °C (threshold ≥ 80 °C for 2m)",
            "Host: pi-site"
          ]) {
            assert.include(ntfy.message, part)
          }
          assert.include(ntfy.message, "Firing since 2026-12-02T10:00:00.000Z")

          const gotify = body<typeof GotifyMessage.Type>(got.find((r) => r.path === "/gotify/message")!)
          assert.strictEqual(gotify.title, ntfy.title)
          assert.strictEqual(gotify.message, ntfy.message)
          assert.strictEqual(gotify.priority, 8)

          const discord = body<typeof DiscordWebhook.Type>(got.find((r) => r.path.startsWith("/api/webhooks/"))!)
          assert.strictEqual(discord.content, ntfy.title)
          assert.deepStrictEqual(discord.allowed_mentions.parse, [])
          assert.strictEqual(discord.embeds[0]!.description, ntfy.message)

          const slack = body<typeof SlackWebhook.Type>(got.find((r) => r.path.startsWith("/services/"))!)
          assert.strictEqual(slack.text, `*${ntfy.title}*\n${ntfy.message}`)

          const telegram = got
            .filter((r) => r.path.startsWith("/bot"))
            .map((r) => body<typeof TelegramSendMessage.Type>(r))
            .sort((a, b) => String(a.chat_id).localeCompare(String(b.chat_id)))
          assert.deepStrictEqual(
            telegram.map((t) => [t.chat_id, t.message_thread_id]),
            [
              [-1001234567890, undefined],
              ["@pisite_alerts", 42]
            ]
          )
          assert.strictEqual(telegram[0]!.text, `${ntfy.title}\n\n${ntfy.message}`)

          const am = body<typeof AlertmanagerWebhook.Type>(got.find((r) => r.path.startsWith("/alertmanager/"))!)
          assert.strictEqual(am.status, "firing")
          assert.strictEqual(am.externalURL, "")
          assert.deepStrictEqual(am.groupLabels, { alertname: "CpuTemperatureHigh" })
          assert.deepStrictEqual(am.commonLabels, {
            alertname: "CpuTemperatureHigh",
            severity: "critical",
            host: "pi-site"
          })
          const alert = am.alerts[0]!
          assert.deepStrictEqual(alert.labels, am.commonLabels)
          assert.strictEqual(alert.annotations.summary, "The CPU is hot")
          assert.strictEqual(alert.annotations.value, "81.3 °C")
          assert.strictEqual(alert.annotations.threshold, "≥ 80 °C for 2m")
          assert.strictEqual(alert.startsAt, firing.since)
          assert.strictEqual(alert.endsAt, ZERO_TIME)
          assert.strictEqual(alert.generatorURL, "")
        })
      )
  )

  it.live("a resolved message says so, names the container, and ends the Alertmanager alert", () =>
    withNotifier([urls()[0]!, webhook("resolved")], { hosts: hosts() }, (notifier) =>
      Effect.gen(function* () {
        const before = services.received.length
        yield* notifier.send(resolved)
        yield* statusWhen(notifier, allSettled)
        assert.deepStrictEqual(problems, [])
        const got = arrivals(before)
        const ntfy = body<typeof NtfyPublish.Type>(got.find((r) => r.path === "/")!)
        assert.strictEqual(ntfy.title, "[RESOLVED] ContainerDown on web on pi-site")
        assert.deepStrictEqual(ntfy.tags, ["white_check_mark"])
        assert.include(ntfy.message, "Host: pi-site, web")
        assert.match(ntfy.message, /Resolved at \d{4}-.*, firing since 2026-12-02T09:00:00.000Z/)
        const am = body<typeof AlertmanagerWebhook.Type>(got.find((r) => r.path.startsWith("/alertmanager/"))!)
        assert.strictEqual(am.status, "resolved")
        assert.strictEqual(am.alerts[0]!.status, "resolved")
        assert.strictEqual(am.alerts[0]!.labels.subject, "web")
        assert.notStrictEqual(am.alerts[0]!.endsAt, ZERO_TIME)
        assert.isAtLeast(Date.parse(am.alerts[0]!.endsAt), Date.parse(resolved.since))
      })
    )
  )
})

describe("delivery", () => {
  it.live("a hanging destination delays neither the others nor the caller", () =>
    withNotifier(
      [webhook("hang-once"), webhook("fine"), urls()[0]!],
      { hosts: hosts(), settings: { timeout: Duration.seconds(60) } },
      (notifier) =>
        Effect.gen(function* () {
          const isHang = (r: Received) => r.path.startsWith("/alertmanager/hang-once")
          const isFine = (r: Received) => r.path.startsWith("/alertmanager/fine")
          // send returns although one receiver will hold its request open for the whole test.
          yield* notifier.send(firing)
          yield* waitFor(isHang)
          const status = yield* statusWhen(notifier, (s) => s[1]!.result === "ok" && s[2]!.result === "ok")
          // The others were delivered while the first one still hangs.
          assert.strictEqual(services.hanging(), 1)
          assert.strictEqual(status[0]!.result, "never")

          // A second message passes the others too, and waits in the hanging one's own queue.
          const before = services.received.length
          yield* notifier.send(resolved)
          yield* waitFor((r) => isFine(r) && services.received.indexOf(r) >= before)
          yield* waitFor((r) => r.path === "/" && services.received.indexOf(r) >= before)
          const waiting = yield* statusWhen(notifier, (s) => s[0]!.queued === 1)
          assert.strictEqual(waiting[0]!.result, "never")
          assert.isFalse(services.received.slice(before).some(isHang))

          services.release()
          const done = yield* statusWhen(notifier, (s) => s[0]!.result === "ok" && s[0]!.alertname === "ContainerDown")
          assert.strictEqual(done[0]!.queued, 0)
          assert.deepStrictEqual(problems, [])
        })
    )
  )

  it.live("each queue is bounded: when it is full the oldest waiting message gives way to the newest", () =>
    withNotifier(
      [webhook("hang-queue")],
      { hosts: hosts(), settings: { timeout: Duration.seconds(60), queueCapacity: 2 } },
      (notifier) =>
        Effect.gen(function* () {
          const named = (alertname: string) => ({ ...firing, alertname })
          const isQueueTest = (r: Received) => r.path.startsWith("/alertmanager/hang-queue")
          const alertnameOf = (r: Received) => body<typeof AlertmanagerWebhook.Type>(r).commonLabels.alertname
          yield* notifier.send(named("M1"))
          // M1 is in flight and held; the next four wait in a queue of two.
          yield* waitFor(isQueueTest)
          for (const name of ["M2", "M3", "M4", "M5"]) yield* notifier.send(named(name))
          const [full] = yield* notifier.status
          assert.strictEqual(full!.queued, 2)
          assert.strictEqual(full!.dropped, 2)
          services.release()
          yield* statusWhen(notifier, (s) => s[0]!.alertname === "M5" && s[0]!.result === "ok")
          assert.deepStrictEqual(services.received.filter(isQueueTest).map(alertnameOf), ["M1", "M4", "M5"])
        })
    )
  )

  it.live("send to some destinations only, by display form", () =>
    withNotifier([webhook("only-a"), webhook("only-b")], { hosts: hosts() }, (notifier) =>
      Effect.gen(function* () {
        const isA = (r: Received) => r.path.startsWith("/alertmanager/only-a")
        yield* notifier.send({ ...firing, alertname: "ForBOnly" }, [notifier.destinations[1]!])
        yield* notifier.send({ ...firing, alertname: "ForBoth" })
        // Each destination delivers in order, so once "ForBoth" reached A, "ForBOnly" would have before it.
        yield* waitFor(isA)
        const status = yield* statusWhen(notifier, (s) => s.every((x) => x.alertname === "ForBoth"))
        assert.deepStrictEqual(
          services.received.filter(isA).map((r) => body<typeof AlertmanagerWebhook.Type>(r).commonLabels.alertname),
          ["ForBoth"]
        )
        assert.deepStrictEqual(
          status.map((s) => s.result),
          ["ok", "ok"]
        )
      })
    )
  )

  it.live("retries after HTTP 500 until it succeeds; a 401 is not retried", () =>
    withNotifier([webhook("flaky"), webhook("denied")], { hosts: hosts() }, (notifier) =>
      Effect.gen(function* () {
        const before = services.received.length
        yield* notifier.send(firing)
        const [flaky, denied] = yield* statusWhen(notifier, allSettled)
        assert.strictEqual(flaky!.result, "ok")
        assert.strictEqual(flaky!.attempts, 3)
        assert.strictEqual(arrivals(before).filter((r) => r.path.startsWith("/alertmanager/flaky")).length, 3)
        assert.strictEqual(denied!.result, "error")
        assert.strictEqual(denied!.attempts, 1)
        assert.strictEqual(denied!.error, "the service answered HTTP 401")
        assert.strictEqual(arrivals(before).filter((r) => r.path.startsWith("/alertmanager/denied")).length, 1)
      })
    )
  )

  it.live("an attempt that gets no answer is cut at the timeout and retried, and its connection closed", () =>
    withNotifier(
      [webhook("hang-timeout")],
      { hosts: hosts(), settings: { timeout: Duration.millis(200), retries: 1 } },
      (notifier) =>
        Effect.gen(function* () {
          const before = services.received.length
          yield* notifier.send(firing)
          const [status] = yield* statusWhen(notifier, allSettled)
          assert.strictEqual(status!.result, "error")
          assert.strictEqual(status!.error, "no answer within 200 ms")
          assert.strictEqual(status!.attempts, 2)
          assert.strictEqual(arrivals(before).length, 2)
          // Both requests were aborted by the notifier: nothing is left open on the receiver.
          yield* Effect.promise(async () => {
            while (services.hanging() > 0) await new Promise((r) => setTimeout(r, 20))
          })
        })
    )
  )

  it.live("no credential of any URL reaches a log line, an error or the status", () => {
    const logs = captureLogs()
    const wrong = [
      `telegram://999:wrongTelegramS3cret09@telegram?chats=1`,
      `discord://wrongDiscordS3cret10@${DISCORD_ID}`,
      `ntfy://user:ntfyPassS3cret11@127.0.0.1:1/${NTFY_TOPIC}?scheme=http`,
      `webhook+http://am:${AM_PASSWORD}@127.0.0.1:1/alertmanager/x?key=${AM_QUERY}`
    ]
    const secrets = [...SECRETS, "wrongTelegramS3cret09", "wrongDiscordS3cret10", "ntfyPassS3cret11"]
    return withNotifier(
      [...urls(), ...wrong],
      { hosts: hosts(), settings: { retries: 1 }, logs: logs.layer },
      (notifier) =>
        Effect.gen(function* () {
          yield* notifier.send(firing)
          const status = yield* statusWhen(notifier, allSettled)
          assert.deepStrictEqual(
            status.map((s) => s.result),
            ["ok", "ok", "ok", "ok", "ok", "ok", "error", "error", "error", "error"]
          )
          assert.deepStrictEqual(
            status.slice(6).map((s) => s.error),
            [
              "the service answered HTTP 404",
              "the service answered HTTP 404",
              "the connection failed (ECONNREFUSED)",
              "the connection failed (ECONNREFUSED)"
            ]
          )
          // The failures were logged, under the display form and with the reason.
          const failures = logs.lines.filter((l) => l.includes("notification failed"))
          assert.strictEqual(failures.length, 4)
          assert.isTrue(failures.some((l) => l.includes(`ntfy://127.0.0.1:1/***`) && l.includes("ECONNREFUSED")))
          assert.isTrue(logs.lines.some((l) => l.includes("notification delivered")))
          const seen = [JSON.stringify(status), ...logs.lines, ...notifier.destinations].join("\n")
          for (const secret of secrets) assert.notInclude(seen, secret)
          assert.notInclude(seen, DISCORD_TOKEN.slice(0, 12))
        })
    )
  })
})
