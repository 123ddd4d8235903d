// Which failures the notifier retries, and the sentences its errors show.
import { assert, describe, it } from "@effect/vitest"
import {
  ConnectionFailed,
  DeliveryFailed,
  DeliveryTimeout,
  errorCode,
  HttpStatus,
  isTransient,
  SmtpFailed
} from "../../src/notify/DeliveryError.ts"

describe("delivery errors", () => {
  it("retries what may pass, not what no retry fixes", () => {
    const cases: ReadonlyArray<readonly [string, boolean, Parameters<typeof isTransient>[0]]> = [
      ["timeout", true, new DeliveryTimeout({ timeoutMs: 100 })],
      ["refused", true, new ConnectionFailed({ code: "ECONNREFUSED" })],
      ["dns", true, new ConnectionFailed({ code: "ENOTFOUND" })],
      ["self-signed certificate", false, new ConnectionFailed({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" })],
      ["expired certificate", false, new ConnectionFailed({ code: "CERT_HAS_EXPIRED" })],
      ["HTTP 500", true, new HttpStatus({ status: 500 })],
      ["HTTP 503", true, new HttpStatus({ status: 503 })],
      ["HTTP 429", true, new HttpStatus({ status: 429 })],
      ["HTTP 408", true, new HttpStatus({ status: 408 })],
      ["HTTP 401", false, new HttpStatus({ status: 401 })],
      ["HTTP 404", false, new HttpStatus({ status: 404 })],
      ["HTTP 301", false, new HttpStatus({ status: 301 })],
      ["SMTP socket", true, new SmtpFailed({ code: "ESOCKET", responseCode: null })],
      ["SMTP 421", true, new SmtpFailed({ code: "EPROTOCOL", responseCode: 421 })],
      ["SMTP 550", false, new SmtpFailed({ code: "EENVELOPE", responseCode: 550 })],
      ["SMTP auth", false, new SmtpFailed({ code: "EAUTH", responseCode: 535 })]
    ]
    for (const [name, transient, reason] of cases) assert.strictEqual(isTransient(reason), transient, name)
  })

  it("messages from codes and numbers only", () => {
    const failed = new DeliveryFailed({
      destination: "ntfy://ntfy.sh/***",
      attempts: 4,
      reason: new ConnectionFailed({ code: "ECONNREFUSED" })
    })
    assert.strictEqual(failed.message, "ntfy://ntfy.sh/***: the connection failed (ECONNREFUSED), after 4 attempts")
    assert.strictEqual(
      new DeliveryFailed({ destination: "d", attempts: 1, reason: new HttpStatus({ status: 401 }) }).message,
      "d: the service answered HTTP 401, after 1 attempt"
    )
  })

  it("finds a Node error code along the cause chain, and nothing else", () => {
    const inner = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })
    assert.strictEqual(errorCode(new Error("wrapped", { cause: inner })), "ECONNREFUSED")
    assert.strictEqual(errorCode({ code: "https://user:pw@host/" }), "UNKNOWN")
    assert.strictEqual(errorCode("a string"), "UNKNOWN")
  })
})
