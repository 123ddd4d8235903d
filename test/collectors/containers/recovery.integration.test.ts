// Docker goes away and comes back: the service, as a process, on a dockerd of its own that this
// suite stops and starts (the shared daemon stays untouched). While the daemon is down the
// containers section carries a typed error and /containers answers 503 naming the cause; the
// rest of the service keeps answering; once the daemon is back the next sample recovers.

import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { afterAll, beforeAll } from "vitest"
import { ContainerStats } from "../../../src/api/ContainerStats.ts"
import { CollectorFailure } from "../../../src/api/errors.ts"
import { type Service, startService } from "../../support/service.ts"
import { copyImageTo, docker, ensureDocker, IMAGE, randomToken, waitFor } from "./support/docker.ts"
import { makePrivateDockerd, type PrivateDockerd } from "./support/privateDockerd.ts"

const runId = randomToken(6)
const stackLabel = `sp-test.stack=${runId}`
let dockerd: PrivateDockerd
let service: Service | undefined
let containerId: string

beforeAll(async () => {
  await ensureDocker() // the docker CLI and the busybox image to copy in
  dockerd = makePrivateDockerd()
  const startMs = await dockerd.start()
  console.info(`private dockerd answered ${startMs} ms after its start`)
  await copyImageTo(dockerd.host)
  // --restart always: the daemon starts it again when the daemon itself comes back.
  containerId = await docker(
    [
      "run",
      "-d",
      "--network",
      "none",
      "--name",
      `sp-test-${runId}-survivor`,
      "--label",
      stackLabel,
      "--restart",
      "always",
      "--stop-timeout",
      "2",
      IMAGE,
      "sh",
      "-c",
      "trap 'exit 0' TERM; while :; do sleep 1; done"
    ],
    dockerd.host
  )
})

afterAll(async () => {
  await service?.stop()
  await dockerd?.dispose()
})

describe("the daemon stops and starts again", () => {
  it("503 with the typed cause while it is down, figures again once it is back", async () => {
    service = await startService(
      {
        DOCKER_HOST: dockerd.host,
        SYSTEM_PROFILER_STACK_LABEL: stackLabel,
        SYSTEM_PROFILER_CONTAINERS_INTERVAL: "500ms"
      },
      `token-${randomToken()}`
    )
    const s = service
    const listed = async () => {
      const { status, body } = await s.get("/containers")
      if (status !== 200) return undefined
      const stats = Schema.decodeUnknownSync(ContainerStats)(JSON.parse(body))
      return stats.containers.some((c) => c.id === containerId && c.state === "running") ? stats : undefined
    }
    await waitFor("the container on the private daemon", listed)

    await dockerd.stop()
    const failure = await waitFor("/containers to answer 503", async () => {
      const { status, body } = await s.get("/containers")
      return status === 503 ? Schema.decodeUnknownSync(CollectorFailure)(JSON.parse(body)) : undefined
    })
    assert.strictEqual(failure.collector, "containers")
    assert.strictEqual(failure.reason, "unavailable")
    assert.include(failure.error, dockerd.socketPath)

    // The rest of the service is unaffected, and /stats carries the same typed failure.
    assert.strictEqual((await s.get("/health")).status, 200)
    const stats = await s.get("/stats")
    assert.strictEqual(stats.status, 200)
    const section = (JSON.parse(stats.body) as { containers: unknown }).containers
    assert.strictEqual(Schema.decodeUnknownSync(CollectorFailure)(section).reason, "unavailable")

    const restartMs = await dockerd.start()
    const readyAt = Date.now()
    await waitFor("/containers to recover", listed)
    console.info(
      `private dockerd answered ${restartMs} ms after its restart; /containers recovered ${Date.now() - readyAt} ms later (interval 500 ms)`
    )

    const lines = s
      .output()
      .split("\n")
      .filter((l) => l.includes("containers collector"))
    const failing = lines.findIndex(
      (l) => l.includes("containers collector failing") && l.includes("SourceUnavailable")
    )
    const recovered = lines.findIndex((l) => l.includes("containers collector recovered"))
    assert.isAtLeast(failing, 0, s.output())
    assert.isAbove(recovered, failing, s.output())
  })
})
