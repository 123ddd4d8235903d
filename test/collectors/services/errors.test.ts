// How Node's socket, DNS, TLS and HTTP-parser errors map onto typed probe errors and the short
// reasons the API shows. The servers in probes.test.ts cover the codes loopback can produce;
// DNS and routing failures cannot be produced on loopback alone, so their codes are checked here.
import { assert, describe, it } from "@effect/vitest"
import { fromNodeError } from "../../../src/collectors/services/ProbeError.ts"

const nodeError = (code: string, message = `${code} happened`) => Object.assign(new Error(message), { code })

describe("fromNodeError", () => {
  it("maps each family of codes onto its own tag and reason", () => {
    const cases: Array<[string, string, string]> = [
      ["ECONNREFUSED", "ConnectionRefused", "refused"],
      ["ENOTFOUND", "DnsFailure", "dns"],
      ["EAI_AGAIN", "DnsFailure", "dns"],
      ["EHOSTUNREACH", "HostUnreachable", "unreachable"],
      ["ENETUNREACH", "HostUnreachable", "unreachable"],
      ["ETIMEDOUT", "HostUnreachable", "unreachable"],
      ["ECONNRESET", "ConnectionClosed", "closed"],
      ["EPIPE", "ConnectionClosed", "closed"],
      ["EPROTO", "TlsFailure", "tls"],
      ["ERR_SSL_WRONG_VERSION_NUMBER", "TlsFailure", "tls"],
      ["ERR_TLS_CERT_ALTNAME_INVALID", "TlsFailure", "tls"],
      ["CERT_HAS_EXPIRED", "TlsFailure", "tls"],
      ["DEPTH_ZERO_SELF_SIGNED_CERT", "TlsFailure", "tls"],
      ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "TlsFailure", "tls"],
      ["HPE_INVALID_CONSTANT", "ProtocolMismatch", "protocol"],
      ["EMFILE", "ProbeFailed", "error"]
    ]
    for (const [code, tag, reason] of cases) {
      const error = fromNodeError(nodeError(code), "web", 3000)
      assert.strictEqual(error._tag, tag, code)
      assert.strictEqual(error.reason, reason, code)
    }
  })

  it("messages name the address, and IPv6 addresses get brackets", () => {
    assert.strictEqual(
      fromNodeError(nodeError("ECONNREFUSED"), "::1", 5432).message,
      "[::1]:5432 refused the connection"
    )
    assert.strictEqual(fromNodeError(nodeError("ENOTFOUND"), "web", 3000).message, "web does not resolve (ENOTFOUND)")
  })

  it("an error without a code is a generic failure, not a crash", () => {
    const error = fromNodeError(new Error("odd"), "web", 3000)
    assert.strictEqual(error.reason, "error")
    assert.include(error.message, "UNKNOWN")
  })
})
