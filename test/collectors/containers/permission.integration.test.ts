// A Docker socket the service may not open: the section says permission-denied and names the
// socket, the service keeps running. The socket here is a plain listener with mode 000, which
// refuses the service whether it runs as root or not: as root, the test asks it to switch to an
// unprivileged user at start (SYSTEM_PROFILER_RUN_AS, as the image does), since root opens any socket.

import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs"
import net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { afterAll } from "vitest"
import { CollectorFailure } from "../../../src/api/errors.ts"
import { type Service, startService } from "../../support/service.ts"
import { randomToken, waitFor } from "./support/docker.ts"

const dir = mkdtempSync(join(tmpdir(), "sp-perm-"))
const socketPath = join(dir, "docker.sock")
const server = net.createServer((socket) => socket.destroy())
let service: Service | undefined

afterAll(async () => {
  await service?.stop()
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe("a socket the service may not open", () => {
  it("answers 503 permission-denied naming the socket, and keeps serving", async () => {
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    chmodSync(dir, 0o755)
    chmodSync(socketPath, 0o000)
    // A group of its own, as the docker package gives the socket: a socket in group 0 is refused
    // at start when the service drops root (privileges.ts), which is not what this test is about.
    if (process.getuid?.() === 0) chownSync(socketPath, 0, 4242)
    service = await startService(
      {
        DOCKER_HOST: `unix://${socketPath}`,
        SYSTEM_PROFILER_CONTAINERS_INTERVAL: "500ms",
        ...(process.getuid?.() === 0 ? { SYSTEM_PROFILER_RUN_AS: "1000:1000" } : {})
      },
      `token-${randomToken()}`
    )
    const s = service
    const failure = await waitFor("/containers to answer 503", async () => {
      const { status, body } = await s.get("/containers")
      return status === 503 ? Schema.decodeUnknownSync(CollectorFailure)(JSON.parse(body)) : undefined
    })
    assert.strictEqual(failure.reason, "permission-denied")
    assert.include(failure.error, socketPath)
    assert.strictEqual((await s.get("/health")).status, 200)
  })
})
