// The alert history in the history store (AlertHistory.layerStore) on a real SQLite file in a
// temporary directory: the firing and resolved transitions are there after a restart, without
// their destinations (a URL there may hold a token), and past the retention they are gone.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { AlertHistory } from "../../src/alerts/AlertHistory.ts"
import { alertsView } from "../../src/alerts/view.ts"
import { HistoryStore } from "../../src/history/store/HistoryStore.ts"
import { alertsWith, hotRule, MINUTE, observe } from "./support.ts"

const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const TOKEN_URL = "ntfy://user:s3cret-token@example/topic"
const hot = hotRule(TOKEN_URL)
const temp = (celsius: number) => ({ host: { "host.cpu_temperature": celsius } })

const storeAt = (dir: string) =>
  AlertHistory.layerStore().pipe(
    Layer.provideMerge(
      HistoryStore.layerWith({ dataDir: dir, flushInterval: Duration.days(3650), maxSizeBytes: 200_000_000 })
    )
  )

describe("AlertHistory.layerStore", () => {
  it.effect("keeps firing and resolved transitions across a restart, without their destinations", () => {
    const dir = mkdtempSync(join(tmpdir(), "sp-alerts-"))
    dirs.push(dir)
    const T0 = Date.UTC(2026, 11, 2, 10)
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const before = yield* Effect.gen(function* () {
        const alerts = yield* alertsWith(hot, { history: yield* AlertHistory })
        yield* observe(alerts, temp(85))
        yield* TestClock.adjust(3 * MINUTE)
        yield* observe(alerts, temp(85))
        yield* (yield* HistoryStore).flush
        yield* TestClock.adjust(MINUTE)
        // Resolved after the last flush: written when the store closes.
        yield* observe(alerts, temp(60))
        const history = yield* alerts.history
        assert.deepStrictEqual(
          history.map((t) => t.event),
          ["firing", "resolved"]
        )
        return alertsView([], history)
      }).pipe(Effect.scoped, Effect.provide(storeAt(dir)))

      const db = new DatabaseSync(join(dir, "history.db"), { readOnly: true })
      const bodies = (db.prepare("SELECT body FROM journal WHERE kind = 'alert'").all() as Array<{ body: string }>).map(
        (r) => r.body
      )
      db.close()
      assert.strictEqual(bodies.length, 2)
      for (const body of bodies) assert.notInclude(body, "s3cret-token")

      yield* TestClock.adjust(MINUTE)
      yield* Effect.gen(function* () {
        const alerts = yield* alertsWith(hot, { history: yield* AlertHistory })
        const history = yield* alerts.history
        // What GET /alerts shows is the same after the restart.
        assert.deepStrictEqual(alertsView([], history), before)
        assert.deepStrictEqual(
          history.map((t) => t.destinations),
          [[], []]
        )
        yield* TestClock.adjust(Duration.days(30))
        assert.deepStrictEqual(yield* alerts.history, [])
      }).pipe(Effect.scoped, Effect.provide(storeAt(dir)))
    })
  })
})
