// /docs in a real browser with no network: Debian's Chromium, headless, driven by playwright-core,
// on the bundle the image runs (so the script must travel with dist/). The browser resolves no
// name but 127.0.0.1 and has a dead proxy for everything else; every request it makes is
// recorded, and none may leave the service. scripts/ensure-test-tools.sh installs chromium:
// without it this suite fails, it never skips.
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { type Bundle, buildBundle } from "../../bench/bundle.ts"
import { FALLBACK_TEXT } from "../../src/server/docs.ts"
import { BUNDLED_SCALAR_FILE, installedScalarModule } from "../../src/server/docsScript.ts"

const CHROMIUM = "/usr/bin/chromium"
const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version
const TOKEN = "docs-browser-test-token"
// Every operation of the API, as the page must show it.
const PATHS = ["/health", "/stats", "/host", "/containers", "/services", "/stats/stream", "/history", "/metrics"]

let bundle: Bundle
let service: ChildProcess
let baseUrl: string
let context: BrowserContext
let profile: string
/** Every URL the browser asked for, through any page of the context. */
const requested: Array<string> = []

// biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText: the text as rendered, one line per block (textContent runs them together)
const bodyLines = async (page: Page) => (await page.locator("body").innerText()).split("\n").map((l) => l.trim())

/** Polls the page's text until `done` holds; a bound on hanging, not a speed goal. */
const waitForText = async (page: Page, done: (lines: ReadonlyArray<string>) => boolean, ms: number) => {
  const until = Date.now() + ms
  for (;;) {
    const lines = await bodyLines(page)
    if (done(lines)) return lines
    if (Date.now() > until) throw new Error(`the page never got there; it shows:\n${lines.join("\n")}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run bash scripts/ensure-test-tools.sh (Debian's chromium)`)
  }
  bundle = await buildBundle()
  service = spawn(process.execPath, [...bundle.nodeFlags, bundle.main], {
    // A token is set: the docs must be public all the same.
    env: {
      PATH: process.env.PATH ?? "",
      MOCK_HOST_STATS: "true",
      HOST: "127.0.0.1",
      PORT: "0",
      SYSTEM_PROFILER_AUTH_TOKEN: TOKEN
    },
    stdio: ["ignore", "pipe", "inherit"]
  })
  let output = ""
  service.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  const until = Date.now() + 60_000
  while (!output.includes('"system-profiler listening"') && service.exitCode === null && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50))
  }
  const line = output.split("\n").find((l) => l.includes('"system-profiler listening"'))
  if (line === undefined) throw new Error(`the service did not start:\n${output}`)
  baseUrl = (JSON.parse(line) as { annotations: { address: string } }).annotations.address

  profile = mkdtempSync(join(tmpdir(), "sp-chromium-"))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // No network: no name resolves but the service's address, and anything else goes to a
      // proxy that is not there (loopback is never proxied).
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      "--proxy-server=http://127.0.0.1:9"
    ]
  })
  await context.route("**/*", (route) => {
    const url = route.request().url()
    requested.push(url)
    return url.startsWith(`${baseUrl}/`) ? route.continue() : route.abort("internetdisconnected")
  })
}, 300_000)

afterAll(async () => {
  await context?.close()
  if (service !== undefined && service.exitCode === null) {
    const exited = once(service, "exit")
    service.kill("SIGTERM")
    await exited
  }
  bundle?.remove()
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
})

describe("/docs in Chromium with no network", () => {
  it("has its script in the bundle, beside main.js: the image has no node_modules", () => {
    const shipped = join(bundle.dir, "dist", BUNDLED_SCALAR_FILE)
    assert.isTrue(existsSync(shipped))
    assert.isTrue(readFileSync(shipped).equals(readFileSync(installedScalarModule())))
  })

  it("renders every operation of the API, from this service alone", { timeout: 180_000 }, async () => {
    const page = await context.newPage()
    const errors: Array<string> = []
    page.on("pageerror", (error) => errors.push(String(error)))
    const from = requested.length
    await page.goto(`${baseUrl}/docs`)
    // Scalar replaces the fallback with the reference once it has read /openapi.json: one line
    // per operation, the path on its own.
    const description = "/health, /openapi.json and /docs are public"
    const rendered = (l: ReadonlyArray<string>) =>
      PATHS.every((p) => l.includes(p)) &&
      l.includes(`v${version}`) &&
      l.includes("system-profiler") &&
      l.some((line) => line.includes(description))
    const lines = await waitForText(page, rendered, 120_000)
    assert.notInclude(lines.join("\n"), FALLBACK_TEXT)
    assert.deepStrictEqual(errors, [])
    const urls = requested.slice(from)
    for (const url of urls) assert.isTrue(url.startsWith(`${baseUrl}/`), `the page asked for ${url}`)
    for (const path of ["/docs", "/docs/scalar.js", "/openapi.json"]) assert.include(urls, `${baseUrl}${path}`)
    await page.close()
  })

  it("shows the fallback that links /openapi.json when the script cannot load", { timeout: 120_000 }, async () => {
    const page = await context.newPage()
    await page.route("**/docs/scalar.js", (route) => route.abort("internetdisconnected"))
    await page.goto(`${baseUrl}/docs`)
    const lines = await waitForText(page, (l) => l.some((line) => line.includes("could not load")), 60_000)
    assert.include(lines.join("\n"), FALLBACK_TEXT)
    const link = page.locator('a[href="/openapi.json"]')
    assert.strictEqual(await link.count(), 1)
    assert.isTrue(await link.isVisible())
    await page.close()
  })
})
