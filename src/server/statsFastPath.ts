import type { Effect as E, Option, Redacted } from "effect"
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Encoded } from "../sampling/Encoded.ts"
import { requestChecker } from "./Authorization.ts"
import { JSON_CONTENT_TYPE } from "./handlers.ts"

// GET /stats is what the dashboard polls and what a load balancer or a second dashboard
// multiplies: it answers bytes that were encoded once per snapshot, so the only work per request
// is the framework's. Through the router and the HttpApi (route match, security middleware,
// handler, response encoding) that costs more than twice the CPU of this middleware, which put
// /stats under the throughput goal of bench/README.md ("Readings first").
//
// An HttpServer middleware (HttpRouter.serve's `middleware`), so it runs in the Effect server
// before the router, on the request Effect already parsed. Only the exact success case is
// answered here: an authorized `GET /stats` with no query. Every other request, a refused token
// included, goes on to the router unchanged, so errors, other routes and their contract have one
// implementation. test/foundation/fastPath.test.ts holds the two paths to the same bytes and
// headers.

/** The middleware answering an authorized `GET /stats` from the current snapshot. */
export const statsFastPath = (
  expected: Option.Option<Redacted.Redacted<string>>,
  current: () => Pick<Encoded, "json">
) => {
  const check = requestChecker(expected)
  return <Err, R>(
    app: E.Effect<HttpServerResponse.HttpServerResponse, Err, R>
  ): E.Effect<HttpServerResponse.HttpServerResponse, Err, R | HttpServerRequest.HttpServerRequest> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      request.method !== "GET" || request.url !== "/stats" || check(request.headers) !== undefined
        ? app
        : Effect.succeed(HttpServerResponse.uint8Array(current().json, { contentType: JSON_CONTENT_TYPE }))
    )
}
