// What Docker's event stream costs and what it buys (issue 16), on the local dockerd:
//
// 1. Idle CPU of the container sampling with and without the event stream: the Sampler over the
//    live collector in this process, 10 idle labelled containers polled every 10 s, each mode for
//    --idle-seconds, alternated over --rounds rounds; CPU seconds per minute of this process and
//    the containers reads made (medians over the rounds, each round printed). At idle the stream
//    is one open connection that carries nothing.
// 2. Change-to-stream latency: the service (`node src/main.ts`) with the containers polled hourly,
//    so every change it shows came through the events; `docker stop`, `start` and `kill` of one
//    container, --cycles times, from the command returning to /stats/stream showing the change.
// 3. A container restarting in a tight loop (`--restart always`, exits at once) for
//    --storm-seconds: how many events the daemon logged and how many snapshots that cost.
//
//   source scripts/node-env.sh && node bench/containers.ts --events [--idle-seconds 60] [--rounds 2] [--cycles 10]
//   ... --smoke    # a few seconds of each, what test/bench-events-smoke.test.ts runs
//
// Containers are busybox, --network none, named sp-evbench-<random>-*, removed at the end. It
// prints figures and never judges them.

import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { Effect, Fiber, Layer, Logger, ManagedRuntime, Result, Stream } from "effect"
import { ContainerCollector } from "../src/collectors/containers/ContainerCollector.ts"
import { ContainerEvents } from "../src/collectors/containers/events/ContainerEvents.ts"
import { EventStore } from "../src/collectors/containers/events/EventStore.ts"
import { HostCollector } from "../src/collectors/host/HostCollector.ts"
import { ServiceCollector } from "../src/collectors/services/ServiceCollector.ts"
import { layerTest } from "../src/config/AppConfig.ts"
import { Sampler } from "../src/sampling/Sampler.ts"
import { startService } from "../test/support/service.ts"
import { sh } from "./shell.ts"

const IMAGE = process.env.BUSYBOX_IMAGE ?? "system-profiler/busybox:latest"
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  const value = i === -1 ? Number.NaN : Number(process.argv[i + 1])
  return Number.isFinite(value) && value > 0 ? value : fallback
}
const smoke = process.argv.includes("--smoke")
const IDLE_SECONDS = arg("idle-seconds", smoke ? 3 : 60)
const ROUNDS = arg("rounds", smoke ? 1 : 2)
const CYCLES = arg("cycles", smoke ? 2 : 10)
const STORM_SECONDS = arg("storm-seconds", smoke ? 3 : 20)
const IDLE_CONTAINERS = 10

const runId = randomBytes(4).toString("hex")
const prefix = `sp-evbench-${runId}`
const label = `sp-evbench.stack=${runId}`
const log = (message: string) => process.stderr.write(`bench: ${message}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const run = (name: string, args: ReadonlyArray<string>, command: ReadonlyArray<string>) =>
  sh("docker", [
    "run",
    "-d",
    "--network",
    "none",
    "--name",
    `${prefix}-${name}`,
    "--label",
    label,
    ...args,
    IMAGE,
    ...command
  ])

/** The Sampler over the live collector, with or without the event stream, in this process. */
const sampling = (events: boolean) => {
  const config = layerTest({
    SYSTEM_PROFILER_STACK_LABEL: label,
    SYSTEM_PROFILER_CONTAINERS_INTERVAL: "10s",
    SYSTEM_PROFILER_HOST_INTERVAL: "1h",
    SYSTEM_PROFILER_SERVICES_INTERVAL: "1h"
  })
  const containers = events
    ? ContainerCollector.withEvents(ContainerCollector.layerLive).pipe(
        Layer.provide(ContainerEvents.layerLive().pipe(Layer.provide(EventStore.layerMemory())))
      )
    : ContainerCollector.layerLive
  return Sampler.layer.pipe(
    Layer.provide(Layer.mergeAll(HostCollector.layerMock, containers, ServiceCollector.layerMock)),
    Layer.provide(config),
    Layer.provide(Logger.layer([]))
  )
}

/** CPU seconds per minute of this process over `seconds` of idle sampling, and the containers reads seen. */
const idleCpu = async (events: boolean) => {
  const runtime = ManagedRuntime.make(sampling(events))
  try {
    const reads = new Set<number>()
    const watch = await runtime.runPromise(
      Effect.forkDetach(
        Stream.runForEach(Stream.unwrap(Effect.map(Sampler, (s) => s.changes)), (r) =>
          Effect.sync(() => {
            if (Result.isSuccess(r.containers.current)) reads.add(r.containers.at)
          })
        ),
        { startImmediately: true }
      )
    )
    // Warm: the first read, the event stream's connection, V8 compiling the paths.
    await sleep(3000)
    const before = reads.size
    const cpu = process.cpuUsage()
    await sleep(IDLE_SECONDS * 1000)
    const used = process.cpuUsage(cpu)
    const made = reads.size - before
    await runtime.runPromise(Fiber.interrupt(watch))
    return { perMinute: ((used.user + used.system) / 1e6) * (60 / IDLE_SECONDS), reads: made }
  } finally {
    await runtime.dispose()
  }
}

interface Frame {
  readonly at: number
  readonly text: string
}

const main = async () => {
  await sh("bash", [fileURLToPath(new URL("../scripts/ensure-docker.sh", import.meta.url))])
  try {
    log(`starting ${IDLE_CONTAINERS} idle containers`)
    await Promise.all(Array.from({ length: IDLE_CONTAINERS }, (_, i) => run(`idle-${i}`, [], ["sleep", "3600"])))

    // 1. Idle CPU, the two modes alternated.
    const samples: Record<"polling" | "events", Array<{ perMinute: number; reads: number }>> = {
      polling: [],
      events: []
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 === 0 ? (["polling", "events"] as const) : (["events", "polling"] as const)) {
        log(`idle CPU, ${mode}, round ${round + 1} of ${ROUNDS} (${IDLE_SECONDS} s)`)
        samples[mode].push(await idleCpu(mode === "events"))
      }
    }
    const figure = (mode: "polling" | "events") => ({
      cpu: median(samples[mode].map((s) => s.perMinute)),
      rounds: samples[mode].map((s) => s.perMinute.toFixed(3)).join(", "),
      reads: samples[mode].map((s) => s.reads).join(", ")
    })
    const polling = figure("polling")
    const events = figure("events")
    console.log(
      `idle, ${IDLE_CONTAINERS} containers polled every 10 s, ${IDLE_SECONDS} s x ${ROUNDS} rounds each (median): ` +
        `polling only ${polling.cpu.toFixed(3)} s/min (rounds: ${polling.rounds}; reads: ${polling.reads}); ` +
        `with the event stream ${events.cpu.toFixed(3)} s/min (rounds: ${events.rounds}; reads: ${events.reads}); ` +
        `difference ${(events.cpu - polling.cpu).toFixed(3)} s/min`
    )

    // 2. Change-to-stream latency through the service.
    const service = await startService(
      {
        SYSTEM_PROFILER_STACK_LABEL: label,
        SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1h",
        SYSTEM_PROFILER_HOST_INTERVAL: "1h"
      },
      `bench-${runId}`
    )
    const frames: Array<Frame> = []
    const controller = new AbortController()
    const reading = (async () => {
      const response = await fetch(`${service.baseUrl}/stats/stream`, {
        headers: { "x-profiler-token": service.token },
        signal: controller.signal
      })
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ""
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        buffer += decoder.decode(value, { stream: true })
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end)
          // Snapshots only: not the heartbeat comments, nor named events (`event: alert`).
          const lines = block.split("\n")
          if (lines.some((l) => l.startsWith("data:")) && !lines.some((l) => l.startsWith("event:"))) {
            frames.push({ at: Date.now(), text: block })
          }
          buffer = buffer.slice(end + 2)
        }
      }
    })().catch(() => undefined)
    try {
      const name = `${prefix}-life`
      const stateOf = (frame: Frame): string | undefined => {
        const data = frame.text.split("\n").find((l) => l.startsWith("data:"))
        if (data === undefined) return undefined
        const stats = JSON.parse(data.slice(5)) as {
          containers: { containers?: ReadonlyArray<{ name: string; state: string }> }
        }
        return stats.containers.containers?.find((c) => c.name === name)?.state
      }
      const timed = async (args: ReadonlyArray<string>, state: string) => {
        const began = Date.now()
        await sh("docker", args)
        const returned = Date.now()
        for (const until = returned + 30_000; Date.now() < until; await sleep(5)) {
          const frame = frames.find((f) => f.at >= began && stateOf(f) === state)
          if (frame !== undefined) return frame.at - returned
        }
        throw new Error(`docker ${args[0]} never reached /stats/stream`)
      }
      await sleep(1000)
      const latencies: Record<string, Array<number>> = { run: [], stop: [], start: [], kill: [] }
      latencies.run!.push(
        await timed(
          [
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            name,
            "--label",
            label,
            IMAGE,
            "sh",
            "-c",
            "trap 'exit 3' TERM; while :; do sleep 1; done"
          ],
          "running"
        )
      )
      for (let i = 0; i < CYCLES; i++) {
        latencies.stop!.push(await timed(["stop", name], "exited"))
        latencies.start!.push(await timed(["start", name], "running"))
        latencies.kill!.push(await timed(["kill", name], "exited"))
        await sh("docker", ["start", name])
        await sleep(300)
      }
      console.log(`change to /stats/stream, ms after docker returned (containers polled hourly, ${CYCLES} cycles):`)
      for (const [op, xs] of Object.entries(latencies)) {
        console.log(`  docker ${op}: median ${Math.round(median(xs))} ms, max ${Math.max(...xs)} ms (${xs.join(", ")})`)
      }

      // 3. A tight restart loop.
      const snapshotsBefore = frames.length
      const stormBegan = Date.now()
      await run("storm", ["--restart", "always"], ["sh", "-c", "exit 1"])
      await sleep(STORM_SECONDS * 1000)
      await sh("docker", ["rm", "-f", `${prefix}-storm`])
      const seconds = (Date.now() - stormBegan) / 1000
      const snapshots = frames.length - snapshotsBefore
      const timeline = JSON.parse((await service.get("/events?window=1h")).body) as {
        events: ReadonlyArray<{ name: string; time: string }>
      }
      const stormEvents = timeline.events.filter((e) => e.name === `${prefix}-storm`).length
      console.log(
        `restart loop for ${seconds.toFixed(1)} s: ${stormEvents} events in /events, ${snapshots} snapshots on /stats/stream ` +
          `(${(snapshots / seconds).toFixed(1)} per second; the bound is 4 containers reads a second)`
      )
    } finally {
      controller.abort()
      await reading
      await service.stop()
    }
  } finally {
    const ids = (await sh("docker", ["ps", "-aq", "--filter", `name=^/${prefix}-`])).split("\n").filter(Boolean)
    if (ids.length > 0) await sh("docker", ["rm", "-f", ...ids])
  }
}

export const eventsMain = () => main()
