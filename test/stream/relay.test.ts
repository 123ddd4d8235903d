import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule, Schema, Stream } from "effect"
import { Stats } from "../../src/api/Stats.ts"
import { toEventStream } from "../../src/client/index.ts"
import { get, newCalls, serve, TOKEN, typedClient } from "./harness.ts"

const streamClients = Effect.map(get("/metrics", { authorization: `Bearer ${TOKEN}` }), ({ text }) =>
  Number(/^system_profiler_stream_clients (\d+)$/m.exec(text)?.[1] ?? -1)
)

// What the README's Next.js route does: the typed client's stream, re-encoded for a browser.
describe("relaying the stream to a browser (toEventStream)", () => {
  it.live("turns the typed stream into SSE a browser reads, and cancelling it closes the upstream connection", () =>
    Effect.gen(function* () {
      const client = yield* typedClient()
      const upstream = Stream.unwrap(client.stream())
      const body = toEventStream(upstream, { heartbeatMs: 50 })
      const reader = body.getReader()
      const decoder = new TextDecoder()
      let text = ""
      while ((text.match(/^data: /gm) ?? []).length < 2 || !text.includes(": heartbeat\n\n")) {
        const chunk = yield* Effect.promise(() => reader.read())
        if (chunk.done) break
        text += decoder.decode(chunk.value, { stream: true })
      }
      const events = text.split("\n\n").filter((block) => block.startsWith("data: "))
      for (const event of events) Schema.decodeUnknownSync(Stats)(JSON.parse(event.slice("data: ".length)))
      assert.isAtLeast(yield* streamClients, 1)
      // The browser went away: Next.js cancels the body, which must end the upstream stream.
      yield* Effect.promise(() => reader.cancel())
      const left = yield* streamClients.pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (count) => count === 0 })
      )
      assert.strictEqual(left, 0)
    }).pipe(Effect.provide(serve({ SYSTEM_PROFILER_HOST_INTERVAL: "100ms" }, newCalls())))
  )
})
