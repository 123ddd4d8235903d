// What the README and the compose files' comments claim, held to what the files and the service
// do: the cloudflared metrics port, the healthcheck command, and what mock mode reads.
// docker-compose must be installed (scripts/ensure-test-tools.sh): without it these fail.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HttpClient } from "effect/http"
import { ContainerStats } from "../src/api/ContainerStats.ts"
import { mustConfig, PROFILER, ROOT } from "./container/compose.ts"
import { serveApp, TOKEN } from "./foundation/harness.ts"

const read = (file: string) => readFileSync(join(ROOT, file), "utf8")
const readme = read("README.md")
const composeFiles = ["docker-compose.yml", "docker-compose.override.yml", "docker-compose.prod.yml"] as const

// cloudflared's documented default: the first free port of 20241-20245, on 0.0.0.0 in a container
// (developers.cloudflare.com, Cloudflare Tunnel, "Metrics").
const CLOUDFLARED_DEFAULT_METRICS_PORT = "20241"

describe("the cloudflared metrics port", () => {
  it("is the one the compose file pins, the comment probes and the README names", () => {
    const { services } = mustConfig(["docker-compose.yml"], {})
    const command = services.cloudflared?.command
    const line = Array.isArray(command) ? command.join(" ") : String(command)
    const pinned = /--metrics 0\.0\.0\.0:(\d+)/.exec(line)?.[1]
    assert.strictEqual(pinned, CLOUDFLARED_DEFAULT_METRICS_PORT, line)
    const mentioned = [read("docker-compose.yml"), readme].flatMap((text) =>
      [...text.matchAll(/cloudflared:(\d+)|--metrics 0\.0\.0\.0:(\d+)/g)].map((m) => m[1] ?? m[2])
    )
    assert.isAtLeast(mentioned.length, 4)
    for (const port of mentioned) assert.strictEqual(port, pinned)
  })
})

describe("the healthcheck command", () => {
  it("is the Dockerfile's HEALTHCHECK wherever the README or a compose file names it", () => {
    const cmd = /^HEALTHCHECK .* CMD (\[.*\])\s*$/m.exec(read("Dockerfile"))?.[1]
    assert.isDefined(cmd)
    const command = (JSON.parse(cmd!) as Array<string>).join(" ")
    assert.strictEqual(command, "node dist/healthcheck.js")
    // scripts/build.ts makes dist/healthcheck.js from this entry (test/pi/arm64.test.ts runs it).
    assert.match(read("scripts/build.ts"), /healthcheck: `\$\{root\}src\/healthcheck\.ts`/)
    const named = [readme, ...composeFiles.map(read)].flatMap((text) =>
      [...text.matchAll(/node \S*healthcheck\.(?:js|ts)/g)].map((m) => m[0])
    )
    assert.isAtLeast(named.length, 2)
    for (const name of named) assert.strictEqual(name, command)
  })
})

describe("the Dockerfile", () => {
  it("names no architecture outside its comments, so that it builds for linux/arm64 and linux/amd64", () => {
    const instructions = read("Dockerfile")
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("#"))
      .join("\n")
    assert.notMatch(instructions, /amd64|x86[-_]64|\bx64\b|arm64|aarch64|armv\d|--platform|TARGETARCH|BUILDPLATFORM/i)
    // The base is multi-platform: an official image by default, replaceable as a whole.
    assert.match(instructions, /^ARG NODE_IMAGE=node:24-alpine$/m)
  })
})

describe("the dev override", () => {
  it("promises mock figures only, and mounts nothing that mock mode would not read", () => {
    const override = read("docker-compose.override.yml")
    assert.notMatch(override, /real containers/i)
    assert.match(override, /mocks every collector: the host, the containers and the probes alike/)
    const { services } = mustConfig([], {})
    // The stored history's named volume (docker-compose.yml) is the only mount: no host path,
    // no Docker socket.
    const volumes = services[PROFILER]?.volumes ?? []
    assert.deepStrictEqual(volumes, ["system-profiler-data:/data:rw"])
  })
})

// What the override's comment now says: in mock mode the containers are the mock's, even where a
// Docker daemon could be asked.
layer(
  serveApp({
    MOCK_HOST_STATS: "true",
    SYSTEM_PROFILER_AUTH_TOKEN: TOKEN,
    DOCKER_HOST: "unix:///nonexistent/docker.sock"
  })
)("mock mode", (it) => {
  it.effect("serves the mock containers and never asks Docker", () =>
    Effect.gen(function* () {
      const http = yield* HttpClient.HttpClient
      const response = yield* http.get("/containers", { headers: { "x-profiler-token": TOKEN } })
      assert.strictEqual(response.status, 200)
      const containers = Schema.decodeUnknownSync(ContainerStats)(yield* response.json)
      assert.include(
        containers.containers.map((c) => c.name),
        "pi-site-web-1"
      )
    })
  )
})
