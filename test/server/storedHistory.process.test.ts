// The stored history as the operator meets it, with the service as a real process (src/main.ts):
// a kill -9 and a restart keep what was flushed, a second service on the same data directory
// refuses to start, a read-only data directory shows in /health. The read-only directory is a
// small tmpfs mounted read-only by this test (the tests run as root; without the right to mount
// it fails, it does not skip).
import { execFileSync } from "node:child_process"
import { once } from "node:events"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { StoredHistory } from "../../src/api/History.ts"
import { ServiceHealthStats } from "../../src/api/ServiceStats.ts"
import { Health } from "../../src/api/Stats.ts"
import { type Service, startService } from "../support/service.ts"

const root = mkdtempSync(join(tmpdir(), "sp-stored-process-"))
const services: Array<Service> = []
const mounted: Array<string> = []

afterAll(async () => {
  for (const s of services) await s.stop()
  for (const point of mounted) execFileSync("umount", ["-l", point])
  rmSync(root, { recursive: true, force: true })
})

const TOKEN = "stored-history-process-token"
const env = (dataDir: string) => ({
  MOCK_HOST_STATS: "true",
  SYSTEM_PROFILER_DATA_DIR: dataDir,
  SYSTEM_PROFILER_HISTORY_FLUSH: "1s",
  SYSTEM_PROFILER_HOST_INTERVAL: "200ms",
  SYSTEM_PROFILER_SERVICES_INTERVAL: "500ms"
})

const start = async (dataDir: string) => {
  const service = await startService(env(dataDir), TOKEN)
  services.push(service)
  return service
}

const stored = async (service: Service, window = "1h") => {
  const r = await service.get(`/history?source=stored&window=${window}`)
  assert.strictEqual(r.status, 200, r.body)
  return Schema.decodeUnknownSync(StoredHistory)(JSON.parse(r.body))
}

/** The host's samples per minute, by the minute's start. */
const hostCounts = (h: StoredHistory): Map<number, number> => {
  const host = h.series.find((s) => s.kind === "host")
  const counts = host?.gauges.load1?.count ?? []
  return new Map((host?.at ?? []).map((at, i) => [at, counts[i] ?? 0]))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("the stored history of a real process", () => {
  it("keeps what was flushed across a kill -9; a second service on the directory refuses to start", async () => {
    const dir = join(root, "data")
    mkdirSync(dir)
    const first = await start(dir)
    let before = new Map<number, number>()
    for (let i = 0; i < 100 && [...before.values()].reduce((a, b) => a + b, 0) < 10; i++) {
      await sleep(100)
      before = hostCounts(await stored(first))
    }
    assert.isAtLeast(
      [...before.values()].reduce((a, b) => a + b, 0),
      10
    )

    const health = Schema.decodeUnknownSync(Health)(JSON.parse((await first.get("/health")).body))
    assert.strictEqual(health.history, "ok")
    // The probes' uptime comes from the store: a share for each window with a check in it.
    const probesOf = async () =>
      Schema.decodeUnknownSync(ServiceHealthStats)(JSON.parse((await first.get("/services")).body)).services
    let probes = await probesOf()
    for (let i = 0; i < 50 && !probes.every((p) => p.uptime?.["24h"] !== null); i++) {
      await sleep(100)
      probes = await probesOf()
    }
    assert.isAbove(probes.length, 0)
    for (const p of probes) {
      assert.deepStrictEqual(Object.keys(p.uptime ?? {}), ["24h", "7d", "30d", "365d"])
      assert.isNumber(p.uptime?.["365d"])
    }

    // Another service on the same directory: refused before it listens, naming the holder.
    const second = await startService(env(dir), TOKEN).then(
      (s) => {
        services.push(s)
        return "started"
      },
      (error: Error) => error.message
    )
    assert.match(second, /"event":"startup-failed"/)
    assert.match(second, /is in use by another system-profiler \(pid \d+/)
    assert.match(second, /SYSTEM_PROFILER_DATA_DIR/)

    // Two flushes (1 s each) after `before` was read, then kill -9: everything in `before` is on disk.
    await sleep(2500)
    const exited = once(first.child, "exit")
    first.child.kill("SIGKILL")
    await exited

    const restarted = await start(dir)
    const after = hostCounts(await stored(restarted))
    for (const [at, count] of before) {
      assert.isAtLeast(after.get(at) ?? 0, count, `the minute of ${new Date(at).toISOString()}`)
    }
  })

  it("a read-only data directory: the service runs, its history memory-only, and /health says why", async () => {
    const point = join(root, "readonly")
    mkdirSync(point)
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m,mode=0755", "tmpfs", point])
    mounted.push(point)
    const service = await start(point)
    const health = Schema.decodeUnknownSync(Health)(JSON.parse((await service.get("/health")).body))
    assert.match(health.history, /^memory-only: .*read-only/)
    assert.match(service.output(), /memory-only|read-only/)
    // The newest minutes still answer, from memory.
    let counts = new Map<number, number>()
    for (let i = 0; i < 50 && counts.size === 0; i++) {
      await sleep(100)
      counts = hostCounts(await stored(service))
    }
    assert.isAbove(counts.size, 0)
  })
})
