// The service as a process: what an operator sees when the config is wrong, the log format,
// and a clean stop on SIGTERM/SIGINT while clients hold connections open.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import http from "node:http"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

interface Run {
  readonly child: ChildProcess
  output: string
}

const start = (env: Record<string, string>): Run => {
  const child = spawn(process.execPath, [main], {
    // A clean environment, so that the machine's own variables cannot change the outcome.
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const run: Run = { child, output: "" }
  child.stdout?.on("data", (d: Buffer) => (run.output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (run.output += d.toString()))
  return run
}

const exitOf = async (run: Run, deadlineMs: number): Promise<number | null> => {
  if (run.child.exitCode !== null) return run.child.exitCode
  const timer = setTimeout(() => run.child.kill("SIGKILL"), deadlineMs)
  const [code] = (await once(run.child, "exit")) as [number | null]
  clearTimeout(timer)
  return code
}

const listeningAddress = async (run: Run): Promise<string> => {
  for (let i = 0; i < 200 && !/"system-profiler listening"/.test(run.output); i++) {
    if (run.child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const line = run.output.split("\n").find((l) => l.includes("system-profiler listening"))
  assert.isDefined(line, run.output)
  return (JSON.parse(line!) as { annotations: { address: string } }).annotations.address
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
      const code = await exitOf(run, 20_000)
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
      const run = start({ MOCK_HOST_STATS: "true", PORT: "0", SYSTEM_PROFILER_AUTH_TOKEN: token })
      const address = await listeningAddress(run)
      // Every log line is one JSON object.
      for (const line of run.output.trim().split("\n")) assert.doesNotThrow(() => JSON.parse(line), line)
      const agent = new http.Agent({ keepAlive: true })
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(`${address}/stats`, { agent, headers: { "x-profiler-token": token } }, (res) => {
            let text = ""
            res.on("data", (d: Buffer) => (text += d.toString()))
            res.on("end", () => resolve(text))
          })
          .on("error", reject)
      })
      assert.include(body, '"timestamp"')
      const sentAt = performance.now()
      run.child.kill(signal)
      // A bound on hanging, not a speed goal: Docker's own stop grace is 10 s.
      const code = await exitOf(run, 5_000)
      const took = performance.now() - sentAt
      agent.destroy()
      assert.strictEqual(code, 0, run.output)
      assert.isBelow(took, 5_000)
      console.info(`${signal}: stopped in ${took.toFixed(0)} ms`)
      assert.notInclude(run.output, token)
    })
  }
})
