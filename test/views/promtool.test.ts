import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { makeHostReader } from "../../src/collectors/host/collector.ts"
import type { KernelFs } from "../../src/kernel/fs.ts"
import { renderReadings } from "../../src/views/prometheus.ts"
import { LIVE_VM, PROMETHEUS } from "../kernel/support.ts"
import { get, newCalls, serve, TOKEN } from "../stream/harness.ts"
import { failedSection, readingsOf } from "../support/readings.ts"

// promtool is Debian's prometheus package; scripts/ensure-test-tools.sh installs it, and CI runs
// that first. Without it this test fails: it must not pass by skipping.
const promtool = (text: string) => {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })
  if (r.error !== undefined)
    throw new Error(`promtool could not run (bash scripts/ensure-test-tools.sh): ${r.error.message}`)
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

describe("GET /metrics", () => {
  it.live("the real output passes promtool check metrics, with every collector's figures", () =>
    Effect.gen(function* () {
      // Waits for the first sample of every collector, which the server starts but does not await.
      const { status, text } = yield* get("/metrics", { authorization: `Bearer ${TOKEN}` }).pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (r) => !/_collector_up\{.*\} 0$/m.test(r.text) })
      )
      assert.strictEqual(status, 200)
      for (const family of ["host_memory_total_bytes", "container_running", "probe_up", "stream_clients"]) {
        assert.match(text, new RegExp(`^system_profiler_${family}[{ ]`, "m"), family)
      }
      const check = promtool(text)
      assert.strictEqual(check.output, "")
      assert.strictEqual(check.status, 0)
    }).pipe(Effect.provide(serve({}, newCalls())))
  )

  // The live collector's figures, not the mock's: on the fixture trees and, on Linux, this machine.
  const trees: ReadonlyArray<readonly [string, KernelFs]> = [
    [
      "prometheus fixture",
      { proc: path.join(PROMETHEUS, "proc"), sys: path.join(PROMETHEUS, "sys"), root: PROMETHEUS }
    ],
    ["live-vm fixture", { proc: path.join(LIVE_VM, "proc"), sys: path.join(LIVE_VM, "sys"), root: LIVE_VM }],
    ...(process.platform === "linux" && fs.existsSync("/proc/stat")
      ? [["this machine", { proc: "/proc", sys: "/sys", root: "/" }] as const]
      : [])
  ]
  for (const [name, paths] of trees) {
    it.live(`the live host collector's figures pass promtool check metrics (${name})`, () =>
      Effect.gen(function* () {
        const read = yield* makeHostReader({ fs: paths, networkExclude: ["lo"], extraDisks: [] })
        const previousHost = yield* read(Duration.seconds(29))
        const host = yield* read(Duration.seconds(29))
        const text = renderReadings(
          readingsOf(host.at, {
            host,
            previousHost,
            containers: failedSection("containers"),
            services: failedSection("services")
          })
        )
        const cpuSeries = text.split("\n").filter((l) => l.startsWith("system_profiler_host_cpu_seconds_total{"))
        assert.strictEqual(cpuSeries.length, host.stat.cores.length * 8)
        const check = promtool(text)
        assert.strictEqual(check.output, "")
        assert.strictEqual(check.status, 0)
      })
    )
  }

  it.live("promtool is strict enough to catch a bad exposition (so the check above means something)", () =>
    Effect.sync(() => {
      const bad = promtool("# HELP foo_total a counter without its type\nfoo_total 1\n# TYPE bar counter\nbar 1\n")
      assert.notStrictEqual(bad.output, "")
    })
  )
})
