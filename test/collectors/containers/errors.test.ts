// How a failed Docker call is named to the operator: each errno the socket can give maps onto a
// FailureReason, and the detail says where to look without quoting anything Docker answered.

import { assert, describe, it } from "@effect/vitest"
import { HttpClientError, HttpClientRequest } from "effect/http"
import { classifyTransport, DockerError, errorCode } from "../../../src/collectors/containers/DockerError.ts"

const request = HttpClientRequest.get("http://docker/version")
const unix = { _tag: "unix", socketPath: "/var/run/docker.sock" } as const
const transport = (cause: unknown) => new HttpClientError.TransportError({ request, cause })

describe("classifyTransport", () => {
  const cases: ReadonlyArray<[string, string, string]> = [
    ["ENOENT", "unavailable", "no Docker socket at /var/run/docker.sock"],
    ["EACCES", "permission-denied", "permission denied on the Docker socket /var/run/docker.sock"],
    ["EPERM", "permission-denied", "permission denied"],
    ["ECONNREFUSED", "unavailable", "refused the connection"],
    ["ECONNRESET", "unavailable", "cannot reach the Docker daemon at /var/run/docker.sock (ECONNRESET)"]
  ]
  for (const [code, reason, detail] of cases) {
    it(`${code} → ${reason}`, () => {
      // undici wraps the socket error: the code sits one level down the cause chain.
      const error = classifyTransport(transport(new Error("fetch failed", { cause: { code } })), "GET /version", unix)
      assert.strictEqual(error.reason, reason)
      assert.include(error.detail, detail)
    })
  }

  it("names a tcp endpoint by host and port", () => {
    const error = classifyTransport(transport({ code: "ECONNREFUSED" }), "GET /version", {
      _tag: "tcp",
      host: "socket-proxy",
      port: 2375
    })
    assert.include(error.detail, "socket-proxy:2375")
  })

  it("finds no code in a cause without one", () => {
    assert.isUndefined(errorCode(new Error("plain")))
    assert.strictEqual(errorCode({ cause: { cause: { code: "ENOENT" } } }), "ENOENT")
  })
})

describe("HTTP status answers", () => {
  it("404 is not-found (a vanished container), 401/403 permission-denied, others bad-response", () => {
    assert.strictEqual(DockerError.status(404, "GET /containers/{id}/json", "x").reason, "not-found")
    assert.strictEqual(DockerError.status(403, "GET /containers/json", "x").reason, "permission-denied")
    assert.strictEqual(DockerError.status(401, "GET /containers/json", "x").reason, "permission-denied")
    assert.strictEqual(DockerError.status(502, "GET /containers/json", "x").reason, "bad-response")
  })

  it("becomes the containers collector's error; not-found never reaches the section as such", () => {
    const error = DockerError.status(404, "GET /containers/json", "x").toSampleError()
    assert.strictEqual(error.section, "containers")
    assert.strictEqual(error.reason._tag, "BadResponse")
  })
})
