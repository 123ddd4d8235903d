// The Docker check against the fake daemon of the containers suite (a real HTTP server on a unix
// socket and on loopback), and against sockets that are missing, refused or not sockets at all.
// A socket this process may not open needs a non-root user: test/doctor/cli.test.ts covers it.
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DockerEndpoint } from "../../src/config/dockerHost.ts"
import { checkDocker } from "../../src/doctor/docker.ts"
import { type FakeDocker, makeFakeDocker } from "../collectors/containers/support/fakeDocker.ts"
import { refusingPort } from "../support/ports.ts"
import { inputFor, tempTree } from "./support.ts"

let fake: FakeDocker
beforeEach(async () => {
  fake = await makeFakeDocker()
})
afterEach(async () => {
  await fake.close()
})

const unix = (socketPath: string): DockerEndpoint => ({ _tag: "unix", socketPath })

const check = (docker: DockerEndpoint) =>
  Effect.flatMap(tempTree(), (dir) => checkDocker(inputFor(dir, undefined, { docker })))

describe("docker", () => {
  it.live("ok when GET /version answers on the socket", () =>
    Effect.gen(function* () {
      const found = yield* check(unix(fake.socketPath))
      expect(found).toEqual({
        status: "ok",
        finding: `the Docker daemon at unix://${fake.socketPath} answers GET /version (API 1.41)`,
        fix: null
      })
      expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /version"])
    })
  )

  it.live("warns on an API older than 1.41, without one-shot stats", () =>
    Effect.gen(function* () {
      fake.apiVersion = "1.40"
      const found = yield* check(unix(fake.socketPath))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("1.40")
    })
  )

  it.live("fails on an API version it cannot speak", () =>
    Effect.gen(function* () {
      fake.apiVersion = "v2"
      expect((yield* check(unix(fake.socketPath))).status).toBe("fail")
    })
  )

  it.live("fails without a socket, naming the mount to add", () =>
    Effect.gen(function* () {
      const found = yield* check(unix("/nonexistent/docker.sock"))
      expect(found.status).toBe("fail")
      expect(found.finding).toBe("no Docker socket at /nonexistent/docker.sock")
      expect(found.fix).toContain("/var/run/docker.sock:/var/run/docker.sock:ro")
    })
  )

  it.live("fails on a directory where the socket should be (a bind mount of a missing host path)", () =>
    Effect.gen(function* () {
      const dir = yield* tempTree()
      fs.mkdirSync(path.join(dir, "docker.sock"))
      const found = yield* check(unix(path.join(dir, "docker.sock")))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("is a directory, not a socket")
    })
  )

  it.live("fails when a socket proxy refuses, naming what it must allow", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(() => fake.listenTcp())
      fake.mode = 403
      const found = yield* check({ _tag: "tcp", host: "127.0.0.1", port })
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("HTTP 403")
      expect(found.fix).toContain("VERSION=1")
    })
  )

  it.live("fails when nothing listens, naming the proxy to start", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(refusingPort)
      const found = yield* check({ _tag: "tcp", host: "127.0.0.1", port })
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("refused the connection")
      expect(found.fix).toContain("start the socket proxy")
    })
  )
})
