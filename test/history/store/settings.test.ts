import { resolve } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect } from "effect"
import {
  DEFAULT_DATA_DIR,
  DEFAULT_FLUSH,
  DEFAULT_MAX_SIZE_BYTES,
  readSettings
} from "../../../src/history/store/HistoryStore.ts"

const settingsFrom = (env: Record<string, string>) =>
  readSettings.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(env)))

describe("HistoryStore settings", () => {
  it.effect("defaults: ./data from the working directory, a 10-minute flush, a 200 MB cap", () =>
    Effect.gen(function* () {
      const s = yield* settingsFrom({})
      assert.strictEqual(s.dataDir, resolve(DEFAULT_DATA_DIR))
      assert.isTrue(Duration.equals(s.flushInterval, DEFAULT_FLUSH))
      assert.isTrue(Duration.equals(DEFAULT_FLUSH, Duration.minutes(10)))
      assert.strictEqual(s.maxSizeBytes, DEFAULT_MAX_SIZE_BYTES)
    })
  )

  it.effect("reads the three variables", () =>
    Effect.gen(function* () {
      const s = yield* settingsFrom({
        SYSTEM_PROFILER_DATA_DIR: "/data",
        SYSTEM_PROFILER_HISTORY_FLUSH: "1s",
        SYSTEM_PROFILER_HISTORY_MAX_SIZE: "512MiB"
      })
      assert.strictEqual(s.dataDir, "/data")
      assert.isTrue(Duration.equals(s.flushInterval, Duration.seconds(1)))
      assert.strictEqual(s.maxSizeBytes, 512 * 1024 * 1024)
    })
  )

  it.effect("refuses a bad value with a message naming the variable and what it accepts", () =>
    Effect.gen(function* () {
      const message = (env: Record<string, string>) =>
        settingsFrom(env).pipe(
          Effect.flip,
          Effect.map((e) => e.message)
        )
      assert.strictEqual(
        yield* message({ SYSTEM_PROFILER_HISTORY_FLUSH: "500ms" }),
        "SYSTEM_PROFILER_HISTORY_FLUSH: 500ms is out of range; it accepts a duration such as 500ms, 5s, 2m or 1h, from 1s to 1h"
      )
      assert.strictEqual(
        yield* message({ SYSTEM_PROFILER_HISTORY_FLUSH: "soon" }),
        'SYSTEM_PROFILER_HISTORY_FLUSH: "soon" is not a duration; it accepts a duration such as 500ms, 5s, 2m or 1h, from 1s to 1h'
      )
      assert.strictEqual(
        yield* message({ SYSTEM_PROFILER_HISTORY_MAX_SIZE: "200" }),
        'SYSTEM_PROFILER_HISTORY_MAX_SIZE: "200" is not such a size; it accepts a size such as 200MB, 1GB or 512MiB, at least 1MB'
      )
      assert.match(yield* message({ SYSTEM_PROFILER_HISTORY_MAX_SIZE: "10kB" }), /^SYSTEM_PROFILER_HISTORY_MAX_SIZE: /)
      assert.match(
        yield* message({ SYSTEM_PROFILER_DATA_DIR: "a\0b" }),
        /^SYSTEM_PROFILER_DATA_DIR: it holds a NUL byte/
      )
    })
  )
})
