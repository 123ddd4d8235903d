import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule, Stream } from "effect"
import { isCollectorFailure } from "../../src/api/errors.ts"
import type { Stats } from "../../src/api/Stats.ts"
import { baseUrl, get, newCalls, serve, TOKEN, typedClient } from "./harness.ts"

// Only the host collector moves during these tests: containers and services sample once at
// start, so every new snapshot is one host sample.
const fastHost = {
  SYSTEM_PROFILER_HOST_INTERVAL: "150ms",
  SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1h",
  SYSTEM_PROFILER_SERVICES_INTERVAL: "1h"
}

// Nothing moves: one snapshot for the whole test.
const still = { ...fastHost, SYSTEM_PROFILER_HOST_INTERVAL: "1h" }

const hostSampledAt = (s: Stats) => (isCollectorFailure(s.host) ? `failed ${s.host.sampledAt}` : s.host.sampledAt)

/** A raw SSE connection read as text, closed (as a browser tab closing would) with its scope. */
const openRaw = (headers: Record<string, string> = { "x-profiler-token": TOKEN }) =>
  Effect.gen(function* () {
    const url = `${yield* baseUrl}/stats/stream`
    const controller = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    const response = yield* Effect.promise(() => fetch(url, { headers, signal: controller.signal }))
    const reader = response.body?.getReader()
    const decoder = new TextDecoder()
    let text = ""
    const readUntil = (done: (text: string) => boolean) =>
      Effect.promise(async () => {
        while (!done(text) && reader !== undefined) {
          const chunk = await reader.read()
          if (chunk.done) break
          text += decoder.decode(chunk.value, { stream: true })
        }
        return text
      })
    return { response, readUntil }
  })

const streamClients = Effect.map(get("/metrics", { authorization: `Bearer ${TOKEN}` }), ({ text }) => {
  const m = /^system_profiler_stream_clients (\d+)$/m.exec(text)
  return m === null ? -1 : Number(m[1])
})

/** Polls until the server counts `n` open streams; the test's own timeout bounds the wait. */
const awaitClients = (n: number) =>
  streamClients.pipe(Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (count) => count === n }))

describe("GET /stats/stream", () => {
  it.live("two clients get the same snapshots from one sampling: one collection per snapshot, not per client", () => {
    const calls = newCalls()
    return Effect.gen(function* () {
      const a = yield* (yield* typedClient()).stream()
      const b = yield* (yield* typedClient()).stream()
      const [eventsA, eventsB] = yield* Effect.all(
        [Stream.runCollect(Stream.take(a, 6)), Stream.runCollect(Stream.take(b, 6))],
        {
          concurrency: 2
        }
      )
      const seenA = eventsA.map(hostSampledAt)
      const seenB = eventsB.map(hostSampledAt)
      // Each event is a new snapshot.
      assert.strictEqual(new Set(seenA).size, seenA.length)
      // Over the span both clients were reading, they got the very same snapshots, and the host
      // collector ran exactly once for each of them: two readers did not cost two collections.
      // ISO timestamps sort as strings: the later first event, the earlier last event.
      const from = [seenA[0]!, seenB[0]!].sort()[1]!
      const to = [seenA.at(-1)!, seenB.at(-1)!].sort()[0]!
      const inSpan = (xs: ReadonlyArray<string>) => xs.filter((x) => x >= from && x <= to)
      assert.isAtLeast(inSpan(seenA).length, 2)
      assert.deepStrictEqual(inSpan(seenA), inSpan(seenB))
      assert.deepStrictEqual(inSpan(calls.hostSampledAt), inSpan(seenA))
      // The other collectors ran once, at start, whatever the number of readers.
      assert.strictEqual(calls.containers, 1)
      assert.strictEqual(calls.services, 1)
    }).pipe(Effect.provide(serve(fastHost, calls)))
  })

  it.live("sends the current snapshot at once, as the JSON of /stats, with SSE headers", () =>
    Effect.gen(function* () {
      const { response, readUntil } = yield* openRaw()
      assert.strictEqual(response.status, 200)
      assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/)
      assert.match(response.headers.get("cache-control") ?? "", /no-cache/)
      const text = yield* readUntil((t) => t.includes("\n\n"))
      const first = text.slice(0, text.indexOf("\n\n"))
      assert.match(first, /^data: \{/)
      const stats = (yield* get("/stats", { "x-profiler-token": TOKEN })).text
      // The snapshot does not move (every interval is an hour), so both readers see the same bytes.
      assert.strictEqual(first, `data: ${stats}`)
    }).pipe(Effect.scoped, Effect.provide(serve(still, newCalls())))
  )

  it.live("heartbeat comment lines keep an idle stream busy", () =>
    Effect.gen(function* () {
      const { readUntil } = yield* openRaw()
      const text = yield* readUntil((t) => (t.match(/^: heartbeat$/gm) ?? []).length >= 2)
      // Comments and events only: every block is a data event or a heartbeat comment.
      for (const block of text.split("\n\n").filter((b) => b !== "")) {
        assert.match(block, /^(data: \{.*\}|: heartbeat)$/s)
      }
    }).pipe(Effect.scoped, Effect.provide(serve(still, newCalls(), "50 millis")))
  )

  it.live("a client that disconnects releases its subscription: the open-stream count returns to 0", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* streamClients, 0)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const streams = yield* Effect.all(
            Array.from({ length: 3 }, () => openRaw()),
            { concurrency: 3 }
          )
          for (const s of streams) yield* s.readUntil((t) => t.includes("\n\n"))
          assert.strictEqual(yield* awaitClients(3), 3)
        })
      )
      // The scope closed: every fetch was aborted, as when a browser tab closes.
      assert.strictEqual(yield* awaitClients(0), 0)
      // The sampling is unaffected by clients coming and going.
      const { status } = yield* get("/stats", { "x-profiler-token": TOKEN })
      assert.strictEqual(status, 200)
    }).pipe(Effect.provide(serve(fastHost, newCalls())))
  )

  it.live("the typed client's stream fails with a typed Unauthorized without a valid token", () =>
    Effect.gen(function* () {
      // The request is made when the stream is run, so that is where the error comes out.
      const firstOf = (token: string | null) =>
        Effect.flip(
          Effect.flatMap(
            Effect.flatMap(typedClient(token), (c) => c.stream()),
            Stream.runHead
          )
        )
      const missing = yield* firstOf(null)
      assert.strictEqual(missing._tag, "Unauthorized")
      if (missing._tag === "Unauthorized") assert.strictEqual(missing.error, "Missing authentication token")
      const wrong = yield* firstOf("wrong")
      assert.strictEqual(wrong._tag, "Unauthorized")
      if (wrong._tag === "Unauthorized") assert.strictEqual(wrong.error, "Invalid authentication token")
    }).pipe(Effect.provide(serve(fastHost, newCalls())))
  )
})
