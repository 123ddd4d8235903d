import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { type Duration, Effect, type Option, type Redacted, Scope } from "effect"
import { HttpServer } from "effect/http"
import type { Encoded } from "../sampling/Encoded.ts"
import { requestChecker } from "./Authorization.ts"
import { JSON_CONTENT_TYPE } from "./handlers.ts"

// GET /stats is what the dashboard polls and what a load balancer or a second dashboard
// multiplies: it answers bytes that were encoded once per snapshot, so the only work per request
// is the framework's. Through the router and the HttpApi (route match, security middleware,
// handler, response encoding) that put /stats near or under the throughput goal of
// bench/README.md ("The /stats fast path: three forms"), and even as an Effect middleware each
// answer still paid for a fiber, its context and the request object ("What the /stats figures
// are made of", "The fourth form").
//
// So the HttpServer's Node request handler answers it: `withFastPath` makes the `serve` of an
// Effect HttpServer whose one `request` listener asks the fast path first and hands every other
// request to the Effect handler NodeHttpServer.makeHandler makes. Only the exact success case is
// answered here: an authorized `GET /stats` with no query. Every other request, a refused token
// included, goes on to the router unchanged, so errors, other routes and their contract have one
// implementation. test/foundation/fastPath.test.ts holds the two paths to the same bytes and
// headers.

/** Answers one Node request itself and returns true, or returns false and leaves it untouched. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

/** Answers an authorized `GET /stats` from the current snapshot; false when it is not one. */
export const statsFastPath = (
  expected: Option.Option<Redacted.Redacted<string>>,
  current: () => Pick<Encoded, "json">
): FastPath => {
  const check = requestChecker(expected)
  return (request, response) => {
    if (request.method !== "GET" || request.url !== "/stats" || check(request.headers) !== undefined) return false
    const body = current().json
    response.writeHead(200, { "content-type": JSON_CONTENT_TYPE, "content-length": body.byteLength })
    response.end(body)
    return true
  }
}

/**
 * The HttpServer of NodeHttpServer.make over `server` (its listening, address and close), with
 * `fastPath` in front of the Effect handler. On close the requests in flight are interrupted
 * after at most `grace` for the ones that end by themselves, as NodeHttpServer's own serve does.
 */
export const withFastPath = (
  server: Server,
  listening: HttpServer.HttpServer["Service"],
  fastPath: FastPath,
  grace: Duration.Input
): HttpServer.HttpServer["Service"] =>
  HttpServer.make({
    address: listening.address,
    serve: Effect.fnUntraced(function* (httpEffect, middleware) {
      const serveScope = yield* Effect.scope
      // The requests' fibers: closed after the grace below, which interrupts what is still open.
      const requests = Scope.forkUnsafe(serveScope, "parallel")
      const handler = yield* NodeHttpServer.makeHandler(httpEffect, { middleware, scope: requests })
      const onRequest = (request: IncomingMessage, response: ServerResponse) => {
        if (!fastPath(request, response)) handler(request, response)
      }
      const stopListening = Effect.callback<void>((resume) => {
        if (!server.listening) return resume(Effect.void)
        server.close(() => resume(Effect.void))
      }).pipe(Effect.timeoutOrElse({ duration: grace, orElse: () => Effect.void }))
      yield* Scope.addFinalizer(
        serveScope,
        Effect.ensuring(
          stopListening,
          Effect.sync(() => server.off("request", onRequest))
        )
      )
      server.on("request", onRequest)
    })
  })
