// ContainerEvents against the real dockerd: busybox containers labelled with this run's stack
// label (and secrets in labels and env that must appear nowhere), each removed afterwards. The
// time from `docker` returning to the event reaching `changes` is printed, never asserted.

import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import type { ContainerEvent } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { docker, ensureDocker, IMAGE, inspectField, randomToken, removeByPrefix, waitFor } from "../support/docker.ts"
import { asText, type EventsUnderTest, startEvents } from "../support/events.ts"

const runId = randomToken(6)
const prefix = `sp-test-${runId}-`
const stackLabel = `sp-test.stack=events-${runId}`
const secrets = Array.from({ length: 3 }, () => `secret-${randomToken()}`)
let events: EventsUnderTest

beforeAll(async () => {
  await ensureDocker()
  events = await startEvents({ dockerHost: "unix:///var/run/docker.sock", stackLabel })
  await waitFor("the event stream to open", async () => ((await events.status()).connected ? true : undefined))
})

afterAll(async () => {
  await events?.dispose()
  await removeByPrefix(prefix)
})

/**
 * The first event of `name` with `action` among the arrivals from index `from` on; prints how
 * long after `returnedAt` (when the docker command that caused it returned) it came. Negative
 * when the daemon logged it before answering the CLI.
 */
const arrival = async (name: string, action: ContainerEvent["action"], from: number, returnedAt?: number) => {
  const found = await waitFor(`${action} of ${name}`, async () =>
    events.arrivals.slice(from).find((a) => a.event.name === name && a.event.action === action)
  )
  if (returnedAt !== undefined) {
    console.info(`${action} of ${name}: reached changes ${found.at - returnedAt} ms after docker returned`)
  }
  return found.event
}

const labelled = (name: string) => [
  "--name",
  name,
  "--network",
  "none",
  "--label",
  stackLabel,
  "--label",
  `app.api-key=${secrets[0]}`,
  "--label",
  `${secrets[1]}=x`,
  "-e",
  `TOKEN=${secrets[2]}`,
  "--stop-timeout",
  "10"
]

describe("events from the real dockerd", () => {
  it("a container started, stopped, started, killed and removed: each event, with its exit code and signal", async () => {
    const name = `${prefix}life`
    const before = events.arrivals.length
    await docker([
      "run",
      "-d",
      ...labelled(name),
      "--health-cmd",
      "true",
      "--health-interval",
      "1s",
      IMAGE,
      "sh",
      "-c",
      "trap 'exit 3' TERM; while :; do sleep 1; done"
    ])
    await arrival(name, "start", before, Date.now())
    await arrival(name, "health_status", before)

    const stopAt = events.arrivals.length
    await docker(["stop", name])
    let returned = Date.now()
    const stopped = await arrival(name, "die", stopAt, returned)
    assert.strictEqual(stopped.exitCode, 3) // the trap's exit, not a kill
    assert.strictEqual((await arrival(name, "kill", stopAt, returned)).signal, 15)
    await arrival(name, "stop", stopAt, returned)

    const startAt = events.arrivals.length
    await docker(["start", name])
    await arrival(name, "start", startAt, Date.now())

    const killAt = events.arrivals.length
    await docker(["kill", name])
    returned = Date.now()
    assert.strictEqual((await arrival(name, "kill", killAt, returned)).signal, 9)
    const killed = await arrival(name, "die", killAt, returned)
    assert.deepStrictEqual([killed.exitCode, killed.oomKilled], [137, false])

    const rmAt = events.arrivals.length
    await docker(["rm", name])
    await arrival(name, "destroy", rmAt, Date.now())

    const timeline = (await events.timeline()).filter((e) => e.name === name)
    // The healthcheck reports a change of status only: healthy after each start, if it gets that far.
    assert.strictEqual(timeline.find((e) => e.action === "health_status")?.health, "healthy")
    assert.deepStrictEqual(
      timeline.filter((e) => e.action !== "health_status").map((e) => [e.action, e.exitCode ?? e.signal]),
      [
        ["create", null],
        ["start", null],
        ["kill", 15],
        ["die", 3],
        ["stop", null],
        ["start", null],
        ["kill", 9],
        ["die", 137],
        ["destroy", null]
      ]
    )
    // Each event once, in `changes` as in the timeline.
    assert.deepStrictEqual(
      events.arrivals.filter((a) => a.event.name === name).map((a) => a.event),
      timeline
    )
    const loop = (await events.crashLoops()).get(name)
    assert.deepStrictEqual(
      [loop?.restarts, loop?.exits, loop?.lastExitCode, loop?.lastExitOomKilled],
      [1, 2, 137, false]
    )
  })

  it("a container past its --memory 8m: an oom event, then die 137, OOMKilled in inspect", async () => {
    const name = `${prefix}oom`
    const before = events.arrivals.length
    // Runs in the foreground: docker returns once the container has exited.
    await docker([
      "run",
      ...labelled(name),
      "--memory",
      "8m",
      "--memory-swap",
      "8m",
      IMAGE,
      "sh",
      "-c",
      'x=$(head -c 50000000 /dev/zero | tr "\\0" a); sleep 1'
    ]).catch(() => undefined) // the CLI exits 137 with the container
    const returned = Date.now()
    await arrival(name, "oom", before, returned)
    const died = await arrival(name, "die", before, returned)
    assert.deepStrictEqual([died.exitCode, died.oomKilled], [137, true])
    assert.strictEqual(await inspectField(name, "{{.State.OOMKilled}} {{.State.ExitCode}}"), "true 137")
    const loop = (await events.crashLoops()).get(name)
    // The kernel may kill more than one process of the pipeline: one oom event each.
    assert.isAtLeast(loop?.oomEvents ?? 0, 1)
    assert.deepStrictEqual([loop?.lastExitCode, loop?.lastExitOomKilled], [137, true])
    await docker(["rm", name])
  })

  it("the labels and env of the containers appear nowhere: changes, timeline, status, logs", async () => {
    assert.isAbove(events.arrivals.length, 0)
    const everything = asText({
      arrivals: events.arrivals,
      timeline: await events.timeline(),
      status: await events.status(),
      logs: events.logs,
      loops: [...(await events.crashLoops()).values()]
    })
    for (const secret of secrets) assert.notInclude(everything, secret)
    assert.notInclude(everything, "api-key")
  })
})
