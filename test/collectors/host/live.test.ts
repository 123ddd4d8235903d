// The live collector through the real /host route, against what this machine's own tools say at
// the same moment. Linux only: elsewhere there is no /proc to read.
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import { HttpClient, HttpRouter } from "effect/http"
import { HostStats } from "../../../src/api/HostStats.ts"
import { layerTest } from "../../../src/config/AppConfig.ts"
import { AppRoutes } from "../../../src/server/routes.ts"
import { temporaryHistoryStore } from "../../support/historyStore.ts"

const isLinux = process.platform === "linux" && fs.existsSync("/proc/stat")

// HOST_PROC, HOST_SYS and HOST_ROOT left unset: on a bare machine they are /proc, /sys and /.
const Server = HttpRouter.serve(AppRoutes, { disableLogger: true }).pipe(
  Layer.provide(temporaryHistoryStore()),
  Layer.provideMerge(NodeHttpServer.layerTest),
  Layer.provide(layerTest({ SYSTEM_PROFILER_HOST_INTERVAL: "500ms" }))
)

const decodeHost = Schema.decodeUnknownEffect(HostStats)

const getHost = Effect.gen(function* () {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get("/host")
  if (response.status !== 200) return undefined
  return yield* decodeHost(yield* response.json)
})

/** Polls /host until `done` holds, or fails after `deadline`. */
const waitFor = (what: string, done: (h: HostStats) => boolean, deadline: Duration.Input = "30 seconds") =>
  Effect.gen(function* () {
    while (true) {
      const h = yield* getHost
      if (h !== undefined && done(h)) return h
      yield* Effect.sleep("200 millis")
    }
  }).pipe(
    Effect.timeoutOrElse({
      duration: deadline,
      orElse: () =>
        Effect.die(
          new Error(`/host did not show ${what} within ${Duration.format(Duration.fromInputUnsafe(deadline))}`)
        )
    })
  )

const run = (command: string, ...args: ReadonlyArray<string>) =>
  execFileSync(command, args, { encoding: "utf8" }).trim()

const truthLoad = () =>
  fs
    .readFileSync("/proc/loadavg", "utf8")
    .split(" ")
    .slice(0, 3)
    .map((s) => Number(s))

// /proc/net/dev's names less the default filter, written here independently of the collector's.
const truthInterfaces = () =>
  fs
    .readFileSync("/proc/net/dev", "utf8")
    .split("\n")
    .slice(2)
    .filter((line) => line.includes(":"))
    .map((line) => line.slice(0, line.lastIndexOf(":")).trim())
    .filter((name) => !/^(lo|veth.*|docker.*|br-.*)$/.test(name))

describe.runIf(isLinux)("/host on this machine", () => {
  it.live(
    "matches free, nproc, df, hostname, uname and /proc read at the same moment",
    () =>
      Effect.gen(function* () {
        const host = yield* waitFor("a CPU figure", (h) => h.cpu.usagePercent !== null)

        const mem = run("free", "-b")
          .split("\n")
          .find((l) => l.startsWith("Mem:"))!
          .split(/\s+/)
        const [total, available] = [Number(mem[1]), Number(mem[6])]
        expect(host.memory.totalBytes).toBe(total)
        expect(Math.abs(host.memory.availableBytes - available)).toBeLessThanOrEqual(available * 0.02)
        expect(host.memory.availableSource).toBe("MemAvailable")

        expect(host.cpu.cores).toBe(Number(run("nproc")))
        expect(host.cpu.perCore).toHaveLength(host.cpu.cores)

        const root = host.disks.find((d) => d.mountPoints.includes("/"))
        expect(root?.totalBytes).toBe(Number(run("df", "-B1", "--output=size", "/").split("\n")[1]))

        expect(host.network.interfaces.map((i) => i.name)).toEqual(truthInterfaces())
        expect(host.network.source).toBe("/proc/1/net/dev")
        expect(host.system.hostname).toBe(run("hostname"))
        expect(host.system.kernelVersion).toBe(run("uname", "-r"))
        expect(host.system.arch).toBe(run("uname", "-m"))

        // The kernel recomputes the load every 5 s and the route's figure is at most one interval
        // old: within a few tries both sides have read the same value.
        let matched = false
        for (let attempt = 0; attempt < 25 && !matched; attempt++) {
          const before = truthLoad()
          const h = yield* waitFor("figures", () => true)
          const after = truthLoad()
          const seen = [...h.cpu.loadAverage]
          matched = JSON.stringify(seen) === JSON.stringify(before) || JSON.stringify(seen) === JSON.stringify(after)
          if (!matched) yield* Effect.sleep("300 millis")
        }
        expect(matched, "the load average of /host never matched /proc/loadavg").toBe(true)
      }).pipe(Effect.provide(Server)),
    120_000
  )

  it.live(
    "one busy core raises total CPU usage, which falls back when the load stops",
    () =>
      Effect.gen(function* () {
        yield* waitFor("a CPU figure", (h) => h.cpu.usagePercent !== null)
        const cores = (yield* waitFor("figures", () => true)).cpu.cores
        // One core busy is 100 / cores percent of the machine; the issue asks for 35% on 2 cores.
        const threshold = Math.min(35, (100 / cores) * 0.7)

        let peak = 0
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* Effect.acquireRelease(
              Effect.sync(() =>
                // A busy loop that also ends on its own, should this test die before its finalizer.
                spawn(process.execPath, ["-e", "const end = Date.now() + 90000; while (Date.now() < end) {}"], {
                  stdio: "ignore"
                })
              ),
              (child) => Effect.sync(() => child.kill("SIGKILL"))
            )
            const started = Date.now()
            // Keep the core busy for a few seconds, and until the route has shown the load.
            yield* waitFor(
              `usage of at least ${threshold}%`,
              (h) => {
                peak = Math.max(peak, h.cpu.usagePercent ?? 0)
                return peak >= threshold && Date.now() - started >= 3000
              },
              "60 seconds"
            )
          })
        )
        expect(peak).toBeGreaterThanOrEqual(threshold)

        // Other test files may load the CPU too: ask only that usage drops well below the peak.
        const after = yield* waitFor(
          "usage falling back",
          (h) => h.cpu.usagePercent !== null && h.cpu.usagePercent <= peak - 15,
          "90 seconds"
        )
        expect(after.cpu.usagePercent).toBeLessThanOrEqual(peak - 15)
      }).pipe(Effect.provide(Server)),
    180_000
  )
})
