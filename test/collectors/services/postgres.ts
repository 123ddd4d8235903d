// A throwaway PostgreSQL server from Debian's postgresql package, on a loopback port, in a temp
// directory. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
// scripts/ensure-test-tools.sh installs the package; without it the suite fails and says so.
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { closedPort, LOOPBACK } from "./servers.ts"

export interface Postgres {
  readonly port: number
  readonly pid: number
  stop(): Promise<void>
}

const binDir = (): string => {
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0) {
    throw new Error("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); run scripts/ensure-test-tools.sh")
  }
  return join(root, versions[0]!, "bin")
}

const runAs = (): { uid?: number; gid?: number } => {
  if (process.getuid?.() !== 0) return {}
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim())
  return { uid: id("-u"), gid: id("-g") }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

export const startPostgres = async (): Promise<Postgres> => {
  const bin = binDir()
  const user = runAs()
  const dir = mkdtempSync(join(tmpdir(), "system-profiler-pg-"))
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!)
  const data = join(dir, "data")
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C", LC_ALL: "C" }
  execFileSync(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"], {
    ...user,
    env,
    cwd: dir,
    stdio: "pipe"
  })
  const port = await closedPort()
  const child = spawn(
    join(bin, "postgres"),
    ["-D", data, "-p", String(port), "-h", LOOPBACK, "-k", dir, "-c", "fsync=off", "-c", "logging_collector=off"],
    { ...user, env, cwd: dir, stdio: ["ignore", "ignore", "pipe"] }
  )
  let log = ""
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 30 s:\n${log}`)), 30_000)
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString()
      if (log.includes("ready to accept connections")) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`PostgreSQL exited with ${code}:\n${log}`))
    })
  })
  child.stderr!.resume()
  const pid = child.pid!
  return {
    port,
    pid,
    stop: async () => {
      // SIGINT is PostgreSQL's fast shutdown; only the process we started gets it.
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGINT")
      await exited(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
