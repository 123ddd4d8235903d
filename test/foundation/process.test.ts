// The service as a process: what an operator sees when the config is wrong, the log format,
// and a clean stop on SIGTERM/SIGINT while clients hold connections open.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import http from "node:http"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { dataDirEnv, startService } from "../support/service.ts"

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

interface Run {
  readonly child: ChildProcess
  output: string
}

const start = (env: Record<string, string>): Run => {
  const child = spawn(process.execPath, [main], {
    // A clean environment, so that the machine's own variables cannot change the outcome.
    env: { PATH: process.env.PATH ?? "", ...dataDirEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const run: Run = { child, output: "" }
  child.stdout?.on("data", (d: Buffer) => (run.output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (run.output += d.toString()))
  return run
}

const exitOf = async (child: ChildProcess, deadlineMs: number): Promise<number | null> => {
  if (child.exitCode !== null) return child.exitCode
  const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs)
  const [code] = (await once(child, "exit")) as [number | null]
  clearTimeout(timer)
  return code
}

describe("configuration errors stop the process with a message that names the variable", () => {
  const cases: ReadonlyArray<[string, Record<string, string>, string]> = [
    ["a bad PORT", { PORT: "eighty" }, "PORT"],
    ["a malformed probe list", { SYSTEM_PROFILER_SERVICES: "web:http://web:3000" }, "SYSTEM_PROFILER_SERVICES"],
    ["a non-loopback address without a token", { HOST: "0.0.0.0", PORT: "0" }, "SYSTEM_PROFILER_AUTH_TOKEN"],
    ["a bad DOCKER_HOST", { DOCKER_HOST: "ssh://pi" }, "DOCKER_HOST"]
  ]
  for (const [what, env, variable] of cases) {
    it(`${what} exits non-zero naming ${variable}`, async () => {
      const run = start({ MOCK_HOST_STATS: "true", ...env })
      const code = await exitOf(run.child, 20_000)
      assert.notStrictEqual(code, 0)
      assert.isNotNull(code)
      const line = run.output.split("\n").find((l) => l.includes("startup-failed"))
      assert.isDefined(line, run.output)
      const log = JSON.parse(line!) as { level: string; message: string }
      assert.strictEqual(log.level, "ERROR")
      assert.include(log.message, variable)
      assert.include(log.message, "accepts")
    })
  }
})

describe("a running service", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stops cleanly on ${signal} while a client holds a connection open`, async () => {
      const token = "process-test-token"
      const service = await startService({ MOCK_HOST_STATS: "true" }, token)
      // Every log line is one JSON object.
      for (const line of service.output().trim().split("\n")) assert.doesNotThrow(() => JSON.parse(line), line)
      const agent = new http.Agent({ keepAlive: true })
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(`${service.baseUrl}/stats`, { agent, headers: { "x-profiler-token": token } }, (res) => {
            let text = ""
            res.on("data", (d: Buffer) => (text += d.toString()))
            res.on("end", () => resolve(text))
          })
          .on("error", reject)
      })
      assert.include(body, '"timestamp"')
      const sentAt = performance.now()
      service.child.kill(signal)
      // A bound on hanging, not a speed goal: Docker's own stop grace is 10 s.
      const code = await exitOf(service.child, 5_000)
      const took = performance.now() - sentAt
      agent.destroy()
      assert.strictEqual(code, 0, service.output())
      assert.isBelow(took, 5_000)
      console.info(`${signal}: stopped in ${took.toFixed(0)} ms`)
      assert.notInclude(service.output(), token)
    })
  }
})
