// The package as a Next.js app gets it: `npm pack`, installed from the tarball into a copy of
// examples/next-app, whose route handlers and hook are the README's code blocks, built with
// Turbopack and with webpack and started in front of a real profiler (mock mode). It needs the
// npm registry (next, react); with no registry it fails, it never skips.

import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Stats } from "../../src/api/Stats.ts"
import { type Service, startService } from "../support/service.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))
const example = join(root, "examples", "next-app")
const TOKEN = "next-test-token-5f3a"

/** The README's code blocks that open with `// app/<path> — ...`, by path. */
const readmeFiles = (): Map<string, string> => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const files = new Map<string, string>()
  for (const [, code, path] of readme.matchAll(/```tsx?\n(\/\/ (app\/\S+) [^\n]*\n[\s\S]*?)```/g)) {
    files.set(path!, code!)
  }
  return files
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1)

/** Runs a command to its end; its output goes to the test's log only when it fails. */
const run = (what: string, command: string, args: Array<string>, cwd: string, env = process.env): string => {
  const started = performance.now()
  try {
    const output = execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: "pipe", maxBuffer: 64 << 20 })
    console.log(`next.test: ${what}: ${seconds(started)} s`)
    return output
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${what} failed:\n${stdout ?? ""}\n${stderr ?? ""}`)
  }
}

interface NextServer {
  readonly url: string
  readonly output: () => string
  readonly stop: () => Promise<void>
}

const startNext = async (app: string, env: Record<string, string>): Promise<NextServer> => {
  const next = join(app, "node_modules", "next", "dist", "bin", "next")
  const child: ChildProcess = spawn(process.execPath, [next, "start", "-H", "127.0.0.1", "-p", "0"], {
    cwd: app,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? app, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that stopping it stops whatever it forked.
    detached: true
  })
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, "exit")
    process.kill(-child.pid!, "SIGTERM")
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 10_000)
    await exited
    clearTimeout(timer)
  }
  const until = Date.now() + 60_000
  let url: string | undefined
  while (url === undefined && child.exitCode === null && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100))
    if (/Ready in/.test(output)) url = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
  }
  if (url === undefined) {
    await stop()
    throw new Error(`next start did not come up:\n${output}`)
  }
  return { url, output: () => output, stop }
}

/** GET, reading the body until `enough` says so or `maxMs` passed (SSE bodies never end). */
const get = async (url: string, enough: (body: string) => boolean = () => false, maxMs = 15_000) => {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), maxMs)
  let body = ""
  try {
    const response = await fetch(url, { signal: controller.signal })
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    while (!enough(body)) {
      const { done, value } = await reader.read()
      if (done) break
      body += decoder.decode(value, { stream: true })
    }
    controller.abort()
    return { status: response.status, contentType: response.headers.get("content-type") ?? "", body }
  } catch (error) {
    if (!controller.signal.aborted) throw error
    return { status: 0, contentType: "", body }
  } finally {
    clearTimeout(timer)
  }
}

const sseEvents = (body: string) =>
  body
    .split("\n\n")
    .filter((block) => block.trim() !== "" && !block.startsWith(":"))
    .map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1] ?? "message",
      data: block
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice("data: ".length))
        .join("\n")
    }))

describe("the client package in a Next.js app (npm pack, next build, next start)", () => {
  let work = ""
  let app = ""

  beforeAll(() => {
    const started = performance.now()
    work = mkdtempSync(join(tmpdir(), "system-profiler-next-"))
    app = join(work, "app")

    // The app as a web app would have it: no next.config (so no transpilePackages and no bundler
    // root), create-next-app's tsconfig.
    assert.deepStrictEqual(
      readdirSync(example).filter((name) => name.startsWith("next.config")),
      [],
      "examples/next-app must build without a next.config"
    )
    const generated = new Set(["node_modules", ".next", "api", "useLiveStats.ts", "next-env.d.ts"])
    cpSync(example, app, {
      recursive: true,
      filter: (source) => !generated.has(basename(source)) && !source.endsWith(".tgz")
    })
    const files = readmeFiles()
    for (const path of ["app/api/system/route.ts", "app/api/stats/stream/route.ts", "app/useLiveStats.ts"]) {
      const code = files.get(path)
      assert.isDefined(code, `README.md has no code block that starts with "// ${path} — "`)
      mkdirSync(dirname(join(app, path)), { recursive: true })
      writeFileSync(join(app, path), code!)
    }

    // `npm pack` runs the package's prepack (scripts/build-lib.ts) in the repository.
    const packed = JSON.parse(
      run("npm pack", "npm", ["pack", "--json", "--pack-destination", work, "--loglevel=error"], root)
    ) as Array<{ filename: string; files: Array<{ path: string }> }>
    const tarball = join(work, packed[0]!.filename)
    const shipped = packed[0]!.files.map((f) => f.path)
    assert.isTrue(
      shipped.every((path) => ["package.json", "README.md"].includes(path) || path.startsWith("lib/")),
      `the tarball holds more than lib/: ${shipped.join(", ")}`
    )
    assert.isFalse(
      shipped.some((path) => path.endsWith(".ts") && !path.endsWith(".d.ts")),
      "the tarball ships TypeScript sources"
    )

    run(
      "npm install (next, react, the tarball)",
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball],
      app
    )
    const installed = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as {
      dependencies: Record<string, string>
    }
    assert.match(installed.dependencies["system-profiler"] ?? "", /^file:.*\.tgz$/, "installed from the tarball")
    // What the app's bundler and editor read: no .ts suffix in any specifier, .d.ts files included.
    const lib = join(app, "node_modules", "system-profiler", "lib")
    for (const file of readdirSync(lib, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".js") && !file.endsWith(".d.ts")) continue
      const text = readFileSync(join(lib, file), "utf8")
      assert.notMatch(text, /(from\s*|import\(\s*)["']\.\.?\/[^"']*\.ts["']/, `lib/${file} imports a .ts file`)
    }
    console.log(`next.test: prepared in ${seconds(started)} s`)
  }, 600_000)

  afterAll(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true })
  })

  for (const bundler of ["Turbopack", "webpack"] as const) {
    it(`builds with ${bundler}; /api/system and /api/stats/stream answer, and pass failures on`, async () => {
      const build = run(
        `next build (${bundler})`,
        process.execPath,
        [
          join(app, "node_modules", "next", "dist", "bin", "next"),
          "build",
          ...(bundler === "webpack" ? ["--webpack"] : [])
        ],
        app,
        { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }
      )
      assert.include(build, `(${bundler})`, "next build used another bundler")
      assert.isFalse(existsSync(join(app, "next.config.js")) || existsSync(join(app, "next.config.ts")))

      const started = performance.now()
      let profiler: Service | undefined = await startService({ MOCK_HOST_STATS: "true" }, TOKEN)
      const next = await startNext(app, {
        SYSTEM_PROFILER_BASE_URL: profiler.baseUrl,
        SYSTEM_PROFILER_AUTH_TOKEN: TOKEN
      })
      try {
        // The figures, decoded with the contract.
        const system = await get(`${next.url}/api/system`)
        assert.strictEqual(system.status, 200, system.body)
        const stats = Schema.decodeUnknownSync(Stats)(JSON.parse(system.body))
        assert.isFalse("error" in stats.host, "mock host figures")

        // Live snapshots relayed as SSE.
        const stream = await get(`${next.url}/api/stats/stream`, (body) => sseEvents(body).length >= 2)
        assert.strictEqual(stream.status, 200)
        assert.match(stream.contentType, /^text\/event-stream/)
        const events = sseEvents(stream.body)
        assert.isAtLeast(events.length, 2, stream.body)
        for (const event of events) {
          assert.strictEqual(event.event, "message")
          Schema.decodeUnknownSync(Stats)(JSON.parse(event.data))
        }

        // The profiler is down: a 503 naming the base URL, and the stream's error event.
        const port = new URL(profiler.baseUrl).port
        await profiler.stop()
        profiler = undefined
        const down = await get(`${next.url}/api/system`)
        assert.strictEqual(down.status, 503, down.body)
        assert.deepStrictEqual(JSON.parse(down.body), {
          error: `system-profiler unreachable at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`
        })
        const downStream = await get(`${next.url}/api/stats/stream`, (body) => body.includes("event: error"))
        const downEvent = sseEvents(downStream.body).find((e) => e.event === "error")
        assert.deepStrictEqual(JSON.parse(downEvent?.data ?? "null"), {
          _tag: "ProfilerUnreachable",
          error: `system-profiler unreachable at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`
        })

        // Back on the same address with another token: the route's token is refused, and the
        // browser gets the profiler's 401 with its typed body.
        profiler = await startService({ MOCK_HOST_STATS: "true", PORT: port }, "another-token")
        const refused = await get(`${next.url}/api/system`)
        assert.strictEqual(refused.status, 401, refused.body)
        assert.strictEqual(refused.body, `{"error":"Invalid authentication token"}`)
        const refusedStream = await get(`${next.url}/api/stats/stream`, (body) => body.includes("event: error"))
        assert.deepStrictEqual(
          JSON.parse(sseEvents(refusedStream.body).find((e) => e.event === "error")?.data ?? "null"),
          {
            _tag: "Unauthorized",
            error: "Invalid authentication token"
          }
        )

        for (const text of [down.body, downStream.body, refused.body, refusedStream.body, next.output()]) {
          assert.notInclude(text, TOKEN)
        }
        console.log(`next.test: next start and the requests (${bundler}): ${seconds(started)} s`)
      } finally {
        await next.stop()
        await profiler?.stop()
      }
    }, 600_000)
  }
})
