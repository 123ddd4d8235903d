// `npm run history:backup`: a copy of a stopped service's stored history, on a real file; a
// target that exists is refused, never overwritten.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { run } from "../../src/history/backup.ts"
import { HistoryStore } from "../../src/history/store/HistoryStore.ts"
import { removeTempDirs, storedBuckets, storeLayer, tempDir } from "./store/harness.ts"

afterAll(removeTempDirs)

const withDataDir = (dir: string) =>
  Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ SYSTEM_PROFILER_DATA_DIR: dir })))

describe("history:backup", () => {
  it.live("copies the stored minutes into a new file; refuses a file that exists", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const at = Date.now()
      yield* Effect.gen(function* () {
        const store = yield* HistoryStore
        yield* store.record([{ at, series: { kind: "host", name: "host" }, gauges: { load1: 0.5 }, counters: {} }])
      }).pipe(Effect.provide(storeLayer(dir)))
      const copy = join(dir, "copy.db")
      assert.strictEqual(yield* run([copy]).pipe(withDataDir(dir)), 0)
      assert.deepStrictEqual(storedBuckets(dir, "copy.db")["1m"], [Math.floor(at / 60_000)])

      const taken = join(dir, "taken.db")
      writeFileSync(taken, "mine")
      assert.strictEqual(yield* run([taken]).pipe(withDataDir(dir)), 1)
      assert.strictEqual(yield* run([]).pipe(withDataDir(dir)), 1)
    })
  )
})
