import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

// CI runs the events benchmark only as a smoke run: against the real dockerd (it fails without
// one), it must print every figure and remove its containers. Its figures are not judged here
// (bench/README.md has them).
describe("bench/containers.ts --events --smoke", () => {
  it("prints the idle CPU of both modes, the latencies and the restart loop, and cleans up", {
    timeout: 180_000
  }, () => {
    const root = fileURLToPath(new URL("..", import.meta.url))
    const r = spawnSync(process.execPath, ["bench/containers.ts", "--events", "--smoke"], {
      cwd: root,
      encoding: "utf8",
      timeout: 170_000
    })
    assert.strictEqual(r.status, 0, r.stderr)
    for (const row of [
      /^idle, 10 containers polled every 10 s, .*polling only [\d.]+ s\/min .*with the event stream [\d.]+ s\/min .*difference -?[\d.]+ s\/min$/m,
      /^ {2}docker run: median -?[\d.]+ ms/m,
      /^ {2}docker stop: median -?[\d.]+ ms, max -?\d+ ms/m,
      /^ {2}docker start: median -?[\d.]+ ms/m,
      /^ {2}docker kill: median -?[\d.]+ ms/m,
      /^restart loop for [\d.]+ s: \d+ events in \/events, \d+ snapshots on \/stats\/stream/m
    ]) {
      assert.match(r.stdout, row)
    }
    const left = spawnSync("docker", ["ps", "-aq", "--filter", "name=sp-evbench-"], { encoding: "utf8" })
    assert.strictEqual(left.status, 0, left.stderr)
    assert.strictEqual(left.stdout.trim(), "")
  })
})
