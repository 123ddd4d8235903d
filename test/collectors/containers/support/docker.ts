// The docker CLI and the project's dockerd helper, for the integration suites. Every container a
// suite creates carries its run's unique name prefix, so parallel suites on the same daemon
// never touch each other's containers.

import { execFile, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"

export const IMAGE = process.env.BUSYBOX_IMAGE ?? "system-profiler/busybox:latest"
const ensureScript = fileURLToPath(new URL("../../../../scripts/ensure-docker.sh", import.meta.url))

export const randomToken = (bytes = 12) => randomBytes(bytes).toString("hex")

export const run = (command: string, args: ReadonlyArray<string>, input?: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${stderr || error.message}`))
      else resolve(stdout.trim())
    })
    if (input !== undefined) child.stdin?.end(input)
  })

/** The docker CLI against a given daemon (`host` = DOCKER_HOST), or the default one. */
export const docker = (args: ReadonlyArray<string>, host?: string) =>
  run("docker", host === undefined ? args : ["-H", host, ...args])

/**
 * Installs and starts dockerd and the busybox image when missing (idempotent and quick when all
 * is there). CI runs it too; a suite that cannot get a daemon fails here rather than skipping.
 */
export const ensureDocker = () => run("bash", [ensureScript])

/** `docker save IMAGE | docker -H host load`: the test image, copied into another daemon. */
export const copyImageTo = (host: string) =>
  new Promise<void>((resolve, reject) => {
    const save = spawn("docker", ["save", IMAGE], { stdio: ["ignore", "pipe", "inherit"] })
    const load = spawn("docker", ["-H", host, "load"], { stdio: ["pipe", "ignore", "inherit"] })
    save.stdout.pipe(load.stdin)
    load.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`docker load exited ${code}`))))
    save.on("error", reject)
    load.on("error", reject)
  })

/** Removes every container whose name starts with `prefix`, and only those. */
export const removeByPrefix = async (prefix: string, host?: string) => {
  const ids = (await docker(["ps", "-aq", "--filter", `name=^/${prefix}`], host)).split("\n").filter(Boolean)
  if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids], host)
}

export const inspectField = (name: string, template: string, host?: string) =>
  docker(["inspect", "-f", template, name], host)

/** Polls `check` until it returns a value, or fails after `deadlineMs` saying what it waited for. */
export const waitFor = async <A>(
  what: string,
  check: () => Promise<A | undefined>,
  deadlineMs = 60_000,
  everyMs = 200
): Promise<A> => {
  const until = Date.now() + deadlineMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`)
}
