// Starts that must be refused, as the operator sees them: HOST=localhost bound to an address that
// is not loopback without a token, and tokens that no request could ever present.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { tokenProblem } from "../../src/config/token.ts"
import { stopWithin } from "../support/processFigures.ts"
import { dataDirEnv } from "../support/service.ts"

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))
const localhostElsewhere = fileURLToPath(new URL("./support/localhostElsewhere.ts", import.meta.url))

interface Run {
  readonly child: ChildProcess
  readonly output: () => string
}

const run = (env: Record<string, string>, nodeArgs: ReadonlyArray<string> = []): Run => {
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: { PATH: process.env.PATH ?? "", MOCK_HOST_STATS: "true", PORT: "0", ...dataDirEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  return { child, output: () => output }
}

/** The exit code, and the message of the startup-failed line; the process is killed after 30 s. */
const failure = async ({ child, output }: Run) => {
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
  const [code] = (await once(child, "exit")) as [number | null]
  clearTimeout(timer)
  const line = output()
    .split("\n")
    .find((l) => l.includes("startup-failed"))
  return {
    code,
    output: output(),
    message: line === undefined ? "" : (JSON.parse(line) as { message: string }).message
  }
}

describe("HOST=localhost that resolves to an address that is not loopback", () => {
  it("without a token: the start fails naming HOST and the bound address", async () => {
    const { code, message } = await failure(run({ HOST: "localhost" }, ["--import", localhostElsewhere]))
    assert.strictEqual(code, 1)
    assert.include(message, "HOST")
    assert.include(message, "0.0.0.0")
    assert.include(message, "not a loopback address")
    assert.include(message, "SYSTEM_PROFILER_AUTH_TOKEN")
  })

  it("with a token: it serves, since every request must present it", async () => {
    const started = run({ HOST: "localhost", SYSTEM_PROFILER_AUTH_TOKEN: "bound-elsewhere-token" }, [
      "--import",
      localhostElsewhere
    ])
    const until = Date.now() + 30_000
    while (!started.output().includes("system-profiler listening") && started.child.exitCode === null) {
      if (Date.now() > until) break
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.include(started.output(), "0.0.0.0")
    assert.strictEqual(await stopWithin(started.child, 5_000), 0, started.output())
  })
})

describe("a token that no request could present", () => {
  const cases: ReadonlyArray<[string, string]> = [
    ["leading whitespace", " lead-space-token-41"],
    ["trailing whitespace", "trail-space-token-42 "],
    ["a trailing newline", "trail-newline-token-43\n"],
    ["a non-ASCII letter", "tökén-non-ascii-44"],
    ["a control character", "ctrl\u0001token-45"]
  ]
  for (const [what, token] of cases) {
    it(`with ${what}: refused at start, naming the variable, never printing the token`, async () => {
      assert.isDefined(tokenProblem(token))
      const { code, message, output } = await failure(run({ SYSTEM_PROFILER_AUTH_TOKEN: token }))
      assert.strictEqual(code, 1, output)
      assert.include(message, "SYSTEM_PROFILER_AUTH_TOKEN")
      assert.notInclude(output, token.trim().slice(0, 8))
    })
  }

  it("printable ASCII with inner spaces is a token a header can carry", () => {
    assert.isUndefined(tokenProblem("correct horse battery staple"))
    assert.isUndefined(tokenProblem("a0~!@#$%^&*()_+-=[]{};':\",./<>?"))
  })
})
