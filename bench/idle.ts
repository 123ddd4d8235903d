// Idle CPU and RSS of several variants of the service run side by side, for A/B comparisons on a
// shared machine: every variant runs at the same time, against the same labelled containers and
// the same four probe targets, so that each sees the same load from everything else. Each
// variant is a source tree (its own bundle, built by its own scripts/build.ts, with the node
// flags of its Dockerfile's CMD) and extra environment variables.
//
//   source scripts/node-env.sh
//   node bench/idle.ts --variant before=/work/wt/before --variant after=.
//   node bench/idle.ts --variant alerts=. --variant off=.:SYSTEM_PROFILER_ALERTS=off
//   options: --seconds S (measured window, 300), --warmup S (90), --window S (60),
//            --containers N (10), --sources (node <flags> src/main.ts instead of the bundle),
//            --cpu-prof DIR (each variant writes a V8 CPU profile there when it stops),
//            --cpu-prof-interval US (the profile's sampling interval, V8's default 1000 µs),
//            --callgrind DIR (each variant runs under valgrind's callgrind, see below)
//
// CPU seconds come from /proc/<pid>/stat (utime + stime): what the process itself ran, which
// the machine's load barely moves, unlike wall-clock latencies. It prints per-window figures,
// the total over the measured window, and the load average at the start and the end.
//
// With --callgrind, each variant runs under `valgrind --tool=callgrind` (tens of times slower,
// but at idle a service does a minute's work in a minute of wall time all the same) and is also
// measured in instructions: counted from the end of the warm-up (`callgrind_control -i on`), one
// dump per window. An instruction count does not move with the machine's load or the CPU's
// clock, so differences far below what the CPU-second figures resolve can be told apart; it
// counts every thread of the process (V8's compiler and GC threads included), as utime + stime
// does, but not the time the kernel spends on the syscalls.

import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { cpuSeconds, freePort, rssBytes, runBench, sleep, startProbeTargets, waitFor } from "./service.ts"
import { sh } from "./shell.ts"

const argv = process.argv.slice(2)
const arg = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(argv[i + 1])
}
const strings = (name: string) => argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] ? [argv[i + 1]!] : []))

const S = {
  seconds: arg("seconds", 300),
  warmup: arg("warmup", 90),
  window: arg("window", 60),
  containers: arg("containers", 10),
  sources: argv.includes("--sources"),
  cpuProf: strings("cpu-prof")[0],
  cpuProfInterval: strings("cpu-prof-interval")[0],
  callgrind: strings("callgrind")[0]
}

interface Variant {
  readonly label: string
  readonly tree: string
  readonly env: Record<string, string>
}
const variants: Array<Variant> = strings("variant").map((spec) => {
  const eq = spec.indexOf("=")
  if (eq < 1) throw new Error(`--variant label=tree[:VAR=value...], got ${spec}`)
  const [tree, ...vars] = spec.slice(eq + 1).split(":")
  return {
    label: spec.slice(0, eq),
    tree: resolve(tree!),
    env: Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf("=")), v.slice(v.indexOf("=") + 1)]))
  }
})
if (variants.length === 0) throw new Error("at least one --variant label=tree[:VAR=value...]")

const IMAGE = process.env.BUSYBOX_IMAGE ?? "system-profiler/busybox:latest"
const runId = randomBytes(4).toString("hex")
const SERVICE_HOST = "127.0.0.1"
const TOKEN = `bench-${runId}`
const LABEL = `system-profiler.bench=${runId}`
const children: Array<ChildProcess> = []
const containerNames: Array<string> = []
const tempDirs: Array<string> = []
const log = (message: string) => process.stderr.write(`idle: ${message}\n`)

const rssMb = (pid: number) => rssBytes(pid) / (1024 * 1024)
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")

/** The node arguments of a tree: its Dockerfile's CMD flags over its own bundle, or its sources. */
const serviceArgs = async (tree: string): Promise<ReadonlyArray<string>> => {
  const cmd = /^CMD (\[.*\])\s*$/m.exec(readFileSync(join(tree, "Dockerfile"), "utf8"))?.[1]
  if (cmd === undefined) throw new Error(`${tree}/Dockerfile has no CMD [...] line`)
  const [, ...args] = JSON.parse(cmd) as Array<string>
  const flags = args.slice(0, -1)
  const prof =
    S.cpuProf === undefined
      ? []
      : [
          "--cpu-prof",
          `--cpu-prof-dir=${resolve(S.cpuProf)}`,
          ...(S.cpuProfInterval === undefined ? [] : [`--cpu-prof-interval=${S.cpuProfInterval}`])
        ]
  if (S.sources) return [...flags, ...prof, join(tree, "src", "main.ts")]
  const dir = mkdtempSync(join(tmpdir(), "sp-idle-"))
  tempDirs.push(dir)
  await sh(process.execPath, [join(tree, "scripts", "build.ts"), join(dir, "dist")])
  copyFileSync(join(tree, "package.json"), join(dir, "package.json"))
  return [...flags, ...prof, join(dir, args.at(-1)!)]
}

/**
 * callgrind_control, quietly (its messages end up in the error when it fails). vgdb names its
 * pipes after $HOST, which the services are given (their listen address): it must see the same.
 */
const callgrind = (args: ReadonlyArray<string>) =>
  execFileSync("callgrind_control", args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, HOST: SERVICE_HOST }
  })

/**
 * Dumps the counts since the last dump (callgrind starts counting again from zero) and returns
 * the instructions in that dump: the `totals:` line of the new file. Valgrind answers between
 * two of the program's own wakeups, so the file may come seconds after the command.
 */
const dumpedInstructions = async (label: string, pid: number): Promise<number> => {
  const dir = resolve(S.callgrind!)
  const prefix = `cg.${runId}.${label}.${pid}.`
  const before = new Set(readdirSync(dir))
  callgrind(["--dump", String(pid)])
  for (let waited = 0; waited < 60_000; waited += 250) {
    const fresh = readdirSync(dir).filter((f) => f.startsWith(prefix) && !before.has(f))
    const totals =
      fresh.length === 1 ? /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, fresh[0]!), "utf8")) : null
    if (totals !== null) return Number(totals[1])
    await sleep(250)
  }
  throw new Error(`callgrind_control --dump ${pid}: no new dump with a totals line in ${dir} after 60 s`)
}

let stopping = false
const cleanup = async () => {
  stopping = true
  // SIGINT, so that --cpu-prof writes its profile on the way out.
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done()
          child.once("exit", () => done())
          child.kill("SIGINT")
          setTimeout(() => {
            child.kill("SIGKILL")
            done()
          }, 5000).unref()
        })
    )
  )
  if (containerNames.length > 0) await sh("docker", ["rm", "-f", ...containerNames]).catch(() => undefined)
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
}

const main = async () => {
  if (S.callgrind !== undefined) mkdirSync(S.callgrind, { recursive: true })
  log(`run ${runId}: ${JSON.stringify(S)}; variants ${variants.map((v) => v.label).join(", ")}`)
  const argsOf = await Promise.all(variants.map((v) => serviceArgs(v.tree)))
  for (let i = 0; i < S.containers; i++) {
    const name = `sp-idle-bench-${runId}-${i}`
    containerNames.push(name)
    await sh("docker", ["run", "-d", "--name", name, "--network", "none", "--label", LABEL, IMAGE, "sleep", "3600"])
  }
  const probes = await startProbeTargets()
  const pids: Array<number> = []
  for (const [i, v] of variants.entries()) {
    const port = await freePort()
    // Each its own stored history: two variants of one tree must not share (and lock) one database.
    const data = mkdtempSync(join(tmpdir(), "sp-idle-data-"))
    tempDirs.push(data)
    const [command, args] =
      S.callgrind === undefined
        ? [process.execPath, argsOf[i]!]
        : [
            "valgrind",
            [
              "--tool=callgrind",
              // V8 writes the machine code it runs: valgrind must look for code that changed.
              "--smc-check=all-non-file",
              "--instr-atstart=no",
              `--callgrind-out-file=${join(resolve(S.callgrind), `cg.${runId}.${v.label}.%p`)}`,
              process.execPath,
              ...argsOf[i]!
            ]
          ]
    const child = spawn(command, args, {
      cwd: v.tree,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: SERVICE_HOST,
        SYSTEM_PROFILER_AUTH_TOKEN: TOKEN,
        SYSTEM_PROFILER_STACK_LABEL: LABEL,
        SYSTEM_PROFILER_SERVICES: probes.services,
        MOCK_HOST_STATS: "false",
        SYSTEM_PROFILER_DATA_DIR: data,
        ...v.env
      },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    child.on("exit", (code) => {
      if (!stopping) log(`${v.label} exited ${code}: ${stderr}`)
    })
    children.push(child)
    await waitFor(`http://127.0.0.1:${port}/health`, {}, 300)
    pids.push(child.pid!)
  }
  log(`warm-up ${S.warmup} s (load ${load()})`)
  await sleep(S.warmup * 1000)
  const loadStart = load()
  if (S.callgrind !== undefined) {
    // Instrumenting is switched on at the process's next wakeup, and V8's code is translated
    // again: counting starts from a zero taken a little later.
    for (const pid of pids) callgrind(["--instr=on", String(pid)])
    await sleep(15_000)
    for (const pid of pids) callgrind(["--zero", String(pid)])
  }
  const instructions: Array<Array<number>> = variants.map(() => [])
  const start = pids.map(cpuSeconds)
  const windows: Array<Array<number>> = variants.map(() => [])
  let last = start
  for (let t = 0; t < S.seconds; t += S.window) {
    const w = Math.min(S.window, S.seconds - t)
    await sleep(w * 1000)
    const now = pids.map(cpuSeconds)
    now.forEach((c, i) => {
      windows[i]!.push(((c - last[i]!) * 60) / w)
    })
    last = now
    if (S.callgrind !== undefined) {
      const dumped = await Promise.all(pids.map((pid, i) => dumpedInstructions(variants[i]!.label, pid)))
      dumped.forEach((n, i) => {
        instructions[i]!.push((n * 60) / w)
      })
      log(
        `window ${t / S.window + 1}: ${variants.map((v, i) => `${v.label} ${(instructions[i]!.at(-1)! / 1e6).toFixed(1)}`).join(", ")} M instructions/min`
      )
    }
    log(
      `window ${t / S.window + 1}: ${variants.map((v, i) => `${v.label} ${windows[i]!.at(-1)!.toFixed(3)}`).join(", ")} s/min (load ${load()})`
    )
  }
  const total = pids.map((pid, i) => ((cpuSeconds(pid) - start[i]!) * 60) / S.seconds)
  const rss = pids.map(rssMb)
  const out = [
    `idle CPU of ${variants.length} variants side by side: ${S.containers} containers, 4 probes, live host, ` +
      `${S.warmup} s warm-up, then ${S.seconds} s in ${S.window} s windows (${S.sources ? "sources" : "bundles"}); ` +
      `load average at start ${loadStart}, at end ${load()}`,
    ...variants.map(
      (v, i) =>
        `${v.label.padEnd(12)} ${total[i]!.toFixed(3)} s/min over the window` +
        ` (per window ${windows[i]!.map((x) => x.toFixed(3)).join(" ")}), RSS ${rss[i]!.toFixed(1)} MB` +
        (Object.keys(v.env).length > 0
          ? ` [${Object.entries(v.env)
              .map(([k, x]) => `${k}=${x}`)
              .join(" ")}]`
          : "")
    ),
    ...variants
      .slice(1)
      .map(
        (v, i) =>
          `${v.label} - ${variants[0]!.label}: ${(total[i + 1]! - total[0]!).toFixed(4)} s/min, ` +
          `${(rss[i + 1]! - rss[0]!).toFixed(1)} MB RSS`
      )
  ]
  if (S.callgrind !== undefined) {
    const mean = instructions.map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length)
    out.push(
      `instructions (callgrind), M per minute over the window:`,
      ...variants.map(
        (v, i) =>
          `${v.label.padEnd(12)} ${(mean[i]! / 1e6).toFixed(1)} M/min (per window ${instructions[i]!.map((x) => (x / 1e6).toFixed(1)).join(" ")})`
      ),
      ...variants
        .slice(1)
        .map(
          (v, i) =>
            `${v.label} - ${variants[0]!.label}: ${((mean[i + 1]! - mean[0]!) / 1e6).toFixed(1)} M instructions/min ` +
            `(${(((mean[i + 1]! - mean[0]!) / mean[0]!) * 100).toFixed(1)} %)`
        )
    )
  }
  process.stdout.write(`${out.join("\n")}\n`)
  probes.close()
}

runBench(main, cleanup, log)
