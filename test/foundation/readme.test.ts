// The README's curl examples are run as written (only the port differs, so that the test never
// collides with a service already on 8787), against the service started the README's way.

import { execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8")
const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

const curlExamples = [...readme.matchAll(/`(curl [^`]+)`/g)].map((m) => m[1]!)

describe("README", () => {
  it("has curl examples for every route of the API table", () => {
    for (const route of ["/health", "/stats", "/host", "/containers", "/services", "/openapi.json"]) {
      assert.isTrue(
        curlExamples.some((c) => c.includes(`localhost:8787${route}`)),
        `no curl example for ${route}`
      )
    }
  })

  it("the curl examples work against MOCK_HOST_STATS=true SYSTEM_PROFILER_AUTH_TOKEN=dev-token", async () => {
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? "",
        MOCK_HOST_STATS: "true",
        SYSTEM_PROFILER_AUTH_TOKEN: "dev-token",
        PORT: "0"
      },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    try {
      for (let i = 0; i < 200 && !output.includes("system-profiler listening") && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 50))
      }
      const line = output.split("\n").find((l) => l.includes("system-profiler listening"))
      assert.isDefined(line, output)
      const port = new URL((JSON.parse(line!) as { annotations: { address: string } }).annotations.address).port
      for (const example of curlExamples) {
        const command = example.replaceAll("localhost:8787", `localhost:${port}`)
        const body = execFileSync("bash", ["-c", `${command} -w '\\n%{http_code}'`], { encoding: "utf8" })
        const status = body.slice(body.lastIndexOf("\n") + 1)
        assert.strictEqual(status, "200", `${example} answered ${status}`)
        assert.doesNotThrow(() => JSON.parse(body.slice(0, body.lastIndexOf("\n"))), example)
      }
    } finally {
      child.kill("SIGTERM")
      if (child.exitCode === null) await once(child, "exit")
    }
  })
})
