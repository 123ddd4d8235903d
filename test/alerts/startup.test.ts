// A bad rules file, destination or alerting switch stops the service at start, like any bad
// configuration: exit code 1 and one JSON log line that names what was wrong and never quotes
// a destination's credentials.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { afterAll } from "vitest"
import { dataDirEnv } from "../support/service.ts"

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "sp-alerts-start-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const SECRET = "tk_StartS3cret42"

const run = async (env: Record<string, string>) => {
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? "", MOCK_HOST_STATS: "true", PORT: "0", ...dataDirEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
  const [code] = (await once(child, "exit")) as [number | null]
  clearTimeout(timer)
  return { code, output }
}

describe("alerting configuration errors stop the start", () => {
  const cases: ReadonlyArray<[string, () => Record<string, string>, ReadonlyArray<string>]> = [
    [
      "a rules file that does not exist",
      () => ({ SYSTEM_PROFILER_ALERTS_FILE: join(dir, "missing.yaml") }),
      ["SYSTEM_PROFILER_ALERTS_FILE", "missing.yaml", "no such file"]
    ],
    [
      "a rule with a threshold out of range",
      () => ({
        SYSTEM_PROFILER_ALERTS_FILE: file("range.yaml", "rules:\n  - name: DiskAlmostFull\n    threshold: 120\n")
      }),
      ['rule "DiskAlmostFull", field "threshold": 120 is out of range', "accepts a number from 0 to 100"]
    ],
    [
      "a rules file that is not YAML",
      () => ({ SYSTEM_PROFILER_ALERTS_FILE: file("broken.yaml", "rules: [\n  - name: x\n") }),
      ["SYSTEM_PROFILER_ALERTS_FILE", "is not valid YAML"]
    ],
    [
      "a bad URL in SYSTEM_PROFILER_NOTIFY",
      () => ({ SYSTEM_PROFILER_NOTIFY: `ntfy://:${SECRET}@ntfy.sh/a/b` }),
      ["SYSTEM_PROFILER_NOTIFY: entry 1", "accepts"]
    ],
    [
      "a bad destination URL in the rules file",
      () => ({
        SYSTEM_PROFILER_ALERTS_FILE: file(
          "dest.yaml",
          `rules:\n  - name: ProbeDown\n    destinations: ["gotify://push.example.org/${SECRET}?priority=99"]\n`
        )
      }),
      ['SYSTEM_PROFILER_ALERTS_FILE, rule "ProbeDown", destinations: entry 1', "priority", "accepts"]
    ],
    [
      "a destination name that matches nothing configured",
      () => ({
        SYSTEM_PROFILER_ALERTS_FILE: file("name.yaml", "rules:\n  - name: ProbeDown\n    destinations: [telegram]\n")
      }),
      ['rule "ProbeDown", field "destinations": entry 1 is neither a URL', "accepts"]
    ],
    [
      "an alerting switch that is not on or off",
      () => ({ SYSTEM_PROFILER_ALERTS: "sometimes" }),
      ["SYSTEM_PROFILER_ALERTS", "accepts"]
    ],
    [
      "a grace over a minute",
      () => ({ SYSTEM_PROFILER_ALERTS_GRACE: "5m" }),
      ["SYSTEM_PROFILER_ALERTS_GRACE", "accepts"]
    ]
  ]
  for (const [what, env, expected] of cases) {
    it(`${what}: exit 1, one startup-failed line naming it`, async () => {
      const { code, output } = await run(env())
      assert.strictEqual(code, 1, output)
      const line = output.split("\n").find((l) => l.includes("startup-failed"))
      assert.isDefined(line, output)
      const log = JSON.parse(line!) as { level: string; message: string }
      assert.strictEqual(log.level, "ERROR")
      for (const text of expected) assert.include(log.message, text)
      assert.notInclude(output, SECRET)
      assert.notInclude(output, "system-profiler listening")
    })
  }

  it("SYSTEM_PROFILER_ALERTS=off starts without reading the rules file", async () => {
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? "",
        MOCK_HOST_STATS: "true",
        PORT: "0",
        SYSTEM_PROFILER_ALERTS: "off",
        SYSTEM_PROFILER_ALERTS_FILE: join(dir, "missing.yaml"),
        ...dataDirEnv()
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
    const until = Date.now() + 20_000
    while (!output.includes("system-profiler listening") && child.exitCode === null && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50))
    }
    const exited = once(child, "exit")
    child.kill("SIGTERM")
    const [code] = (await exited) as [number | null]
    assert.include(output, "system-profiler listening")
    assert.strictEqual(code, 0)
  })
})
