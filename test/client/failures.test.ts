// What the web app sees when the profiler cannot give figures: typed errors from the client, and
// an `event: error` at the end of the relayed SSE body. The token never appears in either.
import { createServer, type Server, type Socket } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Redacted, Schema, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { makeProfilerClient, ProfilerUnreachable, RelayError, toEventStream } from "../../src/client/index.ts"
import { baseUrl, newCalls, serve, TOKEN } from "../stream/harness.ts"
import { refusingPort } from "../support/ports.ts"

const SECRET = "client-secret-token-77"

const refusedPort = Effect.promise(refusingPort)

/** A server that accepts connections and never answers. */
const silentServer = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ server: Server; sockets: Set<Socket>; port: number }>((resolve) => {
        const sockets = new Set<Socket>()
        const server = createServer((socket) => sockets.add(socket))
        server.listen(0, "127.0.0.1", () =>
          resolve({ server, sockets, port: (server.address() as { port: number }).port })
        )
      })
  ),
  ({ server, sockets }) =>
    Effect.promise(() => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
)

const clientAt = (url: string, token: string, timeout?: Duration.Input) =>
  makeProfilerClient({ baseUrl: url, token: Redacted.make(token), timeout }).pipe(Effect.provide(FetchHttpClient.layer))

/** The whole relayed body, read to its end. */
const readAll = (body: ReadableStream<Uint8Array>) =>
  Effect.promise(async () => {
    let text = ""
    const decoder = new TextDecoder()
    for await (const chunk of body) text += decoder.decode(chunk, { stream: true })
    return text
  })

const errorEvent = (text: string): RelayError => {
  const block = text.split("\n\n").find((b) => b.startsWith("event: error\n"))
  assert.isDefined(block, `no error event in ${JSON.stringify(text)}`)
  return Schema.decodeUnknownSync(RelayError)(JSON.parse(block!.slice("event: error\ndata: ".length)))
}

describe("the client's failures", () => {
  it.live("nothing listening: ProfilerUnreachable names the base URL and the cause, never the token", () =>
    Effect.gen(function* () {
      const port = yield* refusedPort
      const client = yield* clientAt(`http://127.0.0.1:${port}`, SECRET)
      const error = yield* Effect.flip(client.stats())
      assert.instanceOf(error, ProfilerUnreachable)
      assert.strictEqual(
        error.message,
        `system-profiler unreachable at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`
      )
      assert.notInclude(JSON.stringify(error), SECRET)
    })
  )

  it.live("a port fetch never connects to is named as such, not as a failed request", () =>
    Effect.gen(function* () {
      // 10080 is on the Fetch standard's list of bad ports: fetch fails before any connection.
      const client = yield* clientAt("http://127.0.0.1:10080", SECRET)
      const error = yield* Effect.flip(client.stats())
      assert.instanceOf(error, ProfilerUnreachable)
      assert.strictEqual(
        error.message,
        "system-profiler unreachable at http://127.0.0.1:10080: fetch never connects to port 10080, one of the Fetch standard's bad ports: serve the profiler on another port"
      )
    })
  )

  it.live("credentials in the base URL never reach the message", () =>
    Effect.gen(function* () {
      const port = yield* refusedPort
      const client = yield* clientAt(`http://admin:url-password@127.0.0.1:${port}/`, SECRET)
      const error = yield* Effect.flip(client.stats())
      assert.instanceOf(error, ProfilerUnreachable)
      assert.strictEqual((error as ProfilerUnreachable).baseUrl, `http://127.0.0.1:${port}`)
      assert.notInclude(error.message, "url-password")
      assert.notInclude(error.message, "admin")
    })
  )

  it.live("a profiler that never answers is ProfilerUnreachable after the timeout", () =>
    Effect.gen(function* () {
      const { port } = yield* silentServer
      const client = yield* clientAt(`http://127.0.0.1:${port}`, SECRET, "200 millis")
      const error = yield* Effect.flip(client.stats())
      assert.instanceOf(error, ProfilerUnreachable)
      assert.match(error.message, /^system-profiler unreachable at http:\/\/127\.0\.0\.1:\d+: no answer within 200/)
    }).pipe(Effect.scoped)
  )

  it.live("the relay ends with an error event the browser can show: profiler down", () =>
    Effect.gen(function* () {
      const port = yield* refusedPort
      const client = yield* clientAt(`http://127.0.0.1:${port}`, SECRET)
      const text = yield* readAll(toEventStream(Stream.unwrap(client.stream())))
      assert.deepStrictEqual(errorEvent(text), {
        _tag: "ProfilerUnreachable",
        error: `system-profiler unreachable at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`
      })
      assert.notInclude(text, SECRET)
    })
  )

  it.live("the relay ends with an error event the browser can show: token refused", () =>
    Effect.gen(function* () {
      const client = yield* clientAt(yield* baseUrl, SECRET)
      const text = yield* readAll(toEventStream(Stream.unwrap(client.stream())))
      assert.deepStrictEqual(errorEvent(text), { _tag: "Unauthorized", error: "Invalid authentication token" })
      assert.notInclude(text, SECRET)
      // The right token still streams.
      const ok = yield* clientAt(yield* baseUrl, TOKEN)
      const first = yield* Stream.runHead(Stream.unwrap(ok.stream()))
      assert.isTrue(first._tag === "Some")
    }).pipe(Effect.provide(serve({}, newCalls())))
  )
})
