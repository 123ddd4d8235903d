// The stored history through the API, in memory over the mock collectors and a store in a temp
// dir: GET /history?source=stored through the typed client, its 400s, /services' uptime and
// /health's history status. The hour in memory (no source) is test/sampling/http.test.ts's.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HistoryAnswer, StoredHistory } from "../../src/api/History.ts"
import { Health } from "../../src/api/Stats.ts"
import { get, newCalls, serve, TOKEN, typedClient } from "../stream/harness.ts"

const auth = { "x-profiler-token": TOKEN }
const fast = { SYSTEM_PROFILER_HOST_INTERVAL: "100ms", SYSTEM_PROFILER_SERVICES_INTERVAL: "200ms" }

/** Waits (live clock) until `check` holds, at most 10 s. */
const eventually = <A>(read: Effect.Effect<A, unknown>, check: (a: A) => boolean) =>
  Effect.gen(function* () {
    const until = Date.now() + 10_000
    for (;;) {
      const a = yield* read
      if (check(a) || Date.now() > until) return a
      yield* Effect.sleep("100 millis")
    }
  })

describe("the stored history over HTTP", () => {
  it.live("GET /history?source=stored: every series of the window, in columns, from the finest tier", () =>
    Effect.gen(function* () {
      const client = yield* typedClient()
      const answer = yield* eventually(client.storedHistory({ query: { window: "6h" } }), (a) =>
        a.series.some((s) => s.kind === "host" && (s.gauges.load1?.count[0] ?? 0) >= 3)
      )
      assert.strictEqual(answer.source, "stored")
      assert.strictEqual(answer.tier, "1m")
      assert.strictEqual(answer.windowSeconds, 6 * 3600)
      // The smallest round step within about 500 points: 6 h in 1-minute steps is 361.
      assert.strictEqual(answer.stepSeconds, 60)
      const kinds = new Set(answer.series.map((s) => s.kind))
      assert.deepStrictEqual([...kinds], ["host", "container", "probe"])
      const host = answer.series.find((s) => s.kind === "host")!
      assert.strictEqual(host.name, "host")
      const load = host.gauges.load1!
      assert.isAtLeast(load.count.at(-1)!, 3)
      assert.isAtMost(load.min.at(-1)!, load.mean.at(-1)!)
      assert.isAtMost(load.mean.at(-1)!, load.max.at(-1)!)
      assert.property(host.counters, "rxBytes")
      for (const s of answer.series) {
        for (const g of Object.values(s.gauges)) assert.strictEqual(g.mean.length, s.at.length)
      }
      // The mock's second probe is down one minute in twenty (by the wall clock): no latency then.
      const probes = answer.series.filter((s) => s.kind === "probe")
      for (const probe of probes) assert.property(probe.gauges, "healthy")
      assert.deepStrictEqual([...new Set(probes.flatMap((p) => Object.keys(p.gauges)))].sort(), [
        "healthy",
        "latencyMs"
      ])

      // The body on the wire is the documented schema, as JSON.
      const raw = yield* get("/history?source=stored&window=2y", auth)
      assert.strictEqual(raw.status, 200)
      assert.match(raw.contentType ?? "", /^application\/json/)
      const twoYears = Schema.decodeUnknownSync(StoredHistory)(JSON.parse(raw.text))
      assert.strictEqual(twoYears.tier, "2h")
      assert.isTrue(twoYears.series.every((s) => s.at.length <= 500))
      const stepped = yield* client.storedHistory({ query: { window: "2h", step: "10m" } })
      assert.strictEqual(stepped.stepSeconds, 600)

      // No source: the hour in memory, unchanged.
      const memory = yield* client.history({ query: { window: "1m" } })
      assert.strictEqual(memory.windowSeconds, 60)
      assert.isArray(memory.points)
      assert.notProperty(
        Schema.decodeUnknownSync(HistoryAnswer)(JSON.parse((yield* get("/history", auth)).text)),
        "source"
      )
    }).pipe(Effect.provide(serve(fast, newCalls())))
  )

  it.live("a bad window or step is a 400 naming what it accepts", () =>
    Effect.gen(function* () {
      for (const [query, expected] of [
        ["source=stored&window=forever", /^window: "forever" is not a duration; it accepts .*from 1m to 2y/],
        ["source=stored&window=3y", /^window: 3y is out of range; it accepts .*from 1m to 2y/],
        ["source=stored&window=7d&step=7m", /^step: 7m is not one of them; it accepts a multiple of 15m/],
        ["source=stored&window=1h&step=x", /^step: "x" is not a duration; it accepts a multiple of 1m/],
        ["window=3y", /^window: 3y is out of range; it accepts .*from 1m to 2y/],
        ["window=1h&step=7s", /^step: 7s is not one of them; it accepts a multiple of 1m/],
        ["source=memory&window=7d", /^window must be at most 1h.*source=stored reads up to 2y/],
        ["source=memory&step=5m", /^step is only for source=stored/],
        ["source=disk", /^source must be memory or stored; got "disk"/]
      ] as const) {
        const r = yield* get(`/history?${query}`, auth)
        assert.strictEqual(r.status, 400, query)
        const body = JSON.parse(r.text) as Record<string, unknown>
        assert.deepStrictEqual(Object.keys(body), ["error"], query)
        assert.match(String(body.error), expected, query)
      }
      const client = yield* typedClient()
      const error = yield* Effect.flip(client.storedHistory({ query: { window: "0m" } }))
      assert.strictEqual(error._tag, "InvalidQuery")
    }).pipe(Effect.provide(serve({}, newCalls())))
  )

  it.live("GET /services gains each probe's stored uptime; /stats does not carry it", () =>
    Effect.gen(function* () {
      const client = yield* typedClient()
      const services = yield* eventually(client.services(), (s) =>
        s.services.every((p) => typeof p.uptime?.["24h"] === "number")
      )
      assert.isAbove(services.services.length, 0)
      for (const p of services.services) {
        const uptime = p.uptime!
        assert.deepStrictEqual(Object.keys(uptime), ["24h", "7d", "30d", "365d"])
        for (const share of Object.values(uptime)) {
          assert.isNumber(share)
          assert.isAtLeast(share!, 0)
          assert.isAtMost(share!, 100)
        }
      }
      const stats = yield* client.stats()
      assert.isTrue("services" in stats.services)
      if ("services" in stats.services) for (const p of stats.services.services) assert.notProperty(p, "uptime")
    }).pipe(Effect.provide(serve(fast, newCalls())))
  )

  it.live("GET /health says the stored history is ok", () =>
    Effect.gen(function* () {
      const r = yield* get("/health")
      assert.strictEqual(r.status, 200)
      assert.strictEqual(Schema.decodeUnknownSync(Health)(JSON.parse(r.text)).history, "ok")
    }).pipe(Effect.provide(serve({}, newCalls())))
  )
})
