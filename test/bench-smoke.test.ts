import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

// CI runs the benchmark only as a smoke run: it must start everything, print every row and
// clean up. Its figures are not judged here (bench/README.md has the goals).
describe("bench/stats.ts --smoke", () => {
  it("prints the comparison table and the stream-client line", { timeout: 180_000 }, () => {
    const root = fileURLToPath(new URL("..", import.meta.url))
    const r = spawnSync(process.execPath, ["bench/stats.ts", "--smoke"], {
      cwd: root,
      encoding: "utf8",
      timeout: 170_000
    })
    assert.strictEqual(r.status, 0, r.stderr)
    for (const row of [
      /^\| system-profiler GET \/stats +\| 50 +\| [\d.]+ ms +\| [\d.]+ ms +\| [\d,]+ +\| [\d.]+ MB +\| [\d.]+ MB +\| [\d.]+ s\/min/m,
      /^\| system-profiler GET \/metrics +\| 50 +\| [\d.]+ ms/m,
      /^\| system-profiler GET \/metrics +\| 1 +\| [\d.]+ ms/m,
      /^\| node_exporter/m,
      /^idle CPU after the \d+ s warm-up: system-profiler [\d.]+ s\/min .* in the first \d+ s, [\d.]+ s\/min .* after; node_exporter /m,
      /^RSS of system-profiler: after start [\d.]+ MB anon \+ [\d.]+ MB file, after load [\d.]+ MB anon \+ [\d.]+ MB file /m,
      /^stream clients: \d+ open \(server counted \d+, \d+ events received\): RSS [\d.]+ MB -> [\d.]+ MB/m,
      /after closing, the server counts 0$/m,
      /^throughput: \/stats is /m
    ]) {
      assert.match(r.stdout, row)
    }
    // Every container the run started is gone.
    const left = spawnSync("docker", ["ps", "-aq", "--filter", "name=sp-stats-bench-"], { encoding: "utf8" })
    if (left.status === 0) assert.strictEqual(left.stdout.trim(), "")
  })
})
