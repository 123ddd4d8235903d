// The service's figures beside Debian's prometheus-node-exporter, measured in one run on one
// machine. It starts the service for real (live host collector, the local dockerd with labelled
// busybox containers, HTTP and TCP probes served by this script), then prints:
//   - GET /stats under wrk at 50 connections: p50, p99, requests per second
//   - RSS after start and after 100 000 requests, and its two parts (own memory, mapped code)
//   - the CPU seconds the idle service uses per minute (and as % of one core), in the first
//     minute after the warm-up and in the two minutes after it (the steady state)
//   - what 200 open /stats/stream clients add in RSS and CPU
//   - GET /metrics of both, with node_exporter's RSS and idle CPU beside ours
//
//   source scripts/node-env.sh && node bench/stats.ts            # full run, several minutes
//   source scripts/node-env.sh && node bench/stats.ts --smoke    # seconds; what CI runs
//   ... node bench/stats.ts --sources    # `node src/main.ts` instead of the image's bundle
//
// By default the service runs as the image runs it: the bundle of scripts/build.ts (built into a
// temporary directory for this run), with the node flags of the Dockerfile's CMD.
//
// It prints figures and never judges them: the goals are in bench/README.md. Whatever is missing
// (no dockerd, no node_exporter) becomes an "n/a" row, not a failure. It needs wrk.

import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { cpuSeconds, freePort, rssBytes, rssParts, runBench, sleep, startProbeTargets, waitFor } from "./service.ts"
import { sh } from "./shell.ts"

const smoke = process.argv.includes("--smoke")
const fromSources = process.argv.includes("--sources")
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}

const S = {
  containers: arg("containers", smoke ? 2 : 10),
  streamClients: arg("clients", smoke ? 20 : 200),
  requests: arg("requests", smoke ? 5_000 : 100_000),
  wrkSeconds: arg("wrk-seconds", smoke ? 2 : 15),
  // An unmeasured wrk run before each measured one, for both services: the code that answers has
  // not run during the idle minutes before, and its first requests pay for V8's compilation.
  wrkWarmupSeconds: smoke ? 1 : 3,
  // The first minute after start, then the steady state: what the service costs for months.
  idleFirstSeconds: smoke ? 1 : 60,
  idleSeconds: arg("idle-seconds", smoke ? 3 : 180),
  warmupSeconds: smoke ? 2 : 12,
  holdSeconds: arg("hold-seconds", smoke ? 3 : 30)
}

if (!(S.idleSeconds > S.idleFirstSeconds)) {
  throw new Error(`--idle-seconds must be more than the first window of ${S.idleFirstSeconds} s`)
}

const root = fileURLToPath(new URL("..", import.meta.url))
const IMAGE = process.env.BUSYBOX_IMAGE ?? "system-profiler/busybox:latest"
const NODE_EXPORTER = process.env.NODE_EXPORTER ?? "/usr/bin/prometheus-node-exporter"
const runId = randomBytes(4).toString("hex")
const TOKEN = `bench-${runId}`
const LABEL = `system-profiler.bench=${runId}`
const children: Array<ChildProcess> = []
const containerNames: Array<string> = []
const tempDirs: Array<string> = []

const log = (message: string) => process.stderr.write(`bench: ${message}\n`)

const can = async (command: string, args: ReadonlyArray<string>) => {
  try {
    await sh(command, args)
    return true
  } catch {
    return false
  }
}

// ---- /proc readings of a process ---------------------------------------------------------------

/** CPU seconds per minute that each process uses while nobody asks it anything. */
const idleCpu = async (pids: ReadonlyArray<number>, seconds: number) => {
  const before = pids.map(cpuSeconds)
  await sleep(seconds * 1000)
  return pids.map((pid, i) => ((cpuSeconds(pid) - before[i]!) * 60) / seconds)
}

/** idleCpu over the first `firstSeconds`, then over the rest of `totalSeconds`. */
const idleCpuWindows = async (pids: ReadonlyArray<number>, firstSeconds: number, totalSeconds: number) => {
  const first = await idleCpu(pids, firstSeconds)
  const rest = await idleCpu(pids, totalSeconds - firstSeconds)
  return pids.map((_, i) => ({ first: first[i]!, rest: rest[i]! }))
}

// ---- helpers ----------------------------------------------------------------------------------

interface WrkResult {
  readonly p50ms: number
  readonly p99ms: number
  readonly rps: number
  readonly requests: number
  readonly errors: number
  /** CPU seconds the server used per answered request in the measured run (NaN without a pid). */
  readonly cpuPerRequest: number
}

const toMs = (value: string) => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value)
  if (m === null) return Number.NaN
  const n = Number(m[1])
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000
}

/**
 * wrk after an unmeasured warm-up run with the same connections; the warm-up's requests are
 * counted. With `pid`, also the server's CPU seconds per answered request in the measured run:
 * unlike requests per second, that barely moves with what else runs on the machine (wrk itself
 * included), so it compares two servers on a shared machine.
 */
const warmWrk = async (
  url: string,
  header: string,
  seconds: number,
  connections = 50,
  pid?: number
): Promise<WrkResult> => {
  const warm = await wrk(url, header, S.wrkWarmupSeconds, connections)
  const cpuBefore = pid === undefined ? Number.NaN : cpuSeconds(pid)
  const measured = await wrk(url, header, seconds, connections)
  const cpuUsed = pid === undefined ? Number.NaN : cpuSeconds(pid) - cpuBefore
  const answered = measured.requests - measured.errors
  return {
    ...measured,
    requests: measured.requests + (Number.isFinite(warm.requests) ? warm.requests : 0),
    cpuPerRequest: answered > 0 ? cpuUsed / answered : Number.NaN
  }
}

const wrk = async (url: string, header: string, seconds: number, connections = 50): Promise<WrkResult> => {
  const out = await sh("wrk", [
    `-t${Math.min(2, connections)}`,
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    "--timeout",
    "5s",
    "-H",
    header,
    url
  ])
  const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)\\s*$`, "m").exec(out)?.[1] ?? "")
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const done = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out)
  const requests = Number(done?.[1] ?? Number.NaN)
  const elapsedMs = toMs(`${done?.[2]}${done?.[3]}`)
  // Successful answers per second: node_exporter answers 503 beyond its --web.max-requests (40
  // by default), and a refused scrape is no scrape.
  return {
    p50ms: pct("50"),
    p99ms: pct("99"),
    rps: ((requests - non2xx) * 1000) / elapsedMs,
    requests,
    errors: non2xx + (socket === null ? 0 : socket.slice(1).reduce((n, x) => n + Number(x), 0)),
    cpuPerRequest: Number.NaN
  }
}

const start = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  child.on("exit", (code) => {
    if (code !== null && code !== 0 && !stopping) log(`${command} exited ${code}: ${stderr}`)
  })
  children.push(child)
  return child
}

let stopping = false
const cleanup = async () => {
  stopping = true
  for (const child of children) child.kill("SIGTERM")
  if (containerNames.length > 0) await sh("docker", ["rm", "-f", ...containerNames]).catch(() => undefined)
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
}

// ---- the service's command line ---------------------------------------------------------------

/**
 * The arguments of node that start the service: the Dockerfile's CMD (its node flags and
 * dist/main.js), over a bundle built for this run, or `src/main.ts` with --sources. The bundle
 * goes to a directory of this run's own, beside a copy of package.json (the version is read from
 * ../package.json), so that concurrent runs never share one.
 */
const serviceArgs = async (): Promise<ReadonlyArray<string>> => {
  if (fromSources) return ["src/main.ts"]
  const cmd = /^CMD (\[.*\])\s*$/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1]
  if (cmd === undefined) throw new Error("the Dockerfile has no CMD [...] line")
  const [node, ...args] = JSON.parse(cmd) as Array<string>
  const script = args.at(-1)
  if (node !== "node" || script === undefined || !script.endsWith(".js")) {
    throw new Error(`the Dockerfile's CMD is not node <flags> <bundle>.js: ${cmd}`)
  }
  const dir = mkdtempSync(join(tmpdir(), "sp-bench-"))
  tempDirs.push(dir)
  await sh(process.execPath, [join(root, "scripts", "build.ts"), join(dir, "dist")])
  copyFileSync(join(root, "package.json"), join(dir, "package.json"))
  return [...args.slice(0, -1), join(dir, script)]
}

// ---- what the service watches -----------------------------------------------------------------

const startContainers = async (): Promise<string> => {
  if (S.containers === 0) return "none asked"
  if (!(await can("docker", ["image", "inspect", IMAGE])))
    return "n/a: no dockerd or no image (bash scripts/ensure-docker.sh)"
  for (let i = 0; i < S.containers; i++) {
    const name = `sp-stats-bench-${runId}-${i}`
    containerNames.push(name)
    await sh("docker", ["run", "-d", "--name", name, "--network", "none", "--label", LABEL, IMAGE, "sleep", "3600"])
  }
  return `${S.containers} running`
}

// ---- 200 stream clients -----------------------------------------------------------------------

const openStreams = async (url: string, n: number) => {
  const controllers: Array<AbortController> = []
  let events = 0
  await Promise.all(
    Array.from({ length: n }, async () => {
      const controller = new AbortController()
      controllers.push(controller)
      const response = await fetch(url, { headers: { "x-profiler-token": TOKEN }, signal: controller.signal })
      const reader = response.body!.getReader()
      // Read the first event before counting the client as connected, then keep draining.
      await reader.read()
      events++
      void (async () => {
        try {
          for (;;) {
            const chunk = await reader.read()
            if (chunk.done) return
            events++
          }
        } catch {
          // aborted
        }
      })()
    })
  )
  return {
    close: () => {
      for (const c of controllers) c.abort()
    },
    events: () => events
  }
}

const streamClientsNow = async (base: string) => {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
  return Number(/^system_profiler_stream_clients (\d+)$/m.exec(text)?.[1] ?? Number.NaN)
}

// ---- the run ----------------------------------------------------------------------------------

const MB = 1024 * 1024
const mb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / MB).toFixed(1)} MB` : "n/a")
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : "n/a")
const num = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a")
const cpu = (perMinute: number) =>
  Number.isFinite(perMinute)
    ? `${perMinute.toFixed(3)} s/min (${((perMinute / 60) * 100).toFixed(3)}% of a core)`
    : "n/a"

const main = async () => {
  if (!(await can("wrk", ["--version"])) && !(await can("which", ["wrk"]))) {
    throw new Error("wrk is missing: bash scripts/ensure-test-tools.sh")
  }
  log(`run ${runId}${smoke ? " (smoke)" : ""}: ${JSON.stringify(S)}`)
  const containers = await startContainers()
  const probes = await startProbeTargets()

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const args = await serviceArgs()
  const service = start(process.execPath, args, {
    PORT: String(port),
    HOST: "127.0.0.1",
    SYSTEM_PROFILER_AUTH_TOKEN: TOKEN,
    SYSTEM_PROFILER_STACK_LABEL: LABEL,
    SYSTEM_PROFILER_SERVICES: probes.services,
    MOCK_HOST_STATS: "false"
  })
  await waitFor(`${base}/health`)
  const pid = service.pid!

  const nePort = await freePort()
  const haveNe = await can(NODE_EXPORTER, ["--version"])
  const ne = haveNe ? start(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${nePort}`]) : undefined
  if (ne !== undefined) await waitFor(`http://127.0.0.1:${nePort}/metrics`)
  else log(`no ${NODE_EXPORTER}: its row is n/a (bash scripts/ensure-test-tools.sh)`)

  // Let both take their first samples (the CPU figure needs two) and settle.
  await sleep(S.warmupSeconds * 1000)
  const rssStart = rssBytes(pid)
  const partsStart = rssParts(pid)
  const neRssStart = ne === undefined ? Number.NaN : rssBytes(ne.pid!)

  log(`idle CPU over ${S.idleSeconds} s`)
  const [idleWindows, neIdleWindows] = await idleCpuWindows(
    ne === undefined ? [pid] : [pid, ne.pid!],
    S.idleFirstSeconds,
    S.idleSeconds
  )
  const idle = idleWindows?.rest
  const neIdle = neIdleWindows?.rest

  log("wrk GET /stats")
  const auth = `X-Profiler-Token: ${TOKEN}`
  const stats = await warmWrk(`${base}/stats`, auth, S.wrkSeconds, 50, pid)
  // Then enough more requests to reach the total, for the RSS after that many.
  let served = stats.requests
  while (served < S.requests && Number.isFinite(stats.rps) && stats.rps > 0) {
    const more = await wrk(`${base}/stats`, auth, Math.max(1, Math.ceil((S.requests - served) / stats.rps)))
    if (!(more.requests > 0)) break
    served += more.requests
  }
  const rssAfter = rssBytes(pid)
  const partsAfter = rssParts(pid)

  log("wrk GET /metrics of both")
  const metrics = await warmWrk(`${base}/metrics`, `Authorization: Bearer ${TOKEN}`, S.wrkSeconds)
  const neMetrics =
    ne === undefined
      ? undefined
      : await warmWrk(`http://127.0.0.1:${nePort}/metrics`, "Accept: text/plain", S.wrkSeconds, 50, ne.pid)
  // The latency of one scrape at a time, as Prometheus scrapes.
  const metrics1 = await warmWrk(`${base}/metrics`, `Authorization: Bearer ${TOKEN}`, S.wrkSeconds, 1)
  const neMetrics1 =
    ne === undefined
      ? undefined
      : await warmWrk(`http://127.0.0.1:${nePort}/metrics`, "Accept: text/plain", S.wrkSeconds, 1, ne.pid)
  const neRssAfter = ne === undefined ? Number.NaN : rssBytes(ne.pid!)

  log(`${S.streamClients} stream clients for ${S.holdSeconds} s`)
  await sleep(1000)
  const rssBeforeStreams = rssBytes(pid)
  const cpuBaseline = (await idleCpu([pid], S.holdSeconds))[0]!
  const streams = await openStreams(`${base}/stats/stream`, S.streamClients)
  const connected = await streamClientsNow(base)
  const [cpuWithStreams] = await idleCpu([pid], S.holdSeconds)
  const rssWithStreams = rssBytes(pid)
  const eventsSeen = streams.events()
  streams.close()
  let released = Number.NaN
  for (let i = 0; i < 100; i++) {
    released = await streamClientsNow(base)
    if (released === 0) break
    await sleep(50)
  }

  const na = Number.NaN
  const row = (target: string, conns: number, w: WrkResult | undefined, rss0 = na, rss1 = na, idleCpu = na) => [
    target,
    String(conns),
    ms(w?.p50ms ?? na),
    ms(w?.p99ms ?? na),
    num(w?.rps ?? na),
    Number.isNaN(rss0) ? "" : mb(rss0),
    Number.isNaN(rss1) ? "" : mb(rss1),
    Number.isNaN(idleCpu) ? "" : cpu(idleCpu)
  ]
  const rows: Array<Array<string>> = [
    ["target", "conns", "p50", "p99", "ok req/s", "RSS after start", `RSS after load`, "idle CPU (steady)"],
    row("system-profiler GET /stats", 50, stats, rssStart, rssAfter, idle ?? na),
    row("system-profiler GET /metrics", 50, metrics),
    row("system-profiler GET /metrics", 1, metrics1),
    ne === undefined
      ? ["node_exporter", "", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"]
      : row("node_exporter GET /metrics", 50, neMetrics, neRssStart, neRssAfter, neIdle ?? na),
    ...(ne === undefined ? [] : [row("node_exporter GET /metrics", 1, neMetrics1)])
  ]
  const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const line = (r: ReadonlyArray<string>) => `| ${r.map((x, c) => x.padEnd(width[c]!)).join(" | ")} |`
  const out: Array<string> = []
  out.push(`system-profiler bench ${smoke ? "(smoke run: short durations, figures not meaningful)" : ""}`.trim())
  out.push(
    `host: ${(await sh("uname", ["-srm"])).trim()}, ${(await sh("nproc", [])).trim()} CPUs, node ${process.version}; containers: ${containers}; probes: 4 (2 http, 2 tcp)`
  )
  out.push(
    `service: node ${args.map((a) => (a.startsWith(tmpdir()) ? a.slice(a.indexOf("/dist/") + 1) : a)).join(" ")} (${fromSources ? "the sources" : "the image's bundle and flags"})`
  )
  out.push("")
  out.push(line(rows[0]!))
  out.push(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`)
  for (const r of rows.slice(1)) out.push(line(r))
  out.push("")
  const windows = (w: { first: number; rest: number } | undefined) =>
    w === undefined
      ? "n/a"
      : `${cpu(w.first)} in the first ${S.idleFirstSeconds} s, ${cpu(w.rest)} in the ${S.idleSeconds - S.idleFirstSeconds} s after`
  out.push(
    `idle CPU after the ${S.warmupSeconds} s warm-up: system-profiler ${windows(idleWindows)}; node_exporter ${windows(neIdleWindows)}`
  )
  const parts = (p: { anon: number; file: number }) => `${mb(p.anon)} anon + ${mb(p.file)} file`
  out.push(
    `RSS of system-profiler: after start ${parts(partsStart)}, after load ${parts(partsAfter)} ` +
      "(anon: its own memory; file: mapped code, the node binary's above all, shared and reclaimable)"
  )
  out.push(
    `stream clients: ${S.streamClients} open (server counted ${connected}, ${eventsSeen} events received): ` +
      `RSS ${mb(rssBeforeStreams)} -> ${mb(rssWithStreams)} (+${mb(rssWithStreams - rssBeforeStreams)}), ` +
      `CPU ${cpu(cpuBaseline)} -> ${cpu(cpuWithStreams ?? Number.NaN)}; after closing, the server counts ${released}`
  )
  // node_exporter's better figure, at 50 connections or at one.
  const neBest = Math.max(neMetrics?.rps ?? Number.NaN, neMetrics1?.rps ?? Number.NaN)
  const ratio = stats.rps / neBest
  // The same comparison by CPU per answer: what each costs, whatever else ran beside it.
  const neCpuBest = Math.min(neMetrics?.cpuPerRequest ?? Number.NaN, neMetrics1?.cpuPerRequest ?? Number.NaN)
  const cpuRatio = neCpuBest / stats.cpuPerRequest
  const micros = (s: number) => (Number.isFinite(s) ? `${(s * 1e6).toFixed(1)} µs` : "n/a")
  const history = await (await fetch(`${base}/history`, { headers: { "x-profiler-token": TOKEN } })).text()
  const points = (JSON.parse(history) as { points: ReadonlyArray<unknown> }).points.length
  out.push(
    `throughput: /stats is ${Number.isFinite(ratio) ? ratio.toFixed(1) : "n/a"}x node_exporter's best /metrics; ` +
      `RSS after load = after ${num(served)} GET /stats; ` +
      `wrk errors (non-2xx, socket): /stats ${stats.errors}, /metrics ${metrics.errors}, node_exporter ${neMetrics?.errors ?? "n/a"}`
  )
  out.push(
    `CPU per answer: /stats ${micros(stats.cpuPerRequest)}, node_exporter /metrics ${micros(neMetrics?.cpuPerRequest ?? Number.NaN)} at 50 connections, ` +
      `${micros(neMetrics1?.cpuPerRequest ?? Number.NaN)} at 1; /stats costs ${Number.isFinite(cpuRatio) ? cpuRatio.toFixed(1) : "n/a"}x less CPU than node_exporter's cheaper /metrics; ` +
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`
  )
  out.push(
    `history: ${points} points in ${num(history.length)} characters of JSON ` +
      `(${points > 0 ? num(history.length / points) : "n/a"} per point with ${S.containers} containers and 4 probes)`
  )
  process.stdout.write(`${out.join("\n")}\n`)
  probes.close()
}

runBench(main, cleanup, log)
