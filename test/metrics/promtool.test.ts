import { spawnSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { get, newCalls, serve, TOKEN } from "../stream/harness.ts"

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

  it.live("promtool is strict enough to catch a bad exposition (so the check above means something)", () =>
    Effect.sync(() => {
      const bad = promtool("# HELP foo_total a counter without its type\nfoo_total 1\n# TYPE bar counter\nbar 1\n")
      assert.notStrictEqual(bad.output, "")
    })
  )
})
