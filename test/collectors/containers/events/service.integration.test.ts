// The running service (`node src/main.ts`) against the real dockerd: Docker's events drive the
// containers section, and what the limits do to a container shows in /containers and /metrics.
// Every container is busybox with `--network none`, a name prefix and a stack label unique to
// this run, and is removed afterwards. Without Docker the suite fails (ensureDocker), never skips.
//
// Two service processes: one polls the containers every hour, so that anything it shows within
// seconds of a change came through the event stream; the other polls every second, for figures
// that move on their own (throttling). Latencies from `docker` returning to the change arriving on
// /stats/stream are printed; only their arrival is asserted, with a generous bound.

import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { afterAll, beforeAll } from "vitest"
import type { ContainerInfo, ContainerStats } from "../../../../src/api/ContainerStats.ts"
import { Timeline } from "../../../../src/api/Events.ts"
import { type Service, startService } from "../../../support/service.ts"
import { docker, ensureDocker, IMAGE, inspectField, randomToken, removeByPrefix, waitFor } from "../support/docker.ts"

const runId = randomToken(6)
const prefix = `sp-test-${runId}-`
const stackLabel = `sp-test.stack=wire-${runId}`
const project = `sp-${runId}`
const secrets = Array.from({ length: 4 }, () => `secret-${randomToken()}`)
// Arrival is asserted within this; the goal (1 s) is what the printed latencies are read against.
const GENEROUS_MS = 10_000

let events: Service | undefined
let depth: Service | undefined

interface Frame {
  readonly at: number
  readonly containers: ContainerStats | undefined
  readonly text: string
}

/** Every snapshot /stats/stream sends, with when it arrived (Date.now()). */
const watchStream = (service: Service) => {
  const frames: Array<Frame> = []
  const controller = new AbortController()
  let buffer = ""
  const done = (async () => {
    const response = await fetch(`${service.baseUrl}/stats/stream`, {
      headers: { "x-profiler-token": service.token },
      signal: controller.signal
    })
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        // Snapshots only: a named event (`event: alert`) carries something else.
        if (block.split("\n").some((l) => l.startsWith("event:"))) continue
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart())
          .join("\n")
        if (data === "") continue
        const stats = JSON.parse(data) as { containers: ContainerStats | { collector: string } }
        frames.push({
          at: Date.now(),
          containers: "collector" in stats.containers ? undefined : stats.containers,
          text: data
        })
      }
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) throw error
  })
  return { frames, stop: () => controller.abort(), done }
}

type Watch = ReturnType<typeof watchStream>
let eventsStream: Watch | undefined
let depthStream: Watch | undefined

const byName = (frame: Frame, name: string): ContainerInfo | undefined =>
  frame.containers?.containers.find((c) => c.name === name)

/**
 * Runs a docker command and waits for the first frame after it began that satisfies `check`;
 * prints how long after the command returned that frame arrived (negative: before it returned).
 */
const timed = async (watch: Watch, what: string, command: () => Promise<unknown>, check: (frame: Frame) => boolean) => {
  const began = Date.now()
  await command()
  const returned = Date.now()
  const frame = await waitFor(
    `${what} on /stats/stream`,
    async () => watch.frames.find((f) => f.at >= began && check(f)),
    GENEROUS_MS,
    20
  )
  console.info(`${what}: on /stats/stream ${frame.at - returned} ms after docker returned`)
  return frame
}

const run = (name: string, args: ReadonlyArray<string>, command: ReadonlyArray<string>, detach = true) =>
  docker([
    "run",
    ...(detach ? ["-d"] : []),
    "--name",
    `${prefix}${name}`,
    "--network",
    "none",
    "--label",
    stackLabel,
    ...args,
    IMAGE,
    ...command
  ])

beforeAll(async () => {
  await ensureDocker()
  const env = {
    SYSTEM_PROFILER_STACK_LABEL: stackLabel,
    SYSTEM_PROFILER_EXPECTED_SERVICES: `${project}/never-created`
  }
  events = await startService(
    { ...env, SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1h", SYSTEM_PROFILER_HOST_INTERVAL: "1h" },
    `token-${randomToken()}`
  )
  depth = await startService({ ...env, SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1s" }, `token-${randomToken()}`)
  eventsStream = watchStream(events)
  depthStream = watchStream(depth)
  const e = events
  await waitFor("the event stream to be subscribed", async () =>
    e.output().includes('"docker events subscribed"') ? true : undefined
  )
  // The secret-holding container runs through every test, in both services' view.
  await run(
    "secret",
    [
      "--label",
      `sp-test.note=${secrets[0]}`,
      "--label",
      `${secrets[1]}=x`,
      "-e",
      `TOKEN=${secrets[2]}`,
      "--label",
      `com.docker.compose.project=${project}`,
      "--label",
      "com.docker.compose.service=secret"
    ],
    ["sh", "-c", `echo ${secrets[3]} >/dev/null; exec sleep 3600`]
  )
})

afterAll(async () => {
  eventsStream?.stop()
  depthStream?.stop()
  await events?.stop()
  await depth?.stop()
  await removeByPrefix(prefix)
})

const timelineOf = async (service: Service, name: string) => {
  const { status, body } = await service.get("/events?window=1h")
  assert.strictEqual(status, 200)
  return Schema.decodeUnknownSync(Timeline)(JSON.parse(body)).events.filter((e) => e.name === name)
}

describe("Docker events drive the containers section (containers polled hourly)", () => {
  it("start, stop, start, kill and rm each reach /stats/stream, and /events has each with its exit code", {
    timeout: 120_000
  }, async () => {
    const s = eventsStream!
    const name = `${prefix}life`
    const compose = ["--label", `com.docker.compose.project=${project}`, "--label", "com.docker.compose.service=life"]
    const life = () =>
      run("life", [...compose, "--stop-timeout", "10"], ["sh", "-c", "trap 'exit 3' TERM; while :; do sleep 1; done"])
    await timed(s, "docker run", life, (f) => byName(f, name)?.state === "running")

    const stopped = await timed(
      s,
      "docker stop",
      () => docker(["stop", name]),
      (f) => byName(f, name)?.state === "exited"
    )
    assert.deepStrictEqual([byName(stopped, name)!.exitCode, byName(stopped, name)!.oomKilled], [3, false])

    await timed(
      s,
      "docker start",
      () => docker(["start", name]),
      (f) => byName(f, name)?.state === "running"
    )

    const killed = await timed(
      s,
      "docker kill",
      () => docker(["kill", name]),
      (f) => byName(f, name)?.state === "exited"
    )
    const info = byName(killed, name)!
    assert.strictEqual(info.exitCode, 137)
    // The crash-loop facts came with it: one restart (the start after the stop), two exits.
    assert.deepStrictEqual([info.crashLoop?.restarts, info.crashLoop?.exits, info.crashLoop?.lastExitCode], [1, 2, 137])
    assert.deepStrictEqual([info.composeProject, info.composeService], [project, "life"])

    const removed = await timed(
      s,
      "docker rm",
      () => docker(["rm", name]),
      (f) => f.containers !== undefined && byName(f, name) === undefined
    )
    // Its service has no container now: missing, with when it was last seen; so is the expected one.
    assert.includeDeepMembers(
      removed.containers!.missing.map((m) => [m.project, m.service, m.lastSeenAt !== null]),
      [
        [project, "life", true],
        [project, "never-created", false]
      ]
    )

    const timeline = await timelineOf(events!, name)
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
  })

  it("--memory 8m allocating past it: the OOM kill counted, OOMKilled true, an oom event in /events", {
    timeout: 120_000
  }, async () => {
    const s = eventsStream!
    const name = `${prefix}oom`
    // A subshell allocates past the limit and is OOM-killed; the container lives on a few seconds
    // (so its cgroup can be read), then exits 0: Docker still reports the run as OOM-killed.
    const counted = await timed(
      s,
      "docker run (OOM kill inside)",
      () =>
        run(
          "oom",
          ["--memory", "8m", "--memory-swap", "8m"],
          ["sh", "-c", '(x=$(head -c 50000000 /dev/zero | tr "\\0" a)); sleep 4']
        ),
      (f) => (byName(f, name)?.oomKills ?? 0) >= 1
    )
    assert.strictEqual(byName(counted, name)!.limits?.memoryBytes, 8 * 1024 * 1024)
    const exited = await waitFor("the OOM-killed run's exit on /stats/stream", async () =>
      s.frames.find((f) => f.at >= counted.at && byName(f, name)?.state === "exited")
    )
    const info = byName(exited, name)!
    assert.isTrue(info.oomKilled)
    assert.strictEqual(await inspectField(name, "{{.State.OOMKilled}}"), "true")
    // The kernel may kill more than one process of the pipeline: one oom event each.
    assert.isAtLeast(info.crashLoop?.oomEvents ?? 0, 1)
    assert.isTrue(info.crashLoop?.lastExitOomKilled)
    const timeline = await timelineOf(events!, name)
    assert.isTrue(timeline.some((e) => e.action === "oom"))
    assert.deepStrictEqual(
      timeline.filter((e) => e.action === "die").map((e) => e.oomKilled),
      [true]
    )
  })
})

describe("what the limits do to a container (containers polled every second)", () => {
  it("--cpus 0.2 burning CPU: throttled periods grow, and it uses about all of its limit", {
    timeout: 120_000
  }, async () => {
    const s = depthStream!
    const name = `${prefix}cpu`
    const first = await timed(
      s,
      "docker run --cpus 0.2",
      () => run("cpu", ["--cpus", "0.2"], ["sh", "-c", "while :; do :; done"]),
      (f) => byName(f, name)?.throttling != null
    )
    const before = byName(first, name)!.throttling!.throttledPeriods
    assert.strictEqual(byName(first, name)!.limits?.cpus, 0.2)
    // The machine is shared: wait for a sample where the loop got its share, and print it.
    const busy = await waitFor(
      "a sample with throttling grown and the CPU share of the limit near 100 %",
      async () => {
        const info = depthStream!.frames.map((f) => byName(f, name)).findLast((c) => c?.cpuLimitPercent != null)
        const share = info?.cpuLimitPercent ?? 0
        return info !== undefined && info.throttling!.throttledPeriods > before && share >= 60 && share <= 140
          ? info
          : undefined
      },
      60_000
    )
    console.info(
      `--cpus 0.2: ${busy.cpuPercent} % of a core, ${busy.cpuLimitPercent} % of its limit; throttled ${busy.throttling!.throttledPeriods} of ${busy.throttling!.periods} periods, ${busy.throttling!.throttledSeconds} s`
    )
    const metrics = (await depth!.get("/metrics")).body
    assert.match(metrics, new RegExp(`system_profiler_container_cpu_limit_cores\\{container="${name}"\\} 0\\.2\\n`))
    assert.match(
      metrics,
      new RegExp(`system_profiler_container_cpu_throttled_periods_total\\{container="${name}"\\} [1-9]`)
    )
    assert.match(metrics, new RegExp(`system_profiler_container_cpu_throttled_seconds_total\\{container="${name}"\\} `))
    await docker(["rm", "-f", name])
  })

  it("--pids-limit 20: the limit and the tasks shown, in /containers and /metrics", async () => {
    const name = `${prefix}pids`
    await run("pids", ["--pids-limit", "20"], ["sleep", "3600"])
    const info = await waitFor("the pids-limited container", async () => {
      const { status, body } = await depth!.get("/containers")
      if (status !== 200) return undefined
      const c = (JSON.parse(body) as ContainerStats).containers.find((x) => x.name === name)
      return c?.pids != null ? c : undefined
    })
    assert.strictEqual(info.limits?.pids, 20)
    assert.isAtLeast(info.pids!, 1)
    const metrics = (await depth!.get("/metrics")).body
    assert.include(metrics, `system_profiler_container_pids_limit{container="${name}"} 20\n`)
    assert.match(metrics, new RegExp(`system_profiler_container_pids\\{container="${name}"\\} [1-9]`))
    await docker(["rm", "-f", name])
  })
})

describe("secrets in a container's labels, env and command", () => {
  it("appear in no route, stream event, /events, /metrics or log line of either service", {
    timeout: 60_000
  }, async () => {
    const name = `${prefix}secret`
    // Make it show in the event timeline too: its labels ride on every event's attributes.
    await docker(["kill", "--signal", "WINCH", name])
    await waitFor("the secret container's kill event in /events", async () =>
      (await timelineOf(events!, name)).some((e) => e.action === "kill") ? true : undefined
    )
    for (const service of [events!, depth!]) {
      const openapi = JSON.parse((await service.get("/openapi.json")).body) as { paths: Record<string, unknown> }
      const paths = [
        ...new Set([...Object.keys(openapi.paths).filter((p) => !p.includes("{")), "/metrics", "/events?window=24h"])
      ]
      const bodies: Array<string> = []
      for (const path of paths) {
        const { status, body } = await service.get(path, { maxMs: 2_500 })
        assert.notStrictEqual(status, 0, path)
        bodies.push(body)
      }
      const everything = bodies.join("\n")
      assert.include(everything, name) // the container really was in what was checked
      for (const secret of secrets) assert.notInclude(everything, secret)
    }
    const streamed = [...eventsStream!.frames, ...depthStream!.frames].map((f) => f.text).join("\n")
    assert.include(streamed, name)
    for (const secret of secrets) assert.notInclude(streamed, secret)
    for (const secret of secrets) {
      assert.notInclude(events!.output(), secret)
      assert.notInclude(depth!.output(), secret)
    }
  })
})
