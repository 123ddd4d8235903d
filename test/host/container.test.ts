// The collector inside a container with the production mounts (/host/proc, /host/sys,
// /host/root), against this machine's own tools. The container has no network of its own
// (--network none) and its own hostname, so reading the reader's namespace or /etc/hostname
// would show. Runs where Docker and a Node 24 image are at hand; HOST_TEST_NODE_IMAGE names the
// image (default: the project's node base image).
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { HostStats } from "../../src/api/HostStats.ts"

const IMAGE = process.env.HOST_TEST_NODE_IMAGE ?? "system-profiler/node-base:24"
const REPO = path.resolve(import.meta.dirname, "../..")

const quiet = (command: string, args: ReadonlyArray<string>) => {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 120_000 })
  } catch {
    return undefined
  }
}

const canRun =
  process.platform === "linux" && quiet("docker", ["image", "inspect", IMAGE]) !== undefined && fs.existsSync("/proc/1")

const run = (command: string, ...args: ReadonlyArray<string>) =>
  execFileSync(command, args, { encoding: "utf8" }).trim()

describe.runIf(canRun)("inside a container with the production mounts", () => {
  it("reports the host's hostname, network namespace, kernel, memory and root disk", () => {
    const name = `host-collector-test-${process.pid}`
    const out = execFileSync(
      "docker",
      [
        "run",
        "--rm",
        "--name",
        name,
        "--network",
        "none",
        "-v",
        `${REPO}:/app:ro`,
        "-v",
        "/proc:/host/proc:ro",
        "-v",
        "/sys:/host/sys:ro",
        "-v",
        "/:/host/root:ro",
        "-w",
        "/app",
        "--entrypoint",
        "node",
        IMAGE,
        "test/host/containerSample.ts"
      ],
      { encoding: "utf8", timeout: 120_000 }
    )
    const host = Schema.decodeUnknownSync(HostStats)(JSON.parse(out))
    expect(host.system.hostname).toBe(run("hostname"))
    expect(host.system.kernelVersion).toBe(run("uname", "-r"))
    expect(host.network.source).toBe("/host/proc/1/net/dev")
    const hostInterfaces = fs
      .readFileSync("/proc/1/net/dev", "utf8")
      .split("\n")
      .slice(2)
      .filter((l) => l.includes(":"))
      .map((l) => l.slice(0, l.lastIndexOf(":")).trim())
      .filter((n) => !/^(lo|veth.*|docker.*|br-.*)$/.test(n))
    expect(host.network.interfaces.map((i) => i.name)).toEqual(hostInterfaces)
    const memTotal = Number(/^MemTotal:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/meminfo", "utf8"))![1]) * 1024
    expect(host.memory.totalBytes).toBe(memTotal)
    const root = host.disks.find((d) => d.mountPoints.includes("/"))
    expect(root?.totalBytes).toBe(Number(run("df", "-B1", "--output=size", "/").split("\n")[1]))
    expect(host.cpu.cores).toBe(Number(run("nproc")))
  }, 180_000)
})
