// `npm run doctor` as a person runs it: `node src/doctor/main.ts` in a clean environment whose
// HOST_* and DOCKER_HOST point at crafted trees (test/doctor/support.ts), its text and its exit
// code. The refusals a root process never meets (a socket and a directory it may not open) are
// met as the image's user: when the suite runs as root, SYSTEM_PROFILER_RUN_AS makes the doctor
// drop to 1000:1000 first, as it does in the container.

import { execFile } from "node:child_process"
import * as fs from "node:fs"
import net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type FakeDocker, makeFakeDocker } from "../collectors/containers/support/fakeDocker.ts"
import { inContainer, remove, write, writePiHost } from "./support.ts"

const entry = fileURLToPath(new URL("../../src/doctor/main.ts", import.meta.url))

const run = (env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [entry],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr })
      }
    )
  })

let dir: string
let fake: FakeDocker
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-cli-"))
  // The image's user must be able to walk the tree.
  fs.chmodSync(dir, 0o755)
  writePiHost(dir)
  fake = await makeFakeDocker()
})
afterEach(async () => {
  await fake.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const envFor = (over: Record<string, string> = {}) => ({
  HOST_PROC: path.join(dir, "proc"),
  HOST_SYS: path.join(dir, "sys"),
  HOST_ROOT: path.join(dir, "root"),
  DOCKER_HOST: `unix://${fake.socketPath}`,
  SYSTEM_PROFILER_DATA_DIR: path.join(dir, "data"),
  ...over
})

const lineOf = (stdout: string, name: string) => stdout.split("\n").find((l) => l.split(/\s+/)[1] === name)

describe("npm run doctor", () => {
  it("prints every check and exits 0 on a healthy Pi's trees", async () => {
    const { code, stdout } = await run(envFor())
    expect(code, stdout).toBe(0)
    for (const name of ["host-proc", "host-sys", "host-root", "docker", "cgroup-memory", "psi", "thermal", "port"]) {
      expect(lineOf(stdout, name), stdout).toMatch(/^ok {4}/)
    }
    expect(lineOf(stdout, "port")).toContain("port 8787")
    expect(stdout.trim().split("\n").at(-1)).toMatch(/^(all 11 checks ok|0 checks failed, \d+ warnings?)$/)
  })

  it("exits 1 when a check fails, with the fix under it", async () => {
    write(dir, "proc/1/comm", "node\n")
    remove(dir, "proc/self")
    fs.symlinkSync(String(inContainer.pid), path.join(dir, "proc/self"))
    remove(dir, "sys/class/thermal")
    const { code, stdout } = await run(envFor({ DOCKER_HOST: `unix://${path.join(dir, "none.sock")}`, PORT: "6000" }))
    expect(code, stdout).toBe(1)
    expect(lineOf(stdout, "port")).toMatch(/^fail {2}port +PORT 6000 is one of the Fetch standard's bad ports/)
    expect(lineOf(stdout, "docker")).toMatch(/^fail {2}docker +no Docker socket at /)
    expect(lineOf(stdout, "thermal")).toMatch(/^fail {2}thermal +no thermal zone .* on a Raspberry Pi 4/)
    const fixes = stdout.split("\n").filter((l) => l.trimStart().startsWith("fix: "))
    expect(fixes.length).toBeGreaterThanOrEqual(2)
    expect(stdout).toContain("fix: mount the host's /sys read-only")
  })

  it("exits 2 on a configuration the service would refuse, naming the variable", async () => {
    const { code, stderr } = await run(envFor({ HOST_PROC: "host/proc" }))
    expect(code).toBe(2)
    expect(stderr).toContain("HOST_PROC")
  })

  it("names the socket's group and the unwritable data directory as the service's user", async () => {
    const socketPath = path.join(dir, "locked.sock")
    const server = net.createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    try {
      fs.chmodSync(socketPath, 0o000)
      // A group of its own, as the docker package gives the socket: one in group 0 is refused
      // outright when the service drops root (privileges.ts).
      if (process.getuid?.() === 0) fs.chownSync(socketPath, 0, 4242)
      fs.mkdirSync(path.join(dir, "locked"), { mode: 0o555 })
      fs.chmodSync(path.join(dir, "locked"), 0o555)
      const { code, stdout } = await run(
        envFor({
          DOCKER_HOST: `unix://${socketPath}`,
          SYSTEM_PROFILER_DATA_DIR: path.join(dir, "locked/data"),
          ...(process.getuid?.() === 0 ? { SYSTEM_PROFILER_RUN_AS: "1000:1000" } : {})
        })
      )
      expect(code, stdout).toBe(1)
      expect(lineOf(stdout, "docker")).toContain("permission denied on the Docker socket")
      const gid = fs.statSync(socketPath).gid
      expect(stdout).toContain(`group_add: ["${gid}"]`)
      expect(lineOf(stdout, "data-dir")).toMatch(/^fail {2}data-dir .*cannot be created in .*locked: permission denied/)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
