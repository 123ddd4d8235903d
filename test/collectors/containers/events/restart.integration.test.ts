// dockerd stops and starts again while containers keep changing (one in a restart loop, one
// restarted by its policy when the daemon comes back, one left stopped, one created after): the
// event stream reconnects and the timeline misses nothing and doubles nothing.
//
// What "nothing" is, is told by the daemon itself: the `docker events` CLI watching until the
// daemon closes its stream, then, after the restart, `docker events --since` from the new
// daemon's start (its buffer holds all of them). The daemon is a private one this suite starts
// and stops by its pid; the shared daemon other suites use is untouched.

import { type ChildProcess, spawn } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { EVENT_ACTIONS } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { copyImageTo, docker, ensureDocker, IMAGE, randomToken, waitFor } from "../support/docker.ts"
import { type EventsUnderTest, startEvents } from "../support/events.ts"
import { makePrivateDockerd, type PrivateDockerd } from "../support/privateDockerd.ts"

const runId = randomToken(6)
const prefix = `sp-test-${runId}-`
const stackLabel = `sp-test.stack=restart-${runId}`
let dockerd: PrivateDockerd
let events: EventsUnderTest | undefined
let watcher: ChildProcess | undefined

beforeAll(async () => {
  await ensureDocker()
  dockerd = makePrivateDockerd()
  await dockerd.start()
  await copyImageTo(dockerd.host)
})

afterAll(async () => {
  watcher?.kill()
  await events?.dispose()
  await dockerd?.dispose()
})

const kept: ReadonlySet<string> = new Set(EVENT_ACTIONS)

/** `timeNano id action` of each line of `docker events --format '{{json .}}'` that the service keeps. */
const keysOf = (text: string): Array<string> =>
  text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      // The exact nanoseconds: JSON.parse would round them.
      const nanos = /"timeNano":(\d+)/.exec(line)?.[1]
      const parsed = JSON.parse(line) as { Action: string; Actor: { ID: string } }
      const [head = "", status] = parsed.Action.split(": ")
      if (nanos === undefined || !kept.has(head)) return []
      return [`${nanos} ${parsed.Actor.ID} ${head}${status === undefined ? "" : ` ${status}`}`]
    })

const run = (name: string, ...args: ReadonlyArray<string>) =>
  docker(["run", "-d", "--name", `${prefix}${name}`, "--network", "none", "--label", stackLabel, ...args], dockerd.host)

describe("dockerd restarts while containers change", () => {
  it("the stream reconnects and the timeline has every event the daemon logged, once", {
    timeout: 240_000
  }, async () => {
    const filters = ["--filter", `label=${stackLabel}`, "--filter", "type=container"]
    const began = Math.floor(Date.now() / 1000) - 1
    events = await startEvents({
      dockerHost: dockerd.host,
      stackLabel,
      options: { backoffBase: "100 millis", backoffCap: "2 seconds" }
    })
    const e = events
    await waitFor("the event stream to open", async () => ((await e.status()).connected ? true : undefined))
    // The reference before the restart: the CLI from the start (`since` replays what it subscribed
    // too late for), until the daemon hangs up.
    let before = ""
    const cli = spawn(
      "docker",
      ["-H", dockerd.host, "events", ...filters, "--since", String(began), "--format", "{{json .}}"],
      {
        stdio: ["ignore", "pipe", "ignore"]
      }
    )
    watcher = cli
    cli.stdout?.on("data", (d: Buffer) => (before += d.toString()))
    const cliEnded = new Promise((resolve) => cli.once("exit", resolve))
    const name = (n: string) => `${prefix}${n}`
    const count = async (n: string, action: string) =>
      (await e.timeline()).filter((ev) => ev.name === name(n) && ev.action === action).length

    await run("loop", "--restart", "always", "--stop-timeout", "1", IMAGE, "sh", "-c", "sleep 0.3; exit 1")
    await run("steady", "--restart", "always", IMAGE, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    await run("plain", IMAGE, "sh", "-c", "trap 'exit 5' TERM; while :; do sleep 1; done")
    await waitFor("the loop to restart twice", async () => ((await count("loop", "die")) >= 2 ? true : undefined))

    await dockerd.stop()
    await cliEnded
    await waitFor("the stream to be down", async () => (!(await e.status()).connected ? true : undefined))
    const downSince = Date.now()
    // Stopping, the daemon stopped every container: `plain` said why, and it stays stopped.
    const plainDie = (await e.timeline()).find((ev) => ev.name === name("plain") && ev.action === "die")
    assert.strictEqual(plainDie?.exitCode, 5)

    const restartedAt = Math.floor(Date.now() / 1000)
    await dockerd.start()
    // Logged by the new daemon before the service could reconnect: only `since` brings them.
    await waitFor("steady started again", async () => ((await count("steady", "start")) >= 2 ? true : undefined))
    const status = await e.status()
    assert.isTrue(status.connected)
    assert.isAtLeast(status.connections, 2)
    console.info(`stream resumed ${Date.now() - downSince} ms after it went down (daemon restart included)`)

    await run("after", IMAGE, "sh", "-c", "exit 7")
    await waitFor("the new container's exit", async () => ((await count("after", "die")) >= 1 ? true : undefined))
    // The loop goes on, under the new daemon.
    const loopBefore = await count("loop", "start")
    await waitFor("the loop to go on", async () => ((await count("loop", "start")) > loopBefore ? true : undefined))

    const after = await docker(
      [
        "events",
        ...filters,
        "--since",
        String(restartedAt - 1),
        "--until",
        String(Math.ceil(Date.now() / 1000) + 1),
        "--format",
        "{{json .}}"
      ],
      dockerd.host
    )
    const timeline = (await e.timeline()).map(
      (ev) => `${ev.timeNano} ${ev.id} ${ev.action}${ev.health === null ? "" : ` ${ev.health}`}`
    )
    const reference = [...new Set([...keysOf(before), ...keysOf(after)])]
    // The timeline ends later than the reference (the loop goes on): compare up to the reference's end.
    const end = reference.reduce((max, k) => (BigInt(k.split(" ")[0]!) > max ? BigInt(k.split(" ")[0]!) : max), 0n)
    const upToEnd = timeline.filter((k) => BigInt(k.split(" ")[0]!) <= end)
    assert.strictEqual(new Set(timeline).size, timeline.length, "an event was recorded twice")
    assert.deepStrictEqual([...upToEnd].sort(), [...reference].sort())
    console.info(`${reference.length} events around the restart, all in the timeline once`)
  })
})
