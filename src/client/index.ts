// The typed client for the web app, derived from the same HttpApi as the server: a renamed field
// or a new error is a compile error in the web app, not a surprise at run time.

import { Config, Effect, type Layer, Option, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { TOKEN_ENV, TOKEN_HEADER } from "../api/Authorization.ts"

export * from "../api/index.ts"

export const BASE_URL_ENV = "SYSTEM_PROFILER_BASE_URL"

export interface ClientOptions {
  readonly baseUrl: string
  readonly token?: Redacted.Redacted<string> | undefined
}

/** A client for the given base URL and token, over whatever HttpClient is provided. */
export const makeProfilerClient = (options: ClientOptions) =>
  HttpApiClient.make(ProfilerApi, {
    baseUrl: options.baseUrl,
    transformClient: (client) =>
      options.token === undefined
        ? client
        : client.pipe(HttpClient.mapRequest(HttpClientRequest.setHeader(TOKEN_HEADER, Redacted.value(options.token))))
  })

export type ProfilerClient = Effect.Success<ReturnType<typeof makeProfilerClient>>

/** The client configured from SYSTEM_PROFILER_BASE_URL and SYSTEM_PROFILER_AUTH_TOKEN. */
export const makeProfilerClientFromEnv = Effect.gen(function* () {
  const baseUrl = yield* Config.String(BASE_URL_ENV).pipe(Config.withDefault("http://127.0.0.1:8787"))
  const token = yield* Config.Redacted(TOKEN_ENV).pipe(Config.option)
  return yield* makeProfilerClient({ baseUrl, token: Option.getOrUndefined(token) })
})

/** fetch-based transport, which runs in Node, in Next.js route handlers and on the edge. */
export const FetchLayer: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer
