// The typed client for the web app, derived from the same HttpApi as the server: a renamed field
// or a new error is a compile error in the web app, not a surprise at run time.

import { Config, Effect, type Layer, Option, Redacted, Result, Schedule, Stream } from "effect"
import type { Sse } from "effect/encoding"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { TOKEN_ENV, TOKEN_HEADER } from "../api/Authorization.ts"
import type { Stats } from "../api/Stats.ts"
import type { StatsStreamEvent } from "../api/StreamEvents.ts"

export * from "../api/index.ts"

export const BASE_URL_ENV = "SYSTEM_PROFILER_BASE_URL"

export interface ClientOptions {
  readonly baseUrl: string
  readonly token?: Redacted.Redacted<string> | undefined
}

const snapshotsOnly = (e: StatsStreamEvent): Result.Result<Stats, StatsStreamEvent> =>
  e.event === "message" ? Result.succeed(e.data) : Result.fail(e)

/**
 * A client for the given base URL and token, over whatever HttpClient is provided. `stream()`
 * gives the snapshots of /stats/stream and leaves its `alert` events out; `streamEvents()` gives
 * both, as `{ event: "message", data: Stats }` and `{ event: "alert", data: AlertEvent }`.
 */
export const makeProfilerClient = (options: ClientOptions) =>
  Effect.map(
    HttpApiClient.make(ProfilerApi, {
      baseUrl: options.baseUrl,
      transformClient: (client) =>
        options.token === undefined
          ? client
          : client.pipe(HttpClient.mapRequest(HttpClientRequest.setHeader(TOKEN_HEADER, Redacted.value(options.token))))
    }),
    (client) => ({
      ...client,
      stream: (request?: { readonly sseOptions?: Sse.DecodeOptions | undefined }) =>
        Effect.map(client.stream(request ?? {}), Stream.filterMap(snapshotsOnly)),
      streamEvents: client.stream
    })
  )

export type ProfilerClient = Effect.Success<ReturnType<typeof makeProfilerClient>>

/** The client configured from SYSTEM_PROFILER_BASE_URL and SYSTEM_PROFILER_AUTH_TOKEN. */
export const makeProfilerClientFromEnv = Effect.gen(function* () {
  const baseUrl = yield* Config.String(BASE_URL_ENV).pipe(Config.withDefault("http://127.0.0.1:8787"))
  const token = yield* Config.Redacted(TOKEN_ENV).pipe(Config.option)
  return yield* makeProfilerClient({ baseUrl, token: Option.getOrUndefined(token) })
})

/** fetch-based transport, which runs in Node, in Next.js route handlers and on the edge. */
export const FetchLayer: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer

/**
 * Every snapshot as the service publishes it, from SYSTEM_PROFILER_BASE_URL over fetch: the
 * current one first, then one per new sample. It fails when the connection drops; retry it
 * (Stream.retry) or let the browser's EventSource reconnect through a relay.
 */
export const statsStreamFromEnv: Stream.Stream<Stats, unknown> = Stream.unwrap(
  Effect.flatMap(makeProfilerClientFromEnv, (client) => client.stream())
).pipe(Stream.provide(FetchLayer))

const sseEncoder = new TextEncoder()

/**
 * Re-encodes snapshots as an SSE body for a browser's EventSource, with a comment line every
 * `heartbeatMs` (default 15 s) so that proxies keep the connection open. Cancelling the
 * ReadableStream (the browser left) ends the upstream stream and so its connection.
 */
export const toEventStream = <E>(
  stats: Stream.Stream<Stats, E>,
  options: { readonly heartbeatMs?: number } = {}
): ReadableStream<Uint8Array> => {
  const events = stats.pipe(Stream.map((s) => `data: ${JSON.stringify(s)}\n\n`))
  const heartbeats = Stream.fromSchedule(Schedule.spaced(options.heartbeatMs ?? 15_000)).pipe(
    Stream.as(": heartbeat\n\n")
  )
  return Stream.toReadableStream(
    Stream.merge(events, heartbeats, { haltStrategy: "left" }).pipe(Stream.map((text) => sseEncoder.encode(text)))
  )
}
