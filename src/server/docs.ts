import { createReadStream } from "node:fs"
import { Effect, type Layer } from "effect"
import { HttpPlatform, HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { locateScalarModule } from "./docsScript.ts"
import { errorResponse } from "./fallback.ts"

export const DOCS_PATH = "/docs"
export const DOCS_SCRIPT_PATH = "/docs/scalar.js"
export const OPENAPI_PATH = "/openapi.json"

/** What the page shows until Scalar replaces it, and keeps showing when the script cannot load. */
export const FALLBACK_TEXT = "The API is described by its OpenAPI document:"

// Scalar is configured as effect's HttpApiScalar does it, but it reads the document from
// /openapi.json rather than from a copy inlined in the page, and loads no web fonts: nothing on
// this page leaves the service, so it works where the network has no internet. The API has a
// handful of routes: every group is open.
const scalarConfig = JSON.stringify({
  _integration: "html",
  url: OPENAPI_PATH,
  withDefaultFonts: false,
  defaultOpenAllTags: true
})

// The script is effect's ES module (see docsScript.ts): the page imports it and runs its text.
// Until then, and for good if it fails, the container holds the plain fallback. Not
// id="api-reference": Scalar's script would take that element's content for an API document.
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>system-profiler API</title>
  </head>
  <body>
    <div id="docs-root">
      <main id="docs-fallback" style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">
        <h1>system-profiler API</h1>
        <p id="docs-status">Loading the API reference…</p>
        <p>${FALLBACK_TEXT} <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</p>
      </main>
    </div>
    <script type="module">
      try {
        const { javascript } = await import("${DOCS_SCRIPT_PATH}")
        const script = document.createElement("script")
        script.textContent = javascript
        document.head.append(script)
        window.Scalar.createApiReference(document.getElementById("docs-root"), ${scalarConfig})
      } catch (error) {
        document.getElementById("docs-status").textContent =
          "The interactive API reference could not load (" + error + ")."
      }
    </script>
  </body>
</html>
`

// Served as a module script, which browsers only run with a JavaScript content type.
const SCRIPT_HEADERS = { "cache-control": "no-cache" }
// The platform's file response reads 64 KiB chunks, each a fresh native allocation that the C
// allocator keeps once freed: repeated loads of the script left the process larger than smaller
// chunks do (bench/README.md, bench/docs.ts).
const SCRIPT_CHUNK_BYTES = 16 * 1024
const SCRIPT_CONTENT_TYPE = "text/javascript; charset=utf-8"

/**
 * GET /docs, the API reference, and GET /docs/scalar.js, its script, streamed from disk on every
 * request (`no-cache` with an ETag: a browser that has it gets a 304), never held in memory.
 * `scriptPath` is where the script is, undefined when it is not installed: the script's route is
 * then a 404 and the page shows its fallback.
 */
export const layer = (
  { scriptPath }: { readonly scriptPath: string | undefined } = { scriptPath: locateScalarModule() }
): Layer.Layer<never, never, HttpRouter.HttpRouter | HttpPlatform.HttpPlatform> =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const platform = yield* HttpPlatform.HttpPlatform
      const page = HttpServerResponse.html(PAGE)
      const missing = errorResponse(404, "The docs script is not installed; /openapi.json describes the API")
      const script = Effect.fnUntraced(function* (request: HttpServerRequest.HttpServerRequest) {
        if (scriptPath === undefined) return missing
        // The platform's response gives the headers (length, ETag, Last-Modified); its own stream
        // is only opened when sent, so replacing the body never opens it.
        const response = yield* platform
          .fileResponse(scriptPath, { contentType: SCRIPT_CONTENT_TYPE, headers: SCRIPT_HEADERS })
          .pipe(Effect.catch(() => Effect.succeed(missing)))
        if (response === missing) return missing
        const etag = response.headers.etag
        if (etag !== undefined && request.headers["if-none-match"] === etag) {
          return HttpServerResponse.empty({ status: 304, headers: { etag, ...SCRIPT_HEADERS } })
        }
        return HttpServerResponse.raw(createReadStream(scriptPath, { highWaterMark: SCRIPT_CHUNK_BYTES }), {
          headers: response.headers
        })
      })
      yield* router.add("GET", DOCS_PATH, page)
      yield* router.add("GET", DOCS_SCRIPT_PATH, script)
    })
  )
