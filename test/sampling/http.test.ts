import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { History } from "../../src/api/History.ts"
import { get, newCalls, serve, TOKEN, typedClient } from "../stream/harness.ts"

const auth = { "x-profiler-token": TOKEN }

describe("GET /history over HTTP", () => {
  it.live("a malformed or too long window is a 400 with a clear {error} body", () =>
    Effect.gen(function* () {
      for (const window of ["abc", "5x", "0", "7200"]) {
        const r = yield* get(`/history?window=${encodeURIComponent(window)}`, auth)
        assert.strictEqual(r.status, 400, window)
        const body = JSON.parse(r.text) as Record<string, unknown>
        assert.deepStrictEqual(Object.keys(body), ["error"], window)
        assert.match(String(body.error), /^window must be/, window)
      }
    }).pipe(Effect.provide(serve({}, newCalls())))
  )

  it.live("a window past the hour in memory is read from the stored history, unless source=memory asks otherwise", () =>
    Effect.gen(function* () {
      const stored = yield* get("/history?window=7d", auth)
      assert.strictEqual(stored.status, 200)
      const body = JSON.parse(stored.text) as Record<string, unknown>
      assert.strictEqual(body.source, "stored")
      assert.strictEqual(body.windowSeconds, 7 * 86_400)
      assert.strictEqual(body.tier, "15m")
      const stepped = JSON.parse((yield* get("/history?window=30m&step=5m", auth)).text) as Record<string, unknown>
      assert.strictEqual(stepped.source, "stored")
      assert.strictEqual(stepped.stepSeconds, 300)
      const refused = yield* get("/history?source=memory&window=2h", auth)
      assert.strictEqual(refused.status, 400)
      assert.match(String((JSON.parse(refused.text) as Record<string, unknown>).error), /^window must be at most 1h/)
      const tooLong = yield* get("/history?window=3y", auth)
      assert.strictEqual(tooLong.status, 400)
      assert.match(String((JSON.parse(tooLong.text) as Record<string, unknown>).error), /from 1m to 2y/)
      const hour = Schema.decodeUnknownSync(History)(JSON.parse((yield* get("/history?window=1h", auth)).text))
      assert.strictEqual(hour.windowSeconds, 3600)
    }).pipe(Effect.provide(serve({}, newCalls())))
  )

  it.live("the typed client reads the history and gets InvalidQuery as a typed error", () =>
    Effect.gen(function* () {
      const client = yield* typedClient()
      const all = yield* client.history({ query: {} })
      assert.strictEqual(all.windowSeconds, 3600)
      const some = yield* client.history({ query: { window: "15m" } })
      assert.strictEqual(some.windowSeconds, 900)
      const raw = yield* get("/history?window=15m", auth)
      assert.strictEqual(raw.status, 200)
      assert.match(raw.contentType ?? "", /^application\/json/)
      Schema.decodeUnknownSync(History)(JSON.parse(raw.text))
      const error = yield* Effect.flip(client.history({ query: { window: "forever" } }))
      assert.strictEqual(error._tag, "InvalidQuery")
    }).pipe(Effect.provide(serve({}, newCalls())))
  )
})
