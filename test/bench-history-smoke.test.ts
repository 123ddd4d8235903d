import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

// The stored history's benchmark, as a smoke run: every part starts, prints its rows and cleans
// up (its loop-mounted file system included). Its figures are not judged here (bench/README.md
// has the goals).
describe("bench/history.ts --smoke", () => {
  it("prints the write, size, query and idle rows", { timeout: 180_000 }, () => {
    const root = fileURLToPath(new URL("..", import.meta.url))
    const benchMounts = () =>
      spawnSync("findmnt", ["-rn", "-o", "TARGET"], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((m) => m.includes("sp-history-bench-ext4-"))
    // Another run of the bench on the machine may hold its own mount meanwhile: only this run's count.
    const before = new Set(benchMounts())
    const r = spawnSync(process.execPath, ["bench/history.ts", "--smoke"], {
      cwd: root,
      encoding: "utf8",
      timeout: 170_000
    })
    assert.strictEqual(r.status, 0, r.stderr)
    for (const row of [
      /^\| 10m \(default\) \| [\d.]+ MB \| ([\d.]+ MB|n\/a) \| \d+ \| \d+ \| \d+ \| [\d.]+ MB \| \d+ \|$/m,
      /^database after two synthetic years of every tier: [\d.]+ MB \(\d+ bytes\)$/m,
      /^\| window=30d \(15m tier, 2h steps\) \| [\d.]+ ms \| [\d.]+ ms \| 361 \| [\d.]+ MB \|$/m,
      /^\| window=2y \(2h tier, 2d steps\) \| [\d.]+ ms \| [\d.]+ ms \| 366 \| [\d.]+ MB \|$/m,
      /^\| uptime of a probe \(24h, 7d, 30d, 365d\) \| [\d.]+ ms/m,
      /^\| \/history\?source=stored&window=30d \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ MB \|$/m,
      /^\| \/history\?source=stored&window=2y \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ MB \|$/m,
      /^\| sampler without the store \| [\d.]+ MB \| [\d.]+ MB \| [\d.]+ s\/min \|$/m,
      /^\| sampler with the store \| [\d.]+ MB \| [\d.]+ MB \| [\d.]+ s\/min \|$/m,
      /^store cost: -?[\d.]+ MB RSS, -?[\d.]+ s\/min idle CPU/m
    ]) {
      assert.match(r.stdout, row)
    }
    // Nothing of this run left mounted.
    assert.deepStrictEqual(
      benchMounts().filter((m) => !before.has(m)),
      []
    )
  })
})
