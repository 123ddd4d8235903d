// What each service receives, as pure functions of the destination and the message, so that
// the shapes are tested without a network. Each follows the service's documented request:
// ntfy's JSON publish, Gotify's POST /message, Discord's and Slack's webhooks, Telegram's Bot
// API sendMessage, and Alertmanager's webhook payload (version 4).

import { createHash } from "node:crypto"
import { Redacted } from "effect"
import type { Destination } from "./Destination.ts"
import { type AlertState, bodyLines, bodyText, clip, type Severity, type Stamped, title } from "./Message.ts"

/** The fixed public hosts of the services that have one; tests point them at loopback. */
export interface ServiceHosts {
  readonly discord: string
  readonly slack: string
  readonly telegram: string
}

export const PUBLIC_HOSTS: ServiceHosts = {
  discord: "https://discord.com",
  slack: "https://hooks.slack.com",
  telegram: "https://api.telegram.org"
}

export interface HttpCall {
  readonly method: "POST"
  /** The full URL, which for most services holds the secret. */
  readonly url: Redacted.Redacted<string>
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** What makes the phone ring: a critical alert loudly, a resolution quietly. */
const ntfyPriority = (severity: Severity, state: AlertState): number =>
  state === "resolved" ? 3 : severity === "critical" ? 5 : severity === "warning" ? 4 : 3

// ntfy shows these tags as emojis in front of the title.
const ntfyTags = (severity: Severity, state: AlertState): ReadonlyArray<string> =>
  state === "resolved"
    ? ["white_check_mark"]
    : [severity === "critical" ? "rotating_light" : severity === "warning" ? "warning" : "information_source"]

// Gotify's Android app: 8 and up sounds and vibrates, 4-7 sounds, 1-3 stays silent.
const gotifyPriority = (severity: Severity, state: AlertState): number =>
  state === "resolved" ? 4 : severity === "critical" ? 8 : severity === "warning" ? 6 : 3

const discordColor = (severity: Severity, state: AlertState): number =>
  state === "resolved" ? 0x2e7d32 : severity === "critical" ? 0xc62828 : severity === "warning" ? 0xef6c00 : 0x1565c0

// Slack reads &, < and > as control characters in text; its docs ask for these three escapes.
const slackEscape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const json = { "content-type": "application/json" } as const

/** The HTTP requests that deliver `stamped` to an HTTP destination: one, or one per Telegram chat. */
export const httpCalls = (
  destination: Exclude<Destination, { _tag: "smtp" }>,
  stamped: Stamped,
  hosts: ServiceHosts
): ReadonlyArray<HttpCall> => {
  const m = stamped.message
  switch (destination._tag) {
    case "ntfy":
      return [
        {
          method: "POST",
          // JSON publishing goes to the root URL: the topic, essentially a password, stays out of access logs.
          url: Redacted.make(`${destination.origin}/`),
          headers:
            destination.authorization === undefined
              ? json
              : { ...json, authorization: Redacted.value(destination.authorization) },
          body: {
            topic: Redacted.value(destination.topic),
            title: title(m),
            message: bodyText(stamped),
            priority: destination.priority ?? ntfyPriority(m.severity, m.state),
            tags: ntfyTags(m.severity, m.state)
          }
        }
      ]
    case "gotify":
      return [
        {
          method: "POST",
          url: Redacted.make(`${destination.base}/message`),
          // Gotify takes the token as a header too: unlike ?token=, it stays out of proxies' access logs.
          headers: { ...json, "x-gotify-key": Redacted.value(destination.token) },
          body: {
            title: title(m),
            message: bodyText(stamped),
            priority: destination.priority ?? gotifyPriority(m.severity, m.state)
          }
        }
      ]
    case "discord":
      return [
        {
          method: "POST",
          url: Redacted.make(
            `${hosts.discord}/api/webhooks/${destination.webhookId}/${encodeURIComponent(Redacted.value(destination.token))}`
          ),
          headers: json,
          body: {
            content: clip(title(m), 2000),
            ...(destination.username === undefined ? {} : { username: destination.username }),
            // A container or probe name must never ping @everyone.
            allowed_mentions: { parse: [] },
            embeds: [
              {
                description: clip(bodyText(stamped), 4096),
                color: discordColor(m.severity, m.state),
                timestamp: stamped.at.toISOString()
              }
            ]
          }
        }
      ]
    case "slack":
      return [
        {
          method: "POST",
          url: Redacted.make(`${hosts.slack}/services/${Redacted.value(destination.path)}`),
          headers: json,
          body: {
            text: clip(`*${slackEscape(title(m))}*\n${slackEscape(bodyText(stamped))}`, 3000),
            ...(destination.username === undefined ? {} : { username: destination.username })
          }
        }
      ]
    case "telegram":
      return destination.chats.map((chat) => ({
        method: "POST",
        url: Redacted.make(`${hosts.telegram}/bot${Redacted.value(destination.token)}/sendMessage`),
        headers: json,
        body: {
          // The Bot API takes an Integer or a String; numeric ids go as numbers, as documented.
          chat_id: /^-?\d+$/.test(chat.chatId) ? Number(chat.chatId) : chat.chatId,
          ...(chat.threadId === undefined ? {} : { message_thread_id: chat.threadId }),
          text: clip(`${title(m)}\n\n${bodyText(stamped)}`, 4096)
        }
      }))
    case "webhook":
      return [
        {
          method: "POST",
          url: destination.url,
          headers:
            destination.authorization === undefined
              ? json
              : { ...json, authorization: Redacted.value(destination.authorization) },
          body: alertmanagerPayload(stamped)
        }
      ]
  }
}

/** Alertmanager's zero time: the endsAt of an alert that is still firing. */
export const ZERO_TIME = "0001-01-01T00:00:00Z"
export const RECEIVER = "system-profiler"

const labelsOf = (stamped: Stamped): Record<string, string> => {
  const m = stamped.message
  return {
    alertname: m.alertname,
    severity: m.severity,
    host: m.host,
    ...(m.subject === null ? {} : { subject: m.subject })
  }
}

// Alertmanager's fingerprint is a 64-bit hash of the sorted label set, written as 16 hex digits;
// any stable hash of the same input serves a receiver that groups or deduplicates on it.
const fingerprint = (labels: Record<string, string>): string =>
  createHash("sha256")
    .update(
      Object.keys(labels)
        .sort()
        .map((k) => `${k}\xff${labels[k]}\xff`)
        .join("")
    )
    .digest("hex")
    .slice(0, 16)

const groupKey = (labels: Record<string, string>): string => `{}:{alertname=${JSON.stringify(labels.alertname)}}`

/**
 * The body Alertmanager POSTs to a webhook_config receiver, version "4": one group of one
 * alert, so that receivers written for Alertmanager (alertmanager-ntfy, Matrix bridges, custom
 * scripts) work unchanged. No URL in it points here: externalURL and generatorURL are empty.
 */
export const alertmanagerPayload = (stamped: Stamped) => {
  const m = stamped.message
  const labels = labelsOf(stamped)
  const annotations = {
    summary: m.summary,
    description: bodyLines(stamped).slice(1).join("\n"),
    figure: m.figure,
    value: m.value,
    threshold: m.threshold
  }
  return {
    version: "4",
    groupKey: groupKey(labels),
    truncatedAlerts: 0,
    status: m.state,
    receiver: RECEIVER,
    groupLabels: { alertname: m.alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: "",
    alerts: [
      {
        status: m.state,
        labels,
        annotations,
        startsAt: m.since,
        endsAt: m.state === "resolved" ? stamped.at.toISOString() : ZERO_TIME,
        generatorURL: "",
        fingerprint: fingerprint(labels)
      }
    ]
  }
}

/** What an email says: the title as subject, the body as plain text. */
export const emailContent = (stamped: Stamped) => ({ subject: title(stamped.message), text: bodyText(stamped) })
