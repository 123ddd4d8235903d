// Each service's documented request shape, as the loopback receivers check it. Sources:
// ntfy "Publish as JSON" (docs.ntfy.sh/publish: POST to the root URL, topic required, priority
// 1-5, tags a list); Gotify's API (POST /message, the app token in X-Gotify-Key or ?token=,
// message required, title, priority an integer); Discord's Execute Webhook (POST
// /api/webhooks/{id}/{token}, content of at most 2000 characters and/or embeds, an embed's
// description at most 4096, allowed_mentions); Slack's incoming webhooks (POST
// /services/T…/B…/…, JSON with text); Telegram's Bot API sendMessage (POST
// /bot<token>/sendMessage, chat_id an Integer or String, text of 1-4096 characters,
// message_thread_id an Integer); Alertmanager's webhook_config payload, version "4"
// (prometheus.io/docs/alerting/latest/configuration/#webhook_config).

import { Schema } from "effect"
import type { Received } from "./receivers.ts"

const Text = (max: number) => Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(max))
const Iso = Schema.String.check(Schema.isPattern(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/))
const Labels = Schema.Record(Schema.String, Schema.String)

export const NtfyPublish = Schema.Struct({
  topic: Schema.String.check(Schema.isPattern(/^[-_A-Za-z0-9]{1,64}$/)),
  message: Text(4096),
  title: Text(256),
  priority: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 5 })),
  tags: Schema.Array(Schema.String)
})

export const GotifyMessage = Schema.Struct({
  message: Text(100_000),
  title: Text(1000),
  priority: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10 }))
})

export const DiscordWebhook = Schema.Struct({
  content: Text(2000),
  username: Schema.optionalKey(Text(80)),
  allowed_mentions: Schema.Struct({ parse: Schema.Array(Schema.Literals(["roles", "users", "everyone"])) }),
  embeds: Schema.Array(
    Schema.Struct({
      description: Text(4096),
      color: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 0xffffff })),
      timestamp: Iso
    })
  ).check(Schema.isMaxLength(10))
})

export const SlackWebhook = Schema.Struct({ text: Text(40_000), username: Schema.optionalKey(Schema.String) })

export const TelegramSendMessage = Schema.Struct({
  chat_id: Schema.Union([Schema.Int, Schema.String]),
  text: Text(4096),
  message_thread_id: Schema.optionalKey(Schema.Int)
})

const AlertStatus = Schema.Literals(["firing", "resolved"])

export const AlertmanagerWebhook = Schema.Struct({
  version: Schema.Literal("4"),
  groupKey: Schema.String,
  truncatedAlerts: Schema.Int,
  status: AlertStatus,
  receiver: Schema.String,
  groupLabels: Labels,
  commonLabels: Labels,
  commonAnnotations: Labels,
  externalURL: Schema.String,
  alerts: Schema.Array(
    Schema.Struct({
      status: AlertStatus,
      labels: Labels,
      annotations: Labels,
      startsAt: Iso,
      endsAt: Iso,
      generatorURL: Schema.String,
      fingerprint: Schema.String.check(Schema.isPattern(/^[0-9a-f]{16}$/))
    })
  ).check(Schema.isMinLength(1))
})

/** What is wrong with a request against a documented shape: [] when nothing is. */
export const problemsOf = (request: Received, schema: Schema.Codec<unknown, unknown>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (request.method !== "POST") problems.push(`method ${request.method}, expected POST`)
  if (!String(request.headers["content-type"] ?? "").startsWith("application/json")) {
    problems.push(`content-type ${request.headers["content-type"]}, expected application/json`)
  }
  const decoded = Schema.decodeUnknownExit(schema)(request.body)
  if (decoded._tag === "Failure") problems.push(`body: ${String(decoded.cause)}`)
  return problems
}
