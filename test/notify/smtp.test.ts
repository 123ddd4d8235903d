// The email destination against a real SMTP server on loopback (the smtp-server package):
// the server authenticates the user and password of the URL, then receives the message that
// nodemailer sends; the test reads its envelope, headers and body.

import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SMTPServer } from "smtp-server"
import { afterAll, beforeAll } from "vitest"
import { captureLogs, firing, statusWhen, withNotifier } from "./fixtures.ts"

const SMTP_PASSWORD = "smtpS3cret12"

interface Mail {
  readonly user: string | undefined
  readonly mailFrom: string | undefined
  readonly rcptTo: ReadonlyArray<string>
  readonly raw: string
}

let server: SMTPServer
let port: number
const mails: Array<Mail> = []
let rejectedAuth = 0

beforeAll(async () => {
  server = new SMTPServer({
    // Plain SMTP on loopback: the test is about what is sent, TLS is the library's business.
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "alerts@example.org" && auth.password === SMTP_PASSWORD) {
        callback(null, { user: auth.username })
        return
      }
      rejectedAuth++
      callback(new Error("Invalid username or password"))
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("nobody@")) {
        callback(Object.assign(new Error("No such user here"), { responseCode: 550 }))
        return
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Array<Buffer> = []
      stream.on("data", (c: Buffer) => chunks.push(c))
      stream.on("end", () => {
        const from = session.envelope.mailFrom
        mails.push({
          user: typeof session.user === "string" ? session.user : undefined,
          mailFrom: from === false ? undefined : from.address,
          rcptTo: session.envelope.rcptTo.map((a) => a.address),
          raw: Buffer.concat(chunks).toString("utf8")
        })
        callback()
      })
    }
  })
  port = await new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.server.address() as AddressInfo).port))
  })
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

/** The headers (unfolded) and the body of a raw message, the body decoded from its transfer encoding. */
const parse = (raw: string) => {
  const split = raw.indexOf("\r\n\r\n")
  const headerText = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ")
  const headers = new Map<string, string>()
  for (const line of headerText.split("\r\n")) {
    const colon = line.indexOf(":")
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim())
  }
  let body = raw.slice(split + 4)
  const encoding = headers.get("content-transfer-encoding")?.toLowerCase()
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    body = Buffer.from(bytes, "latin1").toString("utf8")
  } else if (encoding === "base64") {
    body = Buffer.from(body, "base64").toString("utf8")
  }
  return { headers, body: body.replace(/\r\n/g, "\n") }
}

const hosts = { discord: "http://127.0.0.1:1", slack: "http://127.0.0.1:1", telegram: "http://127.0.0.1:1" }
const smtpUrl = (user: string, password: string, to: string) =>
  `smtp://${encodeURIComponent(user)}:${password}@127.0.0.1:${port}/?from=alerts@example.org&fromname=Pi+alerts` +
  `&to=${to}&encryption=None`

describe("smtp:// through nodemailer", () => {
  it.live("delivers an email with the title as subject and what, where, figure, threshold and since in the body", () =>
    withNotifier(
      [smtpUrl("alerts@example.org", SMTP_PASSWORD, "owner@example.org,phone@example.org")],
      { hosts },
      (notifier) =>
        Effect.gen(function* () {
          const before = mails.length
          yield* notifier.send(firing)
          const [status] = yield* statusWhen(notifier, (s) => s[0]!.result !== "never")
          assert.strictEqual(status!.result, "ok", status!.error ?? "")
          assert.strictEqual(status!.attempts, 1)
          assert.strictEqual(status!.destination, `smtp://127.0.0.1:${port}`)
          assert.strictEqual(mails.length, before + 1)
          const mail = mails.at(-1)!
          assert.strictEqual(mail.user, "alerts@example.org")
          assert.strictEqual(mail.mailFrom, "alerts@example.org")
          assert.deepStrictEqual(mail.rcptTo, ["owner@example.org", "phone@example.org"])
          const { headers, body } = parse(mail.raw)
          assert.strictEqual(headers.get("subject"), "[FIRING] CpuTemperatureHigh on pi-site (critical)")
          assert.strictEqual(headers.get("from"), "Pi alerts <alerts@example.org>")
          assert.strictEqual(headers.get("to"), "owner@example.org, phone@example.org")
          assert.match(headers.get("content-type") ?? "", /^text\/plain/)
          for (const part of [
            "The CPU is hot",
            "CPU temperature: 81.3 °C (threshold ≥ 80 °C for 2m)",
            "Host: pi-site",
            "Firing since 2026-12-02T10:00:00.000Z"
          ]) {
            assert.include(body, part)
          }
        })
    )
  )

  it.live("a refused recipient (550) or a wrong password is not retried, and neither reaches a log line", () => {
    const logs = captureLogs()
    const urls = [
      smtpUrl("alerts@example.org", SMTP_PASSWORD, "nobody@example.org"),
      smtpUrl("alerts@example.org", "wrongSmtpS3cret13", "owner@example.org")
    ]
    return withNotifier(urls, { hosts, logs: logs.layer }, (notifier) =>
      Effect.gen(function* () {
        const authBefore = rejectedAuth
        yield* notifier.send(firing)
        const [refused, denied] = yield* statusWhen(notifier, (s) => s.every((x) => x.result !== "never"))
        assert.strictEqual(refused!.result, "error")
        assert.strictEqual(refused!.attempts, 1)
        assert.strictEqual(refused!.error, "the mail server answered 550 (EENVELOPE)")
        assert.strictEqual(denied!.result, "error")
        assert.strictEqual(denied!.attempts, 1)
        assert.match(denied!.error ?? "", /^the mail server answered 535 \(EAUTH\)$/)
        assert.strictEqual(rejectedAuth, authBefore + 1)
        assert.strictEqual(refused!.destination, `smtp://127.0.0.1:${port}#1`)
        const seen = [JSON.stringify([refused, denied]), ...logs.lines].join("\n")
        assert.include(seen, "EENVELOPE")
        for (const secret of [SMTP_PASSWORD, "wrongSmtpS3cret13"]) assert.notInclude(seen, secret)
      })
    )
  })
})
