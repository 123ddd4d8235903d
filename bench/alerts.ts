// What the default alert rules cost, before they are wired to the readings: the CPU time of one
// evaluation of every default rule over a Pi-sized observation (3 disks, 10 containers, 4 probes),
// extrapolated to the evaluations a minute at the default intervals, and the heap the engine's
// state holds after all of them (a third of the containers stopped, so alerts are open). The
// time includes building each observation from plain records, as the sampler will.
//
//   source scripts/node-env.sh && node --expose-gc bench/alerts.ts [evaluations]
//   node --no-opt --no-maglev bench/alerts.ts   # as an idle service runs it: 26 calls a minute never
//                                              # get a function optimized, so it stays unoptimized code
//
// The goal (the default rules cost under +0.005 s/min of idle CPU and +3 MB RSS) is for
// the whole service: `--service [seconds] [copies]` runs copies of it side by side (four with the
// default rules, four with SYSTEM_PROFILER_ALERTS=off by default) through bench/idle.ts (10
// labelled containers on the real dockerd, 4 probes, the image's bundle and flags), and prints
// the difference of the means. The copies start in the order rules, off, off, rules, rules, ...:
// the first started runs highest, and with one kind always first that went into the difference.
//
//   source scripts/node-env.sh && node bench/alerts.ts --service [seconds] [copies]   # 1440 s, 4

import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { idle, idleChecker, initialState, step } from "../src/alerts/engine.ts"
import { makeObservation } from "../src/alerts/Observation.ts"
import { DEFAULT_RULES } from "../src/alerts/rules.ts"

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length

if (process.argv[2] === "--service") {
  const seconds = Number.parseInt(process.argv[3] ?? "", 10) || 1440
  const copies = Math.max(1, Number.parseInt(process.argv[4] ?? "", 10) || 4)
  const idleScript = fileURLToPath(new URL("idle.ts", import.meta.url))
  const root = fileURLToPath(new URL("..", import.meta.url))
  const kinds = Array.from({ length: 2 * copies }, (_, i) => (Math.floor((i + 1) / 2) % 2 === 0 ? "rules" : "off"))
  const counts = { rules: 0, off: 0 }
  const variants = kinds.flatMap((kind) => {
    const label = `${kind}${++counts[kind as keyof typeof counts]}`
    return ["--variant", kind === "off" ? `${label}=${root}:SYSTEM_PROFILER_ALERTS=off` : `${label}=${root}`]
  })
  const run = spawnSync(
    process.execPath,
    [idleScript, ...variants, "--seconds", String(seconds), "--window", "120", "--warmup", "90"],
    { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" }
  )
  process.stdout.write(run.stdout)
  if (run.status !== 0) process.exit(run.status ?? 1)
  // bench/idle.ts prints a line per variant: "<label> <total> s/min over the window (per window ...), RSS <n> MB".
  const figures = [
    ...run.stdout.matchAll(/^(rules|off)\d+\s+\S+ s\/min over the window \(per window ([\d. ]+)\), RSS ([\d.]+) MB/gm)
  ]
  const of = (kind: string) => figures.filter((m) => m[1] === kind)
  const windows = (kind: string) => of(kind).map((m) => m[2]!.trim().split(" ").map(Number))
  const rss = (kind: string) => mean(of(kind).map((m) => Number(m[3])))
  if (of("rules").length !== copies || of("off").length !== copies) {
    console.error(`bench/idle.ts printed ${figures.length} of the ${2 * copies} variants' lines`)
    process.exit(1)
  }
  // Every window's difference of the means: the processes of one window saw the same machine.
  const [rules, off] = [windows("rules"), windows("off")]
  const diffs = rules[0]!.map((_, w) => mean(rules.map((x) => x[w]!)) - mean(off.map((x) => x[w]!)))
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean(diffs)) ** 2, 0) / Math.max(1, diffs.length - 1))
  const total = (xs: ReadonlyArray<ReadonlyArray<number>>) => mean(xs.map(mean))
  console.log(
    `default rules ${total(rules).toFixed(4)} s/min, alerts off ${total(off).toFixed(4)} s/min (means of ${copies} copies each)\n` +
      `rules - off: ${(total(rules) - total(off)).toFixed(4)} s/min (standard error of the ${diffs.length} windows' differences ` +
      `${(sd / Math.sqrt(diffs.length)).toFixed(4)}), ${(rss("rules") - rss("off")).toFixed(1)} MB RSS\n` +
      "goal: rules - off under +0.005 s/min and +3 MB"
  )
  process.exit(0)
}

const evaluations = Math.max(1000, Number.parseInt(process.argv[2] ?? "", 10) || 20_000)

// One evaluation per new reading: host every 5 s, containers every 10 s, each of 4 probes every 30 s.
const PER_MINUTE = 60 / 5 + 60 / 10 + 4 * (60 / 30)

const containersWith = (stopped: (i: number) => boolean) =>
  Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [
      `app-${i}`,
      {
        "container.running": !stopped(i),
        "container.unhealthy": false,
        "container.restarts": 0,
        "container.cpu_of_limit": 12.5,
        "container.memory_of_limit": 40
      }
    ])
  )
const containers = containersWith((i) => i % 3 === 0)
const observationAt = (i: number, container = containers) =>
  makeObservation({
    host: {
      "host.cpu_usage": 20 + (i % 7),
      "host.load1": 0.4,
      "host.memory_available": 55,
      "host.swap_used": 0,
      "host.cpu_temperature": 55 + (i % 5),
      "host.under_voltage": false
    },
    disk: { "/": { "disk.used": 61 }, "/var/lib/docker": { "disk.used": 61 }, "/boot/firmware": { "disk.used": 12 } },
    container,
    probe: Object.fromEntries(
      ["web", "api", "db", "img"].map((name) => [
        name,
        { "probe.healthy": true, "probe.latency": 8, "probe.tls_days_left": 60, "probe.consecutive_failures": 0 }
      ])
    )
  })

const gc = (globalThis as { gc?: () => void }).gc
const heap = () => {
  gc?.()
  return process.memoryUsage().heapUsed
}

// Warm-up, unmeasured: the JIT settles in the first thousand or so.
let state = initialState({ graceMillis: 0 })
for (let i = 0; i < 2000; i++) state = step(state, DEFAULT_RULES, observationAt(i), i * 3000).state

state = initialState({ graceMillis: 0 })
const began = process.cpuUsage()
for (let i = 0; i < evaluations; i++) state = step(state, DEFAULT_RULES, observationAt(i), i * 3000).state
const used = process.cpuUsage(began)
const open = state.instances.size
// The heap with the state, then without it: the difference is what the state holds.
const withState = heap()
state = initialState({ graceMillis: 0 })
const held = withState - heap()

// At idle nothing holds and no alert is open: the service then asks engine.idle and skips the step.
const quiet = containersWith(() => false)
let calm = initialState({ graceMillis: 0 })
calm = step(calm, DEFAULT_RULES, observationAt(0, quiet), 0).state
let idleSeen = 0
for (let i = 0; i < 2000; i++) if (idle(calm, DEFAULT_RULES, observationAt(i, quiet), i * 3000)) idleSeen++
const idleBegan = process.cpuUsage()
for (let i = 0; i < evaluations; i++) if (idle(calm, DEFAULT_RULES, observationAt(i, quiet), i * 3000)) idleSeen++
const idleUsed = process.cpuUsage(idleBegan)
if (idleSeen !== evaluations + 2000) throw new Error(`a quiet observation was not idle (${idleSeen})`)
const idleMicros = (idleUsed.user + idleUsed.system) / evaluations

// As the service checks: its observer keeps a section's record until the sampler replaces that
// section, and the checker reads again only the kinds whose record changed. A minute brings 12
// host readings, 6 of the containers and 8 probe checks.
const check = idleChecker(DEFAULT_RULES)
const sections = observationAt(0, quiet).sections!
const changes = ["host", "container", "host", "probe", "host", "container", "probe", "host", "host", "probe"] as const
let record = { ...sections }
let checkedQuiet = 0
const checkerBegan = process.cpuUsage()
for (let i = 0; i < evaluations; i++) {
  const kind = changes[i % changes.length]!
  // A new record for the kind that changed, with the same figures.
  record = { ...record, [kind]: { ...record[kind] } }
  if (check(calm, makeObservation(record), i * 3000)) checkedQuiet++
}
const checkerUsed = process.cpuUsage(checkerBegan)
if (checkedQuiet !== evaluations) throw new Error(`a quiet observation was not idle (${checkedQuiet})`)
const checkerMicros = (checkerUsed.user + checkerUsed.system) / evaluations

// The observer also keeps a section's record while the figures the rules watch stay the same:
// at idle the host's move (temperature, memory), the containers' and the probes' do not.
const settled = idleChecker(DEFAULT_RULES)
let kept = { ...sections }
let settledQuiet = 0
const settledBegan = process.cpuUsage()
for (let i = 0; i < evaluations; i++) {
  if (changes[i % changes.length] === "host") kept = { ...kept, host: { ...kept.host } }
  if (settled(calm, makeObservation(kept), i * 3000)) settledQuiet++
}
const settledUsed = process.cpuUsage(settledBegan)
if (settledQuiet !== evaluations) throw new Error(`a quiet observation was not idle (${settledQuiet})`)
const settledMicros = (settledUsed.user + settledUsed.system) / evaluations

const micros = (used.user + used.system) / evaluations
console.log(`evaluations: ${evaluations}, rules: ${DEFAULT_RULES.length}, open alerts: ${open}`)
console.log(`CPU per evaluation: ${micros.toFixed(1)} µs`)
console.log(
  `at ${PER_MINUTE} evaluations a minute: ${((micros * PER_MINUTE) / 1e6).toFixed(5)} s/min of CPU (goal for the whole feature: under 0.005)`
)
console.log(
  `at idle (no alert open, nothing holding) the step is skipped: the check costs ${idleMicros.toFixed(1)} µs, ` +
    `${((idleMicros * PER_MINUTE) / 1e6).toFixed(5)} s/min`
)
console.log(
  `as the service checks (only the kinds whose figures changed): ${checkerMicros.toFixed(1)} µs, ` +
    `${((checkerMicros * PER_MINUTE) / 1e6).toFixed(5)} s/min` +
    (process.execArgv.includes("--no-opt")
      ? ""
      : " (hot; --no-opt --no-maglev gives the unoptimized code of an idle service)")
)
console.log(
  `  and with the records the observer keeps (only the host's figures moved): ${settledMicros.toFixed(1)} µs, ` +
    `${((settledMicros * PER_MINUTE) / 1e6).toFixed(5)} s/min`
)
console.log(
  `heap held by the engine state after ${((evaluations * 3) / 3600).toFixed(1)} h of evaluations: ` +
    `${(held / 1024).toFixed(1)} KiB${gc === undefined ? " (run with --expose-gc for a clean figure)" : ""}`
)
