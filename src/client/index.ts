// The typed client for the web app, derived from the same HttpApi as the server: a renamed field
// or a new error is a compile error in the web app, not a surprise at run time.

import { Cause, Config, Duration, Effect, type Layer, Option, Redacted, Result, Schedule, Schema, Stream } from "effect"
import type { Sse } from "effect/encoding"
import { FetchHttpClient, HttpClient, type HttpClientError, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { TOKEN_ENV, TOKEN_HEADER } from "../api/Authorization.ts"
import { Unauthorized } from "../api/errors.ts"
import type { HistoryAnswer, StoredHistory } from "../api/History.ts"
import type { Stats } from "../api/Stats.ts"
import type { StatsStreamEvent } from "../api/StreamEvents.ts"
import { ProfilerUnreachable, unreachableFrom, withoutCredentials } from "./ProfilerUnreachable.ts"

export * from "../api/index.ts"
export { ProfilerUnreachable } from "./ProfilerUnreachable.ts"

export const BASE_URL_ENV = "SYSTEM_PROFILER_BASE_URL"

export interface ClientOptions {
  readonly baseUrl: string
  readonly token?: Redacted.Redacted<string> | undefined
  /** How long a request may wait for the answer's headers (default 10 s); then ProfilerUnreachable. */
  readonly timeout?: Duration.Input | undefined
}

type ApiClient = HttpApiClient.ForApi<typeof ProfilerApi, ProfilerUnreachable>

const snapshotsOnly = (e: StatsStreamEvent): Result.Result<Stats, StatsStreamEvent> =>
  e.event === "message" ? Result.succeed(e.data) : Result.fail(e)

// GET /history answers one shape per source; the client asks for one and so knows which came.
const isStored = (answer: HistoryAnswer): answer is StoredHistory => "source" in answer
const contractBroken = (asked: string) =>
  Effect.die(new Error(`GET /history answered the other source than ${asked}: not this client's contract`))

/**
 * `stream()` gives the snapshots of /stats/stream and leaves its `alert` events out;
 * `streamEvents()` gives both, as `{ event: "message", data: Stats }` and
 * `{ event: "alert", data: AlertEvent }`. `history()` reads the hour in memory (History);
 * `storedHistory()` the stored aggregates (StoredHistory, `source=stored`).
 */
const withSnapshotStream = (client: ApiClient) => ({
  ...client,
  stream: (request?: { readonly sseOptions?: Sse.DecodeOptions | undefined }) =>
    Effect.map(client.stream(request ?? {}), Stream.filterMap(snapshotsOnly)),
  streamEvents: client.stream,
  history: (request: { readonly query: { readonly window?: string } }) =>
    Effect.flatMap(client.history({ query: { ...request.query, source: "memory" } }), (answer) =>
      isStored(answer) ? contractBroken("memory") : Effect.succeed(answer)
    ),
  storedHistory: (request: { readonly query: { readonly window?: string; readonly step?: string } }) =>
    Effect.flatMap(client.history({ query: { ...request.query, source: "stored" } }), (answer) =>
      isStored(answer) ? Effect.succeed(answer) : contractBroken("stored")
    )
})

/**
 * Every route as a method. Besides the errors of the contract (Unauthorized, CollectorUnavailable,
 * InvalidQuery), a request that reaches nothing fails with ProfilerUnreachable; an answer that is
 * not the contract's stays an HttpClientError or a SchemaError.
 */
export type ProfilerClient = ReturnType<typeof withSnapshotStream>

/** A client for the given base URL and token, over whatever HttpClient is provided. */
export const makeProfilerClient: (
  options: ClientOptions
) => Effect.Effect<ProfilerClient, never, HttpClient.HttpClient> = Effect.fn("makeProfilerClient")(function* (
  options: ClientOptions
) {
  const shownUrl = withoutCredentials(options.baseUrl)
  const timeout = Duration.fromInputUnsafe(options.timeout ?? "10 seconds")
  const token = options.token
  const httpClient = (yield* HttpClient.HttpClient).pipe(
    HttpClient.mapRequest((request) =>
      token === undefined ? request : HttpClientRequest.setHeader(request, TOKEN_HEADER, Redacted.value(token))
    ),
    HttpClient.transformResponse((response) =>
      response.pipe(
        Effect.catchTag("HttpClientError", (error) => Effect.fail(unreachableFrom(shownUrl, error) ?? error)),
        // A profiler that accepts the connection and never answers would hold the route forever.
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(
              new ProfilerUnreachable({ baseUrl: shownUrl, detail: `no answer within ${Duration.format(timeout)}` })
            )
        })
      )
    )
  )
  return withSnapshotStream(yield* HttpApiClient.makeWith(ProfilerApi, { httpClient, baseUrl: options.baseUrl }))
})

/** The client configured from SYSTEM_PROFILER_BASE_URL and SYSTEM_PROFILER_AUTH_TOKEN. */
export const makeProfilerClientFromEnv: Effect.Effect<ProfilerClient, Config.ConfigError, HttpClient.HttpClient> =
  Effect.gen(function* () {
    const baseUrl = yield* Config.String(BASE_URL_ENV).pipe(Config.withDefault("http://127.0.0.1:8787"))
    const token = yield* Config.Redacted(TOKEN_ENV).pipe(Config.option)
    return yield* makeProfilerClient({ baseUrl, token: Option.getOrUndefined(token) })
  })

/** fetch-based transport, which runs in Node, in Next.js route handlers and on the edge. */
export const FetchLayer: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer

/** Why the typed stream of snapshots ended: the client's errors, and a broken SSE stream. */
export type StatsStreamError =
  | Config.ConfigError
  | Unauthorized
  | ProfilerUnreachable
  | HttpClientError.HttpClientError
  | Schema.SchemaError
  | Sse.SseError
  | Sse.Retry

/**
 * Every snapshot as the service publishes it, from SYSTEM_PROFILER_BASE_URL over fetch: the
 * current one first, then one per new sample. It fails when the connection drops; retry it
 * (Stream.retry) or let the browser's EventSource reconnect through a relay.
 */
export const statsStreamFromEnv: Stream.Stream<Stats, StatsStreamError> = Stream.unwrap(
  Effect.flatMap(makeProfilerClientFromEnv, (client) => client.stream())
).pipe(Stream.provide(FetchLayer))

/**
 * The data of the relay's `event: error`: the failure's tag (Unauthorized, ProfilerUnreachable,
 * ...) and a sentence a page can show. It never holds the token: no error of the client does.
 */
export const RelayError = Schema.Struct({ _tag: Schema.String, error: Schema.String }).annotate({
  identifier: "RelayError"
})
export type RelayError = typeof RelayError.Type

const relayError = (cause: Cause.Cause<unknown>): RelayError => {
  const error = Cause.squash(cause)
  if (error instanceof Unauthorized) return { _tag: error._tag, error: error.error }
  if (error instanceof Error) {
    const tag = (error as { readonly _tag?: unknown })._tag
    return { _tag: typeof tag === "string" ? tag : error.name, error: error.message }
  }
  return { _tag: "Error", error: String(error) }
}

const sseEncoder = new TextEncoder()

/**
 * Re-encodes snapshots as an SSE body for a browser's EventSource, with a comment line every
 * `heartbeatMs` (default 15 s) so that proxies keep the connection open. When the upstream fails
 * (profiler down, token refused, connection dropped) the body ends with an `event: error` whose
 * data is a RelayError; the browser's EventSource then reconnects by itself. Its answer is
 * already a 200 by then, and a non-200 answer would stop EventSource from ever reconnecting, so
 * the failure travels as an event. Cancelling the ReadableStream (the browser left) ends the
 * upstream stream and so its connection.
 */
export const toEventStream = <E>(
  stats: Stream.Stream<Stats, E>,
  options: { readonly heartbeatMs?: number } = {}
): ReadableStream<Uint8Array> => {
  const events = stats.pipe(
    Stream.map((s) => `data: ${JSON.stringify(s)}\n\n`),
    Stream.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Stream.empty
        : Stream.succeed(`event: error\ndata: ${JSON.stringify(relayError(cause))}\n\n`)
    )
  )
  const heartbeats = Stream.fromSchedule(Schedule.spaced(options.heartbeatMs ?? 15_000)).pipe(
    Stream.as(": heartbeat\n\n")
  )
  return Stream.toReadableStream(
    Stream.merge(events, heartbeats, { haltStrategy: "left" }).pipe(Stream.map((text) => sseEncoder.encode(text)))
  )
}
