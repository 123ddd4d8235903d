// Wall time of one full container refresh with 1, 10 and 50 running containers: with the
// figures from cgroupfs (the default), and from Docker's stats API (list, inspect and one-shot
// stats of every labelled container), beside `docker stats --no-stream` for the same containers. Runs on the local dockerd (scripts/ensure-docker.sh starts it):
//
//   source scripts/node-env.sh && node bench/containers.ts [repeats]    (BENCH_SIZES=1,10 to pick sizes)
//
// It creates busybox containers named sp-bench-<random>-N (--network none) and removes them.
//
// With --scale, instead: 500 containers from a fake daemon, served by the image's bundle within
// the Dockerfile's memory flags, then ten times the maximum refused (see containerScale.ts).
// With --events: the idle cost of Docker's event stream and the change-to-stream latency it buys
// (see containerEvents.ts).

import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Logger } from "effect"
import { ContainerCollector } from "../src/collectors/containers/ContainerCollector.ts"
import { layerTest } from "../src/config/AppConfig.ts"
import { eventsMain } from "./containerEvents.ts"
import { scaleMain } from "./containerScale.ts"
import { sh } from "./shell.ts"

const IMAGE = process.env.BUSYBOX_IMAGE ?? "system-profiler/busybox:latest"
const SIZES = (process.env.BENCH_SIZES ?? "1,10,50").split(",").map(Number)
// A bad or missing argument falls back to 3 rather than printing a table of NaN.
const repeats = Math.max(1, Number.parseInt(process.argv[2] ?? "", 10) || 3)
const runId = randomBytes(4).toString("hex")
const prefix = `sp-bench-${runId}`
const label = `sp-bench.stack=${runId}`

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Median wall time of `repeats` refreshes of a warm collector (connection open, version known). */
const collectorMs = (concurrency: number, expected: number, source: "auto" | "api") =>
  Effect.gen(function* () {
    const collector = yield* ContainerCollector
    const warm = yield* collector.read()
    if (warm.containers.length !== expected) throw new Error(`saw ${warm.containers.length} containers`)
    const times: Array<number> = []
    for (let i = 0; i < repeats; i++) {
      const began = performance.now()
      yield* collector.read()
      times.push(performance.now() - began)
    }
    return median(times)
  }).pipe(
    Effect.provide(
      ContainerCollector.layerLive.pipe(
        Layer.provide(
          layerTest({
            SYSTEM_PROFILER_STACK_LABEL: label,
            SYSTEM_PROFILER_DOCKER_CONCURRENCY: String(concurrency),
            SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: source
          })
        )
      )
    ),
    // The table is the output: no log lines in between.
    Effect.provide(Logger.layer([])),
    Effect.runPromise
  )

const dockerStatsMs = async (names: ReadonlyArray<string>) => {
  const times: Array<number> = []
  for (let i = 0; i < repeats; i++) {
    const began = performance.now()
    await sh("docker", ["stats", "--no-stream", ...names])
    times.push(performance.now() - began)
  }
  return median(times)
}

const main = async () => {
  await sh("bash", [fileURLToPath(new URL("../scripts/ensure-docker.sh", import.meta.url))])
  const names: Array<string> = []
  const rows: Array<Array<string>> = []
  try {
    for (const size of SIZES) {
      const add = Array.from({ length: size - names.length }, (_, i) => `${prefix}-${names.length + i + 1}`)
      for (let i = 0; i < add.length; i += 10) {
        await Promise.all(
          add
            .slice(i, i + 10)
            .map((name) =>
              sh("docker", ["run", "-d", "--network", "none", "--name", name, "--label", label, IMAGE, "sleep", "3600"])
            )
        )
      }
      names.push(...add)
      const cgroup = await collectorMs(5, size, "auto")
      const at5 = await collectorMs(5, size, "api")
      const atN = await collectorMs(Math.min(size, 64), size, "api")
      const cli = await dockerStatsMs(names)
      rows.push([String(size), cgroup.toFixed(0), at5.toFixed(0), atN.toFixed(0), cli.toFixed(0)])
    }
  } finally {
    if (names.length > 0) await sh("docker", ["rm", "-f", ...names])
  }
  const version = (
    await sh("docker", ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"])
  ).trim()
  const header = [
    "containers",
    "refresh from cgroupfs (ms)",
    "stats API, concurrency 5 (ms)",
    "stats API, concurrency = N (ms)",
    "docker stats --no-stream (ms)"
  ]
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(" | ")} |`
  console.log(`dockerd ${version}, median of ${repeats} warm refreshes each`)
  console.log(line(header))
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`)
  for (const row of rows) console.log(line(row))
}

;(process.argv.includes("--scale") ? scaleMain() : process.argv.includes("--events") ? eventsMain() : main()).catch(
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
