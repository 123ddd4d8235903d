import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Option, Redacted } from "effect"
import type { Encoded } from "../sampling/Encoded.ts"
import { requestChecker } from "./Authorization.ts"
import { JSON_CONTENT_TYPE } from "./handlers.ts"

// GET /stats is what the dashboard polls and what a load balancer or a second dashboard
// multiplies: it answers bytes that were encoded once per snapshot, so the only work per request
// is the framework's. Through the HttpApi pipeline (router, middleware, fibers, response
// conversion) that is about 56 µs of CPU, which put its p99 at 50 connections over the 5 ms goal
// on a 2-core machine. Here it is a header check and a write.
//
// Only the exact success case is served here: an authorized `GET /stats` with no query. Every
// other request, a refused token included, goes on to the Effect router unchanged, so errors,
// other routes and their contract have one implementation. test/foundation/fastPath.test.ts holds
// the two paths to the same bytes and headers.

export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

/** Answers an authorized `GET /stats` from the current snapshot; false when it is not one. */
export const statsFastPath = (
  expected: Option.Option<Redacted.Redacted<string>>,
  current: () => Pick<Encoded, "json">
): FastPath => {
  const check = requestChecker(expected)
  return (request, response) => {
    if (request.method !== "GET" || request.url !== "/stats") return false
    if (check(request.headers) !== undefined) return false
    const body = current().json
    response.writeHead(200, { "content-type": JSON_CONTENT_TYPE, "content-length": body.byteLength })
    response.end(body)
    return true
  }
}

/**
 * Puts `fastPath` in front of every other `request` listener of `server`. The Effect server adds
 * its own listener, and Node calls every listener of an event, so the only place to answer
 * first, and alone, is the emit itself.
 */
export const withFastPath = <S extends Server>(server: S, fastPath: FastPath): S => {
  const emit = server.emit as (this: S, event: string | symbol, ...args: Array<unknown>) => boolean
  server.emit = function (this: S, event: string | symbol, ...args: Array<unknown>): boolean {
    if (event === "request" && fastPath(args[0] as IncomingMessage, args[1] as ServerResponse)) return true
    return emit.call(this, event, ...args)
  } as S["emit"]
  return server
}
