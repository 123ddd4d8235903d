import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"

// A request whose query, path parameters or headers do not decode (`?window=1m&window=2m` makes
// `window` an array) is refused by the framework with an empty 400. Every refusal of this API
// has the body {"error": "..."} (the 401s, InvalidQuery), so that a client reads them all the
// same way: this gives the framework's 400 that body, naming what was wrong. The request's
// values are not echoed, only the names of repeated parameters.

const parts: Record<string, string> = { Query: "query string", Params: "path", Headers: "headers" }

/** The names of query parameters that appear more than once, in order. */
export const repeatedParameters = (url: string): ReadonlyArray<string> => {
  const search = URL.parse(url, "http://x")?.searchParams
  if (search === undefined) return []
  const seen = new Set<string>()
  const repeated = new Set<string>()
  for (const key of search.keys()) (seen.has(key) ? repeated : seen).add(key)
  return [...repeated]
}

const problemOf = (kind: string, url: string): string => {
  const repeated = kind === "Query" ? repeatedParameters(url) : []
  if (repeated.length > 0) {
    return `the query parameter${repeated.length > 1 ? "s" : ""} ${repeated
      .map((k) => `"${k.slice(0, 40)}"`)
      .join(", ")} may be given only once`
  }
  return `the request's ${parts[kind] ?? kind} does not match the API (see /openapi.json)`
}

/** Every route: a request the API cannot decode gets a 400 with {"error": ...}. */
export const JsonBadRequest = HttpRouter.middleware(
  (app) =>
    Effect.catchDefect(app, (defect) => {
      if (!HttpApiError.HttpApiSchemaError.is(defect) || parts[defect.kind] === undefined) return Effect.die(defect)
      return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
        HttpServerResponse.json({ error: problemOf(defect.kind, request.url) }, { status: 400 })
      )
    }),
  { global: true }
)
