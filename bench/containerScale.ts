// Many containers under the label, served by the image's bundle with the Dockerfile's node flags
// (its 64 MB old space included): a fake Docker daemon (test/containers/support/fakeDocker.ts)
// lists N running containers and answers their inspects and stats; the service refreshes them
// every SYSTEM_PROFILER_CONTAINERS_INTERVAL while this script reads /containers, /stats,
// /metrics and /history every second. Then the same with ten times the maximum, which the
// service must refuse with a clear error and survive. It prints figures and never judges them.
//
//   source scripts/node-env.sh && node bench/containers.ts --scale [--containers 500] [--seconds 60]
//   ... --smoke    # a few seconds, 50 containers

import { type ChildProcess, spawn } from "node:child_process"
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DEFAULT_MAX_CONTAINERS } from "../src/config/AppConfig.ts"
import { type FakeContainer, makeFakeDocker } from "../test/collectors/containers/support/fakeDocker.ts"
import { sh } from "./shell.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const smoke = process.argv.includes("--smoke")
const COUNT = arg("containers", smoke ? 50 : DEFAULT_MAX_CONTAINERS)
const SECONDS = arg("seconds", smoke ? 5 : 60)
const INTERVAL = smoke ? "2s" : "10s"
const TOKEN = "scale-bench-token"
const MB = 1024 * 1024

const log = (message: string) => process.stderr.write(`bench: ${message}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const hex = (n: number) => n.toString(16).padStart(64, "0")
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

const memory = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? Number.NaN) * 1024
  return { rss: kb("VmRSS"), peak: kb("VmHWM") }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })

/** The Dockerfile's CMD over a bundle built for this run, as bench/stats.ts runs it. */
const bundleArgs = async (dirs: Array<string>): Promise<ReadonlyArray<string>> => {
  const cmd = /^CMD (\[.*\])\s*$/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1]
  if (cmd === undefined) throw new Error("the Dockerfile has no CMD [...] line")
  const [node, ...args] = JSON.parse(cmd) as Array<string>
  const script = args.at(-1)
  if (node !== "node" || script === undefined) throw new Error(`the Dockerfile's CMD is not node <flags> <js>: ${cmd}`)
  const dir = mkdtempSync(join(tmpdir(), "sp-scale-bench-"))
  dirs.push(dir)
  await sh(process.execPath, [join(root, "scripts", "build.ts"), join(dir, "dist")])
  copyFileSync(join(root, "package.json"), join(dir, "package.json"))
  return [...args.slice(0, -1), join(dir, script)]
}

const timedGet = async (url: string) => {
  const began = performance.now()
  const response = await fetch(url, { headers: { "x-profiler-token": TOKEN } })
  const body = await response.text()
  return { status: response.status, body, ms: performance.now() - began }
}

interface Run {
  readonly child: ChildProcess
  readonly base: string
  readonly output: () => string
}

const startService = async (args: ReadonlyArray<string>, socketPath: string): Promise<Run> => {
  const port = await freePort()
  const child = spawn(process.execPath, [...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      SYSTEM_PROFILER_AUTH_TOKEN: TOKEN,
      DOCKER_HOST: `unix://${socketPath}`,
      SYSTEM_PROFILER_STACK_LABEL: "sp.scale.bench=1",
      SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "api",
      SYSTEM_PROFILER_CONTAINERS_INTERVAL: INTERVAL
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  return { child, base: `http://127.0.0.1:${port}`, output: () => output }
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once("exit", r))
  child.kill("SIGTERM")
  await exited
}

/** Waits until /containers answers what `done` accepts; the answer, or the reason it never came. */
const until = async (run: Run, done: (status: number, body: string) => boolean, seconds: number) => {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline && run.child.exitCode === null) {
    try {
      const r = await timedGet(`${run.base}/containers`)
      if (done(r.status, r.body)) return r
    } catch {
      // not up yet
    }
    await sleep(250)
  }
  throw new Error(`the service never got there (exit ${run.child.exitCode}):\n${run.output().slice(-2000)}`)
}

const containers = (n: number): Array<FakeContainer> =>
  Array.from({ length: n }, (_, i) => ({
    id: hex(i + 1),
    name: `scale-${i}`,
    state: "running" as const,
    // Minutes, not seconds: an unchanged running container keeps its last inspect.
    status: "Up 5 minutes"
  }))

const served = async (args: ReadonlyArray<string>) => {
  const fake = await makeFakeDocker()
  fake.containers = containers(COUNT)
  const run = await startService(args, fake.socketPath)
  try {
    await until(
      run,
      (s, b) => s === 200 && (JSON.parse(b) as { containers: Array<unknown> }).containers.length === COUNT,
      180
    )
    const pid = run.child.pid!
    const start = memory(pid)
    const routes = ["/containers", "/stats", "/metrics", "/history"] as const
    const times = new Map<string, Array<number>>(routes.map((r) => [r, []]))
    const bytes = new Map<string, number>()
    const statuses = new Set<number>()
    const listsBefore = fake.requests.filter((r) => r.url.includes("/containers/json?")).length
    let maxRss = start.rss
    for (let s = 0; s < SECONDS && run.child.exitCode === null; s++) {
      for (const route of routes) {
        const r = await timedGet(`${run.base}${route}`)
        statuses.add(r.status)
        times.get(route)!.push(r.ms)
        bytes.set(route, r.body.length)
      }
      maxRss = Math.max(maxRss, memory(pid).rss)
      await sleep(1000)
    }
    const alive = run.child.exitCode === null
    const end = alive ? memory(pid) : { rss: Number.NaN, peak: Number.NaN }
    const refreshes = fake.requests.filter((r) => r.url.includes("/containers/json?")).length - listsBefore
    console.log(
      `${COUNT} containers for ${SECONDS} s (${refreshes} refreshes): ${alive ? "alive" : `DIED (exit ${run.child.exitCode})`}, ` +
        `answers ${[...statuses].join(", ")}; RSS ${(start.rss / MB).toFixed(1)} MB once all were listed, ` +
        `at most ${(maxRss / MB).toFixed(1)} MB while served, peak since start ${(end.peak / MB).toFixed(1)} MB`
    )
    console.log("| route | median (ms) | slowest (ms) | body (KB) |")
    console.log("|---|---|---|---|")
    for (const route of routes) {
      const xs = times.get(route)!
      console.log(
        `| GET ${route} | ${median(xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} | ${((bytes.get(route) ?? 0) / 1024).toFixed(0)} |`
      )
    }
  } finally {
    await stop(run.child)
    await fake.close()
  }
}

const refused = async (args: ReadonlyArray<string>) => {
  const count = 10 * DEFAULT_MAX_CONTAINERS
  const fake = await makeFakeDocker()
  fake.containers = containers(count)
  const run = await startService(args, fake.socketPath)
  try {
    const answer = await until(run, (s, b) => s === 503 && b.includes("carry the label"), 120)
    await sleep(2000)
    const health = await timedGet(`${run.base}/health`)
    const alive = run.child.exitCode === null
    console.log(
      `${count} containers: ${alive ? "alive" : "DIED"}, /health ${health.status}, /containers ${answer.status}: ` +
        `${(JSON.parse(answer.body) as { error: string }).error}; RSS ${(memory(run.child.pid!).rss / MB).toFixed(1)} MB, ` +
        `peak ${(memory(run.child.pid!).peak / MB).toFixed(1)} MB`
    )
  } finally {
    await stop(run.child)
    await fake.close()
  }
}

export const scaleMain = async () => {
  const dirs: Array<string> = []
  try {
    const args = await bundleArgs(dirs)
    log(`node ${args.map((a) => (a.startsWith(tmpdir()) ? "dist/main.js" : a)).join(" ")}`)
    console.log(
      `service: the image's bundle and node flags, a fake Docker daemon, containers refreshed every ${INTERVAL}`
    )
    await served(args)
    await refused(args)
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}
