import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { get, newCalls, serve, TOKEN } from "./harness.ts"

const MISSING = `{"error":"Missing authentication token"}`
const INVALID = `{"error":"Invalid authentication token"}`
const readers = ["/stats/stream", "/metrics", "/history"] as const

describe("authentication of the readers", () => {
  it.live("/stats/stream, /metrics and /history answer 401 with the exact bodies; /health stays public", () =>
    Effect.gen(function* () {
      for (const path of readers) {
        const missing = yield* get(path)
        assert.strictEqual(missing.status, 401, path)
        assert.strictEqual(missing.text, MISSING, path)
        const empty = yield* get(path, { "x-profiler-token": "" })
        assert.strictEqual(empty.text, MISSING, path)
        for (const wrong of ["nope", `${TOKEN}x`, TOKEN.slice(1)]) {
          const invalid = yield* get(path, { "x-profiler-token": wrong })
          assert.strictEqual(invalid.status, 401, path)
          assert.strictEqual(invalid.text, INVALID, path)
        }
      }
      assert.strictEqual((yield* get("/health")).status, 200)
    }).pipe(Effect.provide(serve({}, newCalls())))
  )

  it.live("/metrics takes the token as Authorization: Bearer, the form a Prometheus scrape config sends", () =>
    Effect.gen(function* () {
      const ok = yield* get("/metrics", { authorization: `Bearer ${TOKEN}` })
      assert.strictEqual(ok.status, 200)
      assert.match(ok.contentType ?? "", /^text\/plain; version=0\.0\.4/)
      assert.match(ok.text, /^system_profiler_collector_up\{collector="host"\} [01]$/m)
      // The scheme name is case-insensitive (RFC 9110), the header too.
      assert.strictEqual((yield* get("/metrics", { Authorization: `bearer ${TOKEN}` })).status, 200)
      assert.strictEqual((yield* get("/metrics", { "x-profiler-token": TOKEN })).status, 200)

      const wrongBearer = yield* get("/metrics", { authorization: "Bearer nope" })
      assert.strictEqual(wrongBearer.status, 401)
      assert.strictEqual(wrongBearer.text, INVALID)
      // Another scheme carries no bearer token at all.
      const basic = yield* get("/metrics", { authorization: `Basic ${btoa(`u:${TOKEN}`)}` })
      assert.strictEqual(basic.text, MISSING)
      // A wrong X-Profiler-Token is reported as wrong, whatever order the schemes are tried in.
      const wrongHeader = yield* get("/metrics", { "x-profiler-token": "nope" })
      assert.strictEqual(wrongHeader.text, INVALID)
    }).pipe(Effect.provide(serve({}, newCalls())))
  )

  it.live("/stats and /history take the token as Authorization: Bearer too, as /metrics does", () =>
    Effect.gen(function* () {
      for (const path of ["/stats", "/history"]) {
        const ok = yield* get(path, { authorization: `Bearer ${TOKEN}` })
        assert.strictEqual(ok.status, 200, path)
        assert.strictEqual((yield* get(path, { authorization: `bearer ${TOKEN}` })).status, 200, path)
        const wrong = yield* get(path, { authorization: "Bearer nope" })
        assert.strictEqual(wrong.status, 401, path)
        assert.strictEqual(wrong.text, INVALID, path)
        const basic = yield* get(path, { authorization: `Basic ${btoa(`u:${TOKEN}`)}` })
        assert.strictEqual(basic.text, MISSING, path)
        // X-Profiler-Token is read first: a wrong one is not rescued by a right Bearer token.
        const both = yield* get(path, { "x-profiler-token": "nope", authorization: `Bearer ${TOKEN}` })
        assert.strictEqual(both.text, INVALID, path)
      }
    }).pipe(Effect.provide(serve({}, newCalls())))
  )
})
