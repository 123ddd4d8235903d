import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

// CI runs the scale benchmark only as a smoke run: it must build the bundle, serve the fake
// daemon's containers within the image's flags, survive ten times the maximum, and print every
// line. Its figures are not judged here (bench/README.md has them).
describe("bench/containers.ts --scale --smoke", () => {
  it("prints the served figures and the refused count", { timeout: 300_000 }, () => {
    const root = fileURLToPath(new URL("..", import.meta.url))
    const r = spawnSync(process.execPath, ["bench/containers.ts", "--scale", "--smoke"], {
      cwd: root,
      encoding: "utf8",
      timeout: 290_000
    })
    assert.strictEqual(r.status, 0, r.stderr)
    for (const row of [
      /^50 containers for 5 s \(\d+ refreshes\): alive, answers 200; RSS [\d.]+ MB/m,
      /^\| GET \/containers \| [\d.]+ \| [\d.]+ \| \d+ \|$/m,
      /^\| GET \/metrics \| [\d.]+ \| [\d.]+ \| \d+ \|$/m,
      /^5000 containers: alive, \/health 200, \/containers 503: 5000 containers carry the label .*SYSTEM_PROFILER_MAX_CONTAINERS/m
    ]) {
      assert.match(r.stdout, row)
    }
  })
})
