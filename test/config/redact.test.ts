// redactUrl, the one way a configured URL is shown (probe targets, notification URLs, config
// errors): secrets in user info, the query and the path never survive it; what tells the owner
// which target it is does.

import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isSecretLooking, NOT_A_URL, REDACTED, redactUrl } from "../../src/config/redact.ts"

describe("redactUrl", () => {
  // Shapes of real webhook and probe URLs; the secrets are made up, in the providers' formats.
  const cases: ReadonlyArray<[string, string, ReadonlyArray<string>]> = [
    ["http://web:3000/", "http://web:3000/", []],
    ["https://api.internal/health", "https://api.internal/health", []],
    ["http://web:3000/api/v1/status-page", "http://web:3000/api/v1/status-page", []],
    ["https://user:hunter2@api.internal/health", "https://api.internal/health", ["user", "hunter2"]],
    ["http://web/ready?token=q7Rz2mXk", "http://web/ready", ["q7Rz2mXk"]],
    ["http://web/ready?api_key=abc&password=p4ss", "http://web/ready", ["abc", "p4ss"]],
    ["http://web/ready#body=ok&timeout=5s", "http://web/ready", ["body"]],
    [
      "https://hooks.slack.com/services/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",
      `https://hooks.slack.com/services/T0AB1CD2E/B0FG3HI4J/${REDACTED}`,
      ["Xk9aPq2Lm7Wz4Rt8Yb6Nc1Vd"]
    ],
    [
      "https://discord.com/api/webhooks/112233445566778899/aBcDeFgHiJkLmNoPqRsTuVwXyZ_0123456789-abcdefghijklmnopqrstuvwxyzABCD",
      `https://discord.com/api/webhooks/${REDACTED}/${REDACTED}`,
      ["112233445566778899", "aBcDeFgHiJkLmNoPqRsTuVwXyZ_0123456789"]
    ],
    [
      "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
      `https://api.telegram.org/${REDACTED}/sendMessage`,
      ["AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "123456789"]
    ],
    [
      "https://hc-ping.com/5f2c1e8a-9b3d-4c6e-8f0a-1b2c3d4e5f60",
      `https://hc-ping.com/${REDACTED}`,
      ["5f2c1e8a-9b3d-4c6e-8f0a-1b2c3d4e5f60"]
    ],
    ["https://ntfy.example/token/mytopicsecret", `https://ntfy.example/token/${REDACTED}`, ["mytopicsecret"]],
    ["http://web/api/key=s3cr3tval/x", `http://web/api/${REDACTED}/x`, ["s3cr3tval"]],
    ["http://web/deadbeefdeadbeefdeadbeef", `http://web/${REDACTED}`, ["deadbeefdeadbeefdeadbeef"]],
    ["postgres://app:pw@db:5432/app?sslmode=require", "postgres://db:5432/app", ["pw", "sslmode"]],
    ["tcp://[::1]:6379", "tcp://[::1]:6379", []]
  ]
  for (const [raw, shown, secrets] of cases) {
    it(`${raw} shows as ${shown}`, () => {
      const redacted = redactUrl(raw)
      expect(redacted).toBe(shown)
      for (const secret of secrets) expect(redacted).not.toContain(secret)
    })
  }

  it("a value that is not a URL shows nothing of itself", () => {
    expect(redactUrl("user:hunter2@db:port")).toBe(NOT_A_URL)
    expect(redactUrl("http://[oops")).toBe(NOT_A_URL)
  })

  it("plain words stay, however long", () => {
    for (const segment of ["health", "healthz", "well-known", "status_page", "favicon.ico", "v1", "api", "12345"]) {
      expect(isSecretLooking(segment, undefined), segment).toBe(false)
    }
  })

  // A token as providers make them: letters and digits (and - _), 16 to 64 characters, with at
  // least one digit and one letter.
  const token = fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/).filter((t) => /\d/.test(t) && /[A-Za-z]/.test(t))
  const word = fc.stringMatching(/^[a-z]{1,10}$/)

  it("a token planted in user info, the query, the fragment or the path never shows", () => {
    fc.assert(
      fc.property(
        token,
        word,
        fc.array(word, { maxLength: 3 }),
        fc.integer({ min: 0, max: 4 }),
        (secret, key, path, where) => {
          const base = `https://host.example/${path.join("/")}`
          const raw = [
            `https://${key}:${secret}@host.example/${path.join("/")}`,
            `${base}?${key}=${secret}`,
            `${base}#${key}=${secret}`,
            `${base}/${secret}`,
            `${base}/${secret}/${key}`
          ][where]!
          expect(redactUrl(raw)).not.toContain(secret)
        }
      )
    )
  })

  it("host and port always show, for any URL", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (raw) => {
        const url = new URL(raw)
        expect(redactUrl(raw).startsWith(`${url.protocol}//${url.host}`)).toBe(true)
        if (url.search.length > 1) expect(redactUrl(raw)).not.toContain(url.search)
      })
    )
  })
})

describe("redactUrl with a scheme's rules (notification URLs)", () => {
  it("masks the places a scheme keeps its secrets, whatever they look like, on top of the shared rules", () => {
    const every = () => true
    expect(redactUrl("ntfy://:tk@ntfy.sh/alerts?priority=5", { secretSegment: every })).toBe(
      `ntfy://ntfy.sh/${REDACTED}`
    )
    const last = (i: number, segments: ReadonlyArray<string>) => i === segments.length - 1
    // The subpath's plain word stays; its token-looking part is masked by the shared rules.
    expect(redactUrl("gotify://push.example:8443/gotify/Ab3dE9fG2hK7/tok", { secretSegment: last })).toBe(
      `gotify://push.example:8443/gotify/${REDACTED}/${REDACTED}`
    )
    expect(redactUrl("slack://T00/B00/secretpart", { secretHost: true, secretSegment: every })).toBe(
      `slack://${REDACTED}/${REDACTED}/${REDACTED}`
    )
    expect(redactUrl("https://u:p@hooks.example:9443/alerts?token=q", { protocol: "webhook+https:" })).toBe(
      "webhook+https://hooks.example:9443/alerts"
    )
  })
})
