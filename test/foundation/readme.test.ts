// The README's curl examples are run as written (only the port differs, so that the test never
// collides with a service already on 8787), against the service started the README's way.

import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { startService } from "../support/service.ts"

const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8")

const curlExamples = [...readme.matchAll(/`(curl [^`]+)`/g)].map((m) => m[1]!)

describe("README", () => {
  it("has curl examples for every route of the API table", () => {
    for (const route of ["/health", "/stats", "/host", "/containers", "/services", "/alerts", "/openapi.json"]) {
      assert.isTrue(
        curlExamples.some((c) => c.includes(`localhost:8787${route}`)),
        `no curl example for ${route}`
      )
    }
  })

  it("the curl examples work against MOCK_HOST_STATS=true SYSTEM_PROFILER_AUTH_TOKEN=dev-token", async () => {
    const service = await startService({ MOCK_HOST_STATS: "true" }, "dev-token")
    try {
      const port = new URL(service.baseUrl).port
      for (const example of curlExamples) {
        const command = example.replaceAll("localhost:8787", `localhost:${port}`)
        const body = execFileSync("bash", ["-c", `${command} -w '\\n%{http_code}'`], { encoding: "utf8" })
        const status = body.slice(body.lastIndexOf("\n") + 1)
        assert.strictEqual(status, "200", `${example} answered ${status}`)
        assert.doesNotThrow(() => JSON.parse(body.slice(0, body.lastIndexOf("\n"))), example)
      }
    } finally {
      await service.stop()
    }
  })
})
