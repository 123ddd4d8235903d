// What the router answers beside the API's own routes: JSON 404 and 405, the public routes the
// README names (and no others), and the OpenAPI document's version.
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { serveApp, TOKEN } from "../foundation/harness.ts"

const root = new URL("../../", import.meta.url)
const readme = readFileSync(fileURLToPath(new URL("README.md", root)), "utf8")
const packageVersion = (
  JSON.parse(readFileSync(fileURLToPath(new URL("package.json", root)), "utf8")) as {
    version: string
  }
).version

const send = (method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS", path: string, headers = {}) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.execute(HttpClientRequest.make(method)(path, { headers }))
    return { status: response.status, headers: response.headers, text: yield* response.text }
  })

const withToken = { "x-profiler-token": TOKEN }

layer(serveApp({ MOCK_HOST_STATS: "true", SYSTEM_PROFILER_AUTH_TOKEN: TOKEN }))("the router", (it) => {
  it.effect("answers a path that is no route with a JSON 404, token or not", () =>
    Effect.gen(function* () {
      for (const [method, path, headers] of [
        ["GET", "/nope", {}],
        ["GET", "/nope", withToken],
        ["POST", "/stats/nope", withToken],
        ["GET", "/docs/other.js", {}]
      ] as const) {
        const answer = yield* send(method, path, headers)
        assert.strictEqual(answer.status, 404, `${method} ${path}`)
        assert.match(answer.headers["content-type"] ?? "", /^application\/json/)
        const body = JSON.parse(answer.text) as Record<string, unknown>
        assert.deepStrictEqual(Object.keys(body), ["error"])
        assert.match(body.error as string, /^Not found: .*\/openapi\.json/)
      }
    })
  )

  it.effect("answers a route asked with another method with a JSON 405 and Allow", () =>
    Effect.gen(function* () {
      for (const [method, path] of [
        ["POST", "/stats"],
        ["DELETE", "/health"],
        ["PUT", "/metrics"],
        ["POST", "/docs"],
        ["OPTIONS", "/openapi.json"],
        ["POST", "/history?window=5m"]
      ] as const) {
        const answer = yield* send(method, path, withToken)
        assert.strictEqual(answer.status, 405, `${method} ${path}`)
        assert.strictEqual(answer.headers.allow, "GET, HEAD", path)
        const body = JSON.parse(answer.text) as Record<string, unknown>
        assert.deepStrictEqual(Object.keys(body), ["error"])
        assert.include(body.error as string, `${method} is not served here`)
      }
    })
  )

  it.effect("still serves GET and HEAD where a route is", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* send("GET", "/health")).status, 200)
      assert.strictEqual((yield* send("HEAD", "/health")).status, 200)
      assert.strictEqual((yield* send("HEAD", "/stats", withToken)).status, 200)
      assert.strictEqual((yield* send("GET", "/history?window=5m", withToken)).status, 200)
    })
  )

  it.effect("serves without a token exactly the routes the README calls public", () =>
    Effect.gen(function* () {
      const line = readme.split("\n").find((l) => l.startsWith("Public, without a token:"))
      assert.isDefined(line, "the README no longer says which routes are public")
      const claimed = [...line!.matchAll(/`(\/[^`]*)`/g)].map((m) => m[1]!).sort()
      const tableRoutes = [...readme.matchAll(/^\| `GET (\/[^`]*)` \|/gm)].map((m) => m[1]!)
      assert.isAtLeast(tableRoutes.length, 9)
      const open: Array<string> = []
      for (const path of new Set([...tableRoutes, ...claimed])) {
        const { status } = yield* send("GET", path)
        if (status === 200) open.push(path)
        else assert.strictEqual(status, 401, path)
      }
      assert.deepStrictEqual(open.sort(), claimed)
    })
  )

  it.effect("gives the package version as the OpenAPI document's info.version", () =>
    Effect.gen(function* () {
      const doc = JSON.parse((yield* send("GET", "/openapi.json")).text) as { info: { version: string } }
      assert.strictEqual(doc.info.version, packageVersion)
      assert.notStrictEqual(doc.info.version, "0.0.1")
    })
  )

  it.effect("documents both ways of sending the token, and that /openapi.json and /docs are public", () =>
    Effect.gen(function* () {
      const doc = JSON.parse((yield* send("GET", "/openapi.json")).text) as {
        info: { description: string }
        paths: Record<string, { get: { security?: ReadonlyArray<Record<string, unknown>> } }>
      }
      for (const path of ["/stats", "/host", "/history", "/metrics"]) {
        const schemes = (doc.paths[path]?.get.security ?? []).flatMap((s) => Object.keys(s)).sort()
        assert.deepStrictEqual(schemes, ["bearer", "token"], path)
      }
      assert.include(doc.info.description, "/health, /openapi.json and /docs are public")
    })
  )
})
