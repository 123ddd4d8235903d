import { Effect } from "effect"
import { HttpRouter, HttpServerError, HttpServerResponse } from "effect/http"
import { HttpApi, type HttpApiGroup } from "effect/http-api"

/** A route the service answers, for telling an unknown path (404) from a wrong method (405). */
export interface KnownRoute {
  readonly method: string
  readonly path: string
}

/** The routes an HttpApi declares. */
export const routesOf = <Id extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<Id, Groups>
): ReadonlyArray<KnownRoute> => {
  const routes: Array<KnownRoute> = []
  HttpApi.reflect(api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => routes.push({ method: endpoint.method, path: endpoint.path })
  })
  return routes
}

/** Every error the service answers has this body: `{"error": "..."}`. */
export const errorResponse = (status: number, error: string, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe({ error }, headers === undefined ? { status } : { status, headers })

const isRouteNotFound = (error: unknown): error is HttpServerError.HttpServerError =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

// `:name` segments match any one segment, as in the router.
const matcher = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\/:[^/]+/g, "/[^/]+")}$`)

/**
 * The router's own answer to a request it has no route for is an empty 404, whatever the method.
 * This global middleware answers a JSON error instead: 405 with `Allow` when the path is a route
 * of another method (the router serves HEAD wherever it serves GET), else 404.
 */
export const RouteFallback = (routes: ReadonlyArray<KnownRoute>) => {
  const byPath = new Map<string, { readonly test: RegExp; readonly methods: Set<string> }>()
  for (const { method, path } of routes) {
    const entry = byPath.get(path) ?? { test: matcher(path), methods: new Set<string>() }
    entry.methods.add(method)
    if (method === "GET") entry.methods.add("HEAD")
    byPath.set(path, entry)
  }
  const entries = [...byPath.values()]
  const notFound = errorResponse(404, "Not found: no route at this path; /openapi.json lists the routes")
  const answer = (method: string, url: string) => {
    const path = url.split(/[?#]/, 1)[0] ?? url
    const allowed = entries.find((entry) => entry.test.test(path))?.methods
    if (allowed === undefined) return notFound
    const allow = [...allowed].join(", ")
    return errorResponse(405, `Method not allowed: ${method} is not served here; this route answers ${allow}`, {
      allow
    })
  }
  return HttpRouter.middleware<{ handles: HttpServerError.HttpServerError }>()(
    (httpEffect) =>
      Effect.catch(httpEffect, (error) =>
        isRouteNotFound(error) ? Effect.succeed(answer(error.request.method, error.request.url)) : Effect.fail(error)
      ),
    { global: true }
  )
}
