// The /docs page and its script, served by the service itself (src/server/docs.ts). The page in a
// real browser with no network is test/server/docs.browser.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient, HttpRouter } from "effect/http"
import * as Docs from "../../src/server/docs.ts"
import { BUNDLED_SCALAR_FILE, installedScalarModule, locateScalarModule } from "../../src/server/docsScript.ts"
import { serveApp, TOKEN } from "../foundation/harness.ts"

const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.get(path, { headers })
    return { status: response.status, headers: response.headers, body: new Uint8Array(yield* response.arrayBuffer) }
  })

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe("the script effect ships", () => {
  it("is an ES module whose `javascript` export is Scalar's standalone script", async () => {
    const file = installedScalarModule()
    const module = (await import(pathToFileURL(file).href)) as { javascript?: unknown }
    assert.deepStrictEqual(Object.keys(module), ["javascript"])
    assert.isString(module.javascript)
    // What the page calls once the script has run.
    assert.include(module.javascript as string, "createApiReference")
    assert.include(module.javascript as string, "@scalar/api-reference@1.43.5")
  })

  it("is found beside the bundle first, else in the installed package", () => {
    const dir = mkdtempSync(join(tmpdir(), "sp-docs-"))
    try {
      const moduleUrl = pathToFileURL(join(dir, "main.js")).href
      assert.strictEqual(locateScalarModule(moduleUrl), installedScalarModule())
      writeFileSync(join(dir, BUNDLED_SCALAR_FILE), "export const javascript = ''")
      assert.strictEqual(locateScalarModule(moduleUrl), join(dir, BUNDLED_SCALAR_FILE))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

layer(serveApp({ MOCK_HOST_STATS: "true", SYSTEM_PROFILER_AUTH_TOKEN: TOKEN }))("GET /docs", (it) => {
  it.effect("is a page that loads the script from this service and links /openapi.json as its fallback", () =>
    Effect.gen(function* () {
      const page = yield* get("/docs")
      assert.strictEqual(page.status, 200)
      assert.match(page.headers["content-type"] ?? "", /^text\/html/)
      const html = text(page.body)
      assert.include(html, `import("${Docs.DOCS_SCRIPT_PATH}")`)
      assert.include(html, `"url":"${Docs.OPENAPI_PATH}"`)
      assert.include(html, `${Docs.FALLBACK_TEXT} <a href="/openapi.json">/openapi.json</a>`)
      // Nothing on the page points anywhere but this service: no CDN, no web fonts.
      assert.notMatch(html, /https?:\/\//)
      assert.include(html, '"withDefaultFonts":false')
    })
  )

  it.effect("/docs/scalar.js is the installed file, byte for byte, as JavaScript, without a token", () =>
    Effect.gen(function* () {
      const script = yield* get(Docs.DOCS_SCRIPT_PATH)
      assert.strictEqual(script.status, 200)
      assert.strictEqual(script.headers["content-type"], "text/javascript; charset=utf-8")
      assert.strictEqual(script.headers["cache-control"], "no-cache")
      const file = readFileSync(installedScalarModule())
      assert.strictEqual(script.headers["content-length"], String(file.byteLength))
      assert.isTrue(Buffer.from(script.body).equals(file))
    })
  )

  it.effect("answers 304 to a browser that already has this version", () =>
    Effect.gen(function* () {
      const first = yield* get(Docs.DOCS_SCRIPT_PATH)
      const etag = first.headers.etag
      assert.isString(etag)
      const again = yield* get(Docs.DOCS_SCRIPT_PATH, { "if-none-match": etag! })
      assert.strictEqual(again.status, 304)
      assert.strictEqual(again.body.byteLength, 0)
      assert.strictEqual(again.headers.etag, etag)
      const other = yield* get(Docs.DOCS_SCRIPT_PATH, { "if-none-match": '"something-else"' })
      assert.strictEqual(other.status, 200)
    })
  )
})

// A service whose script is not where it should be: the page still answers, with its fallback.
const withoutScript = (scriptPath: string | undefined) =>
  HttpRouter.serve(Docs.layer({ scriptPath }), { disableLogger: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layerTest)
  )

for (const [what, scriptPath] of [
  ["not installed", undefined],
  ["installed, then deleted", "/nonexistent/scalar-api-reference.js"]
] as const) {
  layer(withoutScript(scriptPath))(`with the script ${what}`, (it) => {
    it.effect("the script is a JSON 404 and the page still links /openapi.json", () =>
      Effect.gen(function* () {
        const script = yield* get(Docs.DOCS_SCRIPT_PATH)
        assert.strictEqual(script.status, 404)
        assert.match(JSON.parse(text(script.body)).error, /docs script is not installed/)
        const page = yield* get(Docs.DOCS_PATH)
        assert.strictEqual(page.status, 200)
        assert.include(text(page.body), '<a href="/openapi.json">')
      })
    )
  })
}
