// The stored history's costs at the defaults, for the reference stack of issue 14: one host,
// 10 containers and 4 probes sampled at the service's default intervals (5 s, 10 s, 30 s), with
// the figures the readings will hold (src/history/store/README: "Stored history"). It prints:
//   - bytes written to disk per day: an accelerated run (TestClock) in a child process, on a
//     file on this machine's disk, after two simulated days so that every tier and the retention
//     run as in the steady state; the child's /proc/<pid>/io write_bytes over one simulated day,
//     beside the WAL frames and checkpointed pages the store counts; one row per flush interval
//   - the database size after two synthetic years of aggregates in every tier
//   - the latency of a 30d and a 2y query, and of the uptime of a probe, on that database, through
//     the store and through the service (GET /history?source=stored over loopback)
//   - the RSS and idle CPU of a process recording into the store beside the same process
//     without it, both with the node flags of the Dockerfile's CMD
//
//   source scripts/node-env.sh && node bench/history.ts            # full run, about 15 minutes
//   source scripts/node-env.sh && node bench/history.ts --smoke    # the same steps in seconds
//   source scripts/node-env.sh && node bench/history.ts --fill DIR # only the 2-year database
//
// It prints figures and never judges them: the goals are in bench/README.md.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Duration, Effect, Logger } from "effect"
import { TestClock } from "effect/testing"
import { build } from "rolldown"
import { ByteWriter, writeBucket } from "../src/history/store/codec.ts"
import { Database, metricKey, openDatabase, removeHolder } from "../src/history/store/database.ts"
import {
  DEFAULT_FLUSH,
  DEFAULT_MAX_SIZE_BYTES,
  HistoryStore,
  type HistoryStoreSettings
} from "../src/history/store/HistoryStore.ts"
import type { CounterAgg, GaugeAgg, SeriesAgg } from "../src/history/store/model.ts"
import { TIERS } from "../src/history/store/tiers.ts"
import { CONTAINER, gaugeValue, HOST, LiveStack, type MetricSpec, PROBE, random, STACK } from "./history-stack.ts"
import { sh } from "./shell.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const self = fileURLToPath(import.meta.url)
const idleChild = fileURLToPath(new URL("./history-idle.ts", import.meta.url))
const smoke = process.argv.includes("--smoke")
// --only writes|queries|idle: one part of the run.
const onlyAt = process.argv.indexOf("--only")
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1]
const part = (name: string) => only === undefined || only === name
const log = (message: string) => process.stderr.write(`bench: ${message}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

// ---- child: the accelerated writer --------------------------------------------------------------

const waitForParent = Effect.promise(() => new Promise<void>((resolve) => process.stdin.once("data", () => resolve())))
const say = (value: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(value)}\n`))

const writer = (dir: string, flushMs: number, warmupDays: number, measureDays: number) => {
  const settings: HistoryStoreSettings = {
    dataDir: dir,
    flushInterval: Duration.millis(flushMs),
    maxSizeBytes: DEFAULT_MAX_SIZE_BYTES
  }
  const start = Date.UTC(2026, 11, 2)
  const run = Effect.gen(function* () {
    const store = yield* HistoryStore
    const stack = new LiveStack()
    const step = 5 * SECOND
    const warmup = Math.round((warmupDays * DAY) / step) * step
    const total = warmup + Math.round((measureDays * DAY) / step) * step
    for (let t = 0; t < total; t += step) {
      if (t === warmup) {
        yield* say({ mark: "start", stats: yield* store.stats })
        yield* waitForParent
      }
      yield* store.record(stack.samplesAt(start + t))
      yield* TestClock.adjust(step)
    }
    yield* say({ mark: "end", stats: yield* store.stats })
    yield* waitForParent
  })
  return Effect.gen(function* () {
    yield* TestClock.setTime(start)
    yield* run.pipe(Effect.provide(HistoryStore.layerWith(settings)))
  }).pipe(Effect.provide(TestClock.layer()), Effect.provide(Logger.layer([])))
}

// ---- the 2-year database ------------------------------------------------------------------------

/** A bucket's aggregate of `count` synthetic readings of one metric. */
const gaugeAgg = (m: MetricSpec, count: number): GaugeAgg => {
  if (m.form === "flag") {
    const down = random() < 0.02 ? Math.ceil(random() * count * 0.1) : 0
    return { count, sum: count - down, min: down > 0 ? 0 : 1, max: 1 }
  }
  const values = [gaugeValue(m), gaugeValue(m), gaugeValue(m)]
  const min = Math.min(...values)
  const max = Math.max(...values)
  const mean = values[0]! + values[1]! + values[2]!
  const sum = m.form === "int" ? Math.round((mean / 3) * count) : (mean / 3) * count
  return { count, sum, min, max }
}

/** Fills `dir` with what two years of the reference stack leave: every tier full to its retention. */
const fillTwoYears = (dir: string, now: number) => {
  const db = openDatabase(dir, { cacheKiB: 1024 })
  if (!(db instanceof Database)) throw new Error(db.message)
  const sqlite = db.sqlite
  sqlite.exec("BEGIN")
  const seriesIds = STACK.map((s) => Number((db.insertSeries.get(s.series.kind, s.series.name) as { id: number }).id))
  const metricIds = new Map<string, number>()
  for (const m of [...HOST, ...CONTAINER, ...PROBE]) {
    const key = metricKey(m.kind, m.name)
    if (!metricIds.has(key)) metricIds.set(key, Number((db.insertMetric.get(m.kind, m.name) as { id: number }).id))
  }
  const totals = new Map<string, number>()
  const bucketOf = (bucketMs: number) =>
    STACK.map((s, i) => {
      const agg: SeriesAgg<number> = { gauges: new Map<number, GaugeAgg>(), counters: new Map<number, CounterAgg>() }
      for (const m of s.metrics) {
        const id = metricIds.get(metricKey(m.kind, m.name))!
        if (m.kind === "gauge") agg.gauges.set(id, gaugeAgg(m, bucketMs / s.intervalMs))
        else {
          const increase = Math.round(m.level * (bucketMs / 1000) * (0.5 + random()))
          const total = (totals.get(`${i}/${m.name}`) ?? 1e9) + increase
          totals.set(`${i}/${m.name}`, total)
          agg.counters.set(id, { last: total, increase })
        }
      }
      return { seriesId: seriesIds[i]!, agg }
    })
  // Each tier full to its retention, up to where the store would have rolled it by now.
  let end = Math.floor((now - MINUTE) / MINUTE) * MINUTE
  TIERS.forEach((tier, index) => {
    end = Math.floor(end / tier.bucketMs) * tier.bucketMs
    for (let b = end - tier.retentionMs; b < end; b += tier.bucketMs) {
      const w = new ByteWriter(4096)
      writeBucket(w, 0, bucketOf(tier.bucketMs))
      db.put(index, b / tier.bucketMs, w.toBytes())
    }
  })
  sqlite.exec("COMMIT")
  db.close()
  removeHolder(dir)
}

// ---- /proc readings -----------------------------------------------------------------------------

const CLK_TCK = 100
const writeBytes = (pid: number) => Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1])
const rssBytes = (pid: number) =>
  Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024
const cpuSeconds = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** The node flags of the Dockerfile's CMD: the children run as the image runs the service. */
const imageFlags = (): Array<string> => {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1]
  return cmd === undefined ? [] : (JSON.parse(cmd) as Array<string>).filter((a) => a.startsWith("--"))
}

interface Child {
  readonly process: ChildProcess
  readonly next: () => Promise<Record<string, unknown>>
}

const startChild = (script: string, args: ReadonlyArray<string>, flags: ReadonlyArray<string> = []): Child => {
  const child = spawn(process.execPath, [...flags, script, ...args], { cwd: root, stdio: ["pipe", "pipe", "inherit"] })
  const lines: Array<Record<string, unknown>> = []
  const waiting: Array<(line: Record<string, unknown>) => void> = []
  let pending = ""
  child.stdout?.on("data", (d: Buffer) => {
    pending += d.toString()
    let i = pending.indexOf("\n")
    while (i >= 0) {
      const line = pending.slice(0, i)
      pending = pending.slice(i + 1)
      if (line.startsWith("{")) {
        const parsed = JSON.parse(line) as Record<string, unknown>
        const w = waiting.shift()
        if (w === undefined) lines.push(parsed)
        else w(parsed)
      }
      i = pending.indexOf("\n")
    }
  })
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const line = lines.shift()
      if (line !== undefined) return resolve(line)
      waiting.push(resolve)
      child.once("exit", (code) => reject(new Error(`child ${args.join(" ")} exited ${code}`)))
    })
  return { process: child, next }
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, "exit")
  child.kill("SIGTERM")
  await exited
}

/**
 * The idle child as plain JavaScript, bundled as the image bundles the service: run from the
 * TypeScript sources, Node's type stripping alone would add megabytes per module loaded and
 * blur the comparison. The store is a dynamic import, so the child without it never loads it.
 */
const bundleIdle = async () => {
  const dir = mkdtempSync(join(tmpdir(), "sp-history-bench-bundle-"))
  await build({
    input: { "history-idle": idleChild },
    platform: "node",
    external: [/^node:/],
    output: { dir, format: "esm", minify: true },
    logLevel: "warn"
  })
  return { dir, entry: join(dir, "history-idle.js") }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// ---- main ---------------------------------------------------------------------------------------

interface Stats {
  readonly walFrames: number
  readonly checkpoints: number
  readonly checkpointedPages: number
  readonly maxCheckpointFrames: number
  readonly pageSize: number
  readonly flushes: number
}

/**
 * A fresh ext4 file system on a loop device, as on the Pi's card, so that what reaches the device
 * (the file system's journal and metadata included, which /proc/<pid>/io does not count) can be
 * read from the device's own counters. Needs root; without it, the run uses the temp directory
 * and prints n/a for the device.
 */
const ext4 = async (): Promise<
  { dir: string; sectors: () => Promise<number>; release: () => Promise<void> } | undefined
> => {
  if (process.getuid?.() !== 0) return undefined
  const base = mkdtempSync(join(tmpdir(), "sp-history-bench-ext4-"))
  const image = join(base, "fs.img")
  const dir = join(base, "mnt")
  try {
    await sh("truncate", ["-s", "256M", image])
    await sh("mkfs.ext4", ["-q", "-F", image])
    await sh("mkdir", [dir])
    await sh("mount", ["-o", "loop", image, dir])
  } catch (e) {
    log(`no ext4 loop device (${e instanceof Error ? e.message.split("\n")[0] : e}): device writes are n/a`)
    rmSync(base, { recursive: true, force: true })
    return undefined
  }
  const device = (await sh("findmnt", ["-no", "SOURCE", dir])).trim().replace(/^\/dev\//, "")
  return {
    dir: join(dir, "data"),
    // Everything dirty is written first, so that the count holds all the run caused.
    sectors: async () => {
      await sh("sync", ["-f", dir])
      return Number(readFileSync(`/sys/block/${device}/stat`, "utf8").trim().split(/\s+/)[6])
    },
    release: async () => {
      await sh("umount", [dir])
      rmSync(base, { recursive: true, force: true })
    }
  }
}

const writesPerDay = async (flushMs: number, warmupDays: number, measureDays: number) => {
  const fs = await ext4()
  const dir = fs?.dir ?? mkdtempSync(join(tmpdir(), "sp-history-bench-"))
  try {
    const child = startChild(self, ["--writer", dir, String(flushMs), String(warmupDays), String(measureDays)])
    const pid = child.process.pid!
    const first = await child.next()
    const before = writeBytes(pid)
    const sectorsBefore = await fs?.sectors()
    child.process.stdin?.write("\n")
    const last = await child.next()
    const after = writeBytes(pid)
    const sectorsAfter = await fs?.sectors()
    child.process.stdin?.write("\n")
    child.process.stdin?.end()
    await once(child.process, "exit")
    const a = first.stats as Stats
    const b = last.stats as Stats
    const frames = b.walFrames - a.walFrames
    const pages = b.checkpointedPages - a.checkpointedPages
    return {
      bytesPerDay: (after - before) / measureDays,
      deviceBytesPerDay:
        sectorsBefore === undefined || sectorsAfter === undefined
          ? undefined
          : ((sectorsAfter - sectorsBefore) * 512) / measureDays,
      framesPerDay: frames / measureDays,
      checkpointsPerDay: (b.checkpoints - a.checkpoints) / measureDays,
      pagesPerDay: pages / measureDays,
      countedPerDay: (frames * (b.pageSize + 24) + pages * b.pageSize) / measureDays,
      maxFrames: b.maxCheckpointFrames,
      flushesPerDay: (b.flushes - a.flushes) / measureDays
    }
  } finally {
    if (fs === undefined) rmSync(dir, { recursive: true, force: true })
    else await fs.release()
  }
}

const main = async () => {
  const S = {
    flushes: smoke ? [DEFAULT_FLUSH] : [1, 2, 5, 10, 15].map((m) => Duration.minutes(m)),
    warmupDays: smoke ? 0.02 : 2,
    measureDays: smoke ? 0.02 : 1,
    queryRuns: smoke ? 3 : 30,
    // Past the first flush (and the first maintenance), whose code V8 compiles on the way: what
    // is measured is the steady state, two flush intervals of it.
    idleWarmupSeconds: smoke ? 2 : Duration.toSeconds(DEFAULT_FLUSH) + 60,
    idleSeconds: smoke ? 3 : 2 * Duration.toSeconds(DEFAULT_FLUSH) + 30
  }

  console.log(
    `reference stack: 1 host (${HOST.length} figures every 5 s), 10 containers (${CONTAINER.length} every 10 s), ` +
      `4 probes (${PROBE.length} every 30 s); flush default ${Duration.format(DEFAULT_FLUSH)}`
  )
  if (part("writes")) await writes(S)
  if (part("queries") || part("idle")) await queriesAndIdle(S)
}

const writes = async (S: { flushes: ReadonlyArray<Duration.Duration>; warmupDays: number; measureDays: number }) => {
  console.log("")
  console.log(
    "| flush interval | write_bytes per day | device writes per day (ext4, journal included) | WAL frames per day | checkpoints per day | checkpointed frames per day | WAL + checkpoint bytes per day | flushes per day |"
  )
  console.log("|---|---|---|---|---|---|---|---|")
  for (const flush of S.flushes) {
    log(`writing ${S.warmupDays + S.measureDays} simulated days, flush every ${Duration.format(flush)}`)
    const r = await writesPerDay(Duration.toMillis(flush), S.warmupDays, S.measureDays)
    const mark = Duration.equals(flush, DEFAULT_FLUSH) ? " (default)" : ""
    console.log(
      `| ${Duration.format(flush)}${mark} | ${mb(r.bytesPerDay)} | ${r.deviceBytesPerDay === undefined ? "n/a" : mb(r.deviceBytesPerDay)} | ` +
        `${Math.round(r.framesPerDay)} | ${r.checkpointsPerDay.toFixed(0)} | ` +
        `${Math.round(r.pagesPerDay)} | ${mb(r.countedPerDay)} | ${Math.round(r.flushesPerDay)} |`
    )
    if (r.maxFrames >= 1000) log(`a checkpoint found ${r.maxFrames} frames: SQLite's own checkpoint may have run`)
  }
}

const queries = async (dir: string, runs: number) => {
  const rows = await Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* HistoryStore
      // Three unmeasured runs first: V8 compiles the decoding loops on the first ones.
      const time = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function* () {
          const out: Array<number> = []
          for (let i = 0; i < runs + 3; i++) {
            const t0 = performance.now()
            yield* effect
            if (i >= 3) out.push(performance.now() - t0)
          }
          return { median: median(out), max: Math.max(...out) }
        })
      const out: Array<string> = []
      const ms = (x: number) => `${x.toFixed(1)} ms`
      for (const window of ["7d", "30d", "1y", "2y"]) {
        const result = yield* store.query({ window })
        const t = yield* time(store.query({ window }))
        const points = Math.max(...result.series.map((s) => s.at.length))
        out.push(
          `| window=${window} (${result.tier} tier, ${Duration.format(Duration.millis(result.stepMillis))} steps) | ` +
            `${ms(t.median)} | ${ms(t.max)} | ${points} | ${mb(JSON.stringify(result).length)} |`
        )
      }
      const t = yield* time(store.uptime("web"))
      out.push(`| uptime of a probe (24h, 7d, 30d, 365d) | ${ms(t.median)} | ${ms(t.max)} | | |`)
      // What the daily retention pass costs: it reads every row of every tier.
      const m = yield* time(store.maintain)
      out.push(`| maintenance with retention (once a day) | ${ms(m.median)} | ${ms(m.max)} | | |`)
      return out
    }).pipe(
      Effect.provide(
        HistoryStore.layerWith({ dataDir: dir, flushInterval: DEFAULT_FLUSH, maxSizeBytes: DEFAULT_MAX_SIZE_BYTES })
      ),
      Effect.provide(Logger.layer([]))
    )
  )
  console.log("")
  console.log(`| query (${runs} runs) | median | max | points per series | JSON of the result |`)
  console.log("|---|---|---|---|---|")
  for (const row of rows) console.log(row)
}

/**
 * The same windows through the service: `node src/main.ts` (mock collectors) over a copy of the
 * 2-year database, GET /history?source=stored over loopback, the body read whole. Adds the JSON
 * encoding and HTTP to the store's query.
 */
const httpQueries = async (dir: string, runs: number) => {
  const dataDir = mkdtempSync(join(tmpdir(), "sp-history-bench-http-"))
  copyFileSync(join(dir, "history.db"), join(dataDir, "history.db"))
  const token = "bench-history-http-token"
  const child = spawn(process.execPath, [join(root, "src/main.ts")], {
    env: {
      PATH: process.env.PATH ?? "",
      MOCK_HOST_STATS: "true",
      HOST: "127.0.0.1",
      PORT: "0",
      SYSTEM_PROFILER_AUTH_TOKEN: token,
      SYSTEM_PROFILER_DATA_DIR: dataDir
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  try {
    let output = ""
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
    const until = Date.now() + 60_000
    while (!output.includes('"system-profiler listening"') && child.exitCode === null && Date.now() < until) {
      await sleep(50)
    }
    const line = output.split("\n").find((l) => l.includes('"system-profiler listening"'))
    if (line === undefined) throw new Error(`the service did not start:\n${output}`)
    const address = (JSON.parse(line) as { annotations: { address: string } }).annotations.address
    const get = async (path: string) => {
      const response = await fetch(`${address}${path}`, { headers: { "x-profiler-token": token } })
      const text = await response.text()
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 200)}`)
      return text.length
    }
    console.log("")
    console.log(`| GET over loopback (${runs} runs, node src/main.ts) | median | max | body |`)
    console.log("|---|---|---|---|")
    for (const window of ["30d", "2y"]) {
      const path = `/history?source=stored&window=${window}`
      const out: Array<number> = []
      let bytes = 0
      for (let i = 0; i < runs + 3; i++) {
        const t0 = performance.now()
        bytes = await get(path)
        if (i >= 3) out.push(performance.now() - t0)
      }
      console.log(`| ${path} | ${median(out).toFixed(1)} ms | ${Math.max(...out).toFixed(1)} ms | ${mb(bytes)} |`)
    }
  } finally {
    await stop(child)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const queriesAndIdle = async (S: { queryRuns: number; idleWarmupSeconds: number; idleSeconds: number }) => {
  const dir = mkdtempSync(join(tmpdir(), "sp-history-bench-"))
  const idleDir = mkdtempSync(join(tmpdir(), "sp-history-bench-"))
  const children: Array<ChildProcess> = []
  const tempDirs: Array<string> = [dir, idleDir]
  try {
    log("filling two synthetic years")
    const now = Date.now()
    fillTwoYears(dir, now)
    const size = statSync(join(dir, "history.db")).size
    console.log("")
    console.log(`database after two synthetic years of every tier: ${mb(size)} (${size} bytes)`)

    if (part("queries")) {
      await queries(dir, S.queryRuns)
      await httpQueries(dir, S.queryRuns)
    }
    if (!part("idle")) return
    log(
      `idle: the same process with and without the store, ${S.idleWarmupSeconds} s warm-up, ${S.idleSeconds} s measured`
    )
    copyFileSync(join(dir, "history.db"), join(idleDir, "history.db"))
    const flags = imageFlags()
    const bundle = await bundleIdle()
    tempDirs.push(bundle.dir)
    const without = startChild(bundle.entry, [], flags)
    const withStore = startChild(bundle.entry, [idleDir], flags)
    children.push(without.process, withStore.process)
    await Promise.all([without.next(), withStore.next()])
    await sleep(S.idleWarmupSeconds * 1000)
    const pids = [without.process.pid!, withStore.process.pid!]
    const rssBefore = pids.map(rssBytes)
    const cpuBefore = pids.map(cpuSeconds)
    await sleep(S.idleSeconds * 1000)
    const cpu = pids.map((pid, i) => ((cpuSeconds(pid) - cpuBefore[i]!) * 60) / S.idleSeconds)
    const rssAfter = pids.map(rssBytes)
    withStore.process.stdin?.write("\n")
    await withStore.next()
    const rssQueried = rssBytes(pids[1]!)
    console.log("")
    console.log(`| process (node ${flags.join(" ")}) | RSS after warm-up | RSS after ${S.idleSeconds} s | idle CPU |`)
    console.log("|---|---|---|---|")
    console.log(
      `| sampler without the store | ${mb(rssBefore[0]!)} | ${mb(rssAfter[0]!)} | ${cpu[0]!.toFixed(4)} s/min |`
    )
    console.log(`| sampler with the store | ${mb(rssBefore[1]!)} | ${mb(rssAfter[1]!)} | ${cpu[1]!.toFixed(4)} s/min |`)
    console.log(
      `store cost: ${mb(rssAfter[1]! - rssAfter[0]!)} RSS, ${(cpu[1]! - cpu[0]!).toFixed(4)} s/min idle CPU; ` +
        `RSS after a 30d and a 2y query and four uptimes: ${mb(rssQueried)}`
    )
  } finally {
    for (const child of children) await stop(child)
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true })
  }
}

const role = process.argv[2]
if (role === "--writer") {
  const [dir, flushMs, warmupDays, measureDays] = process.argv.slice(3)
  await Effect.runPromise(writer(dir!, Number(flushMs), Number(warmupDays), Number(measureDays)))
} else if (role === "--fill") {
  // Only the two synthetic years, into <dir>: a database to try queries on.
  fillTwoYears(process.argv[3]!, Date.now())
} else {
  await main()
}
