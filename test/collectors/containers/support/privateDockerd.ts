// A second dockerd with its own socket, data root and exec root (and so its own containerd), that
// a suite may stop and start at will without disturbing the shared daemon other suites use.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { docker, run } from "./docker.ts"

export interface PrivateDockerd {
  readonly dir: string
  readonly socketPath: string
  /** unix:///…/docker.sock, for DOCKER_HOST and `docker -H`. */
  readonly host: string
  /** Starts the daemon and resolves once it answers, with the milliseconds that took. */
  start(): Promise<number>
  /** SIGTERM to the daemon (it stops its containers and its containerd), then waits for it to exit. */
  stop(): Promise<void>
  /** Stops it if running, and removes its directory. */
  dispose(): Promise<void>
  log(): string
}

export const makePrivateDockerd = (): PrivateDockerd => {
  if (process.getuid?.() !== 0) throw new Error("a private dockerd needs root; run the suite as root (CI does)")
  // Short, so that the socket path stays far below the 108-byte limit of unix sockets.
  const dir = mkdtempSync("/tmp/sp-dockerd-")
  // The service drops root and keeps only the socket's group: it must be able to reach the socket.
  chmodSync(dir, 0o755)
  const socketPath = join(dir, "docker.sock")
  const host = `unix://${socketPath}`
  const logPath = join(dir, "dockerd.log")
  let child: ChildProcess | undefined

  const start = async () => {
    const began = Date.now()
    const log = openSync(logPath, "a")
    child = spawn(
      "dockerd",
      [
        "--bridge=none",
        "--iptables=false",
        "--ip-masq=false",
        `--host=${host}`,
        `--data-root=${join(dir, "data")}`,
        `--exec-root=${join(dir, "exec")}`,
        `--pidfile=${join(dir, "dockerd.pid")}`
      ],
      { stdio: ["ignore", log, log] }
    )
    closeSync(log)
    const until = Date.now() + 60_000
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`dockerd exited with ${child.exitCode}:\n${readFileSync(logPath, "utf8")}`)
      try {
        await docker(["version", "--format", "{{.Server.APIVersion}}"], host)
        return Date.now() - began
      } catch (error) {
        if (Date.now() > until) throw error
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  }

  const stop = async () => {
    const daemon = child
    child = undefined
    if (daemon === undefined || daemon.exitCode !== null || daemon.signalCode !== null) return
    const exited = once(daemon, "exit")
    daemon.kill("SIGTERM")
    const timer = setTimeout(() => daemon.kill("SIGKILL"), 30_000)
    await exited
    clearTimeout(timer)
  }

  const dispose = async () => {
    await stop()
    // After a SIGKILL, the daemon's own containerd may outlive it: end it by its pid file.
    const containerdPid = join(dir, "exec", "containerd", "containerd.pid")
    if (existsSync(containerdPid)) {
      try {
        process.kill(Number(readFileSync(containerdPid, "utf8").trim()), "SIGTERM")
      } catch {
        // already gone
      }
    }
    const mounts = readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[1] ?? "")
      .filter((mount) => mount.startsWith(`${dir}/`))
      .reverse()
    for (const mount of mounts) await run("umount", ["-l", mount]).catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }

  return { dir, socketPath, host, start, stop, dispose, log: () => readFileSync(logPath, "utf8") }
}
