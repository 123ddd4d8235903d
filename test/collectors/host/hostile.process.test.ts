// The service process (not mock mode) fed a hostile host tree: HOST_PROC is a copy of this
// machine's /proc made of links to its files, with one file replaced by a FIFO, a link to
// /dev/zero or a 1 GB sparse file; HOST_ROOT's /etc/os-release and /etc/hostname likewise; and
// SYSTEM_PROFILER_EXTRA_DISKS naming a real hung FUSE mount (test/support/hungMount.sh). Each
// time the service keeps answering /health, answers /stats with the hostile source as an error
// naming the file, logs the file, stays under a memory bound read from /proc/<pid>/status, and
// stops on SIGTERM within a second.

import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, afterEach, beforeAll } from "vitest"
import { eventually, MiB, memoryOf, sleep, stopWithin } from "../../support/processFigures.ts"
import { type Service, type StartOptions, startService } from "../../support/service.ts"

// The service running its TypeScript sources peaks well under this on this machine; reading a
// 1 GB file or /dev/zero whole would pass it within a second, and the image's 64 MB heap dies first.
const PEAK_BOUND = 320 * MiB

const services: Array<Service> = []
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop()
})

/** A host tree whose proc/ links every top-level entry of this machine's /proc. */
const hostTree = () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sp-hostile-"))
  const proc = path.join(root, "proc")
  const hostRoot = path.join(root, "root")
  fs.mkdirSync(proc)
  fs.mkdirSync(path.join(hostRoot, "etc"), { recursive: true })
  for (const entry of fs.readdirSync("/proc")) {
    if (/^\d+$/.test(entry) || ["self", "thread-self", "kcore", "kmsg"].includes(entry)) continue
    fs.symlinkSync(path.join("/proc", entry), path.join(proc, entry))
  }
  fs.writeFileSync(path.join(hostRoot, "etc/os-release"), 'PRETTY_NAME="Crafted Linux"\n')
  fs.writeFileSync(path.join(hostRoot, "etc/hostname"), "crafted\n")
  return { root, proc, hostRoot }
}

const replace = (file: string, by: "fifo" | "zero" | "huge") => {
  fs.rmSync(file, { force: true })
  if (by === "fifo") execFileSync("mkfifo", [file])
  else if (by === "zero") fs.symlinkSync("/dev/zero", file)
  else {
    fs.writeFileSync(file, "")
    fs.truncateSync(file, 1024 * MiB)
  }
}

const start = async (env: Record<string, string>, options?: StartOptions) => {
  const service = await startService(
    {
      HOST: "127.0.0.1",
      HOST_SYS: "/sys",
      // No Docker here: the containers section is an error of its own, which is not under test.
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
      SYSTEM_PROFILER_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "sp-hostile-data-")),
      SYSTEM_PROFILER_HOST_INTERVAL: "200ms",
      ...env
    },
    "hostile-host-token",
    options
  )
  services.push(service)
  return service
}

/** /health answers 200 every time, `times` times, `gapMs` apart. */
const keepsAnsweringHealth = async (service: Service, times: number, gapMs: number) => {
  for (let i = 0; i < times; i++) {
    const health = await service.get("/health", { maxMs: 2_000 })
    assert.strictEqual(health.status, 200, `/health, try ${i + 1}`)
    await sleep(gapMs)
  }
}

interface StatsHost {
  readonly host: {
    readonly error?: string
    readonly system?: { readonly osName: string | null; readonly errors: ReadonlyArray<string> }
    readonly disksUnavailable?: ReadonlyArray<{ readonly mountPoint: string; readonly error: string }>
  }
}

const stats = async (service: Service): Promise<StatsHost> => {
  const answer = await service.get("/stats", { maxMs: 3_000 })
  assert.strictEqual(answer.status, 200, answer.body)
  return JSON.parse(answer.body) as StatsHost
}

const stopsAndStaysSmall = async (service: Service) => {
  const pid = service.child.pid!
  const memory = memoryOf(pid)
  assert.isBelow(memory.peak, PEAK_BOUND, `VmHWM ${(memory.peak / MiB).toFixed(0)} MiB`)
  const began = Date.now()
  const code = await stopWithin(service.child, 1_000)
  assert.strictEqual(code, 0, `exit code after SIGTERM (killed after ${Date.now() - began} ms when null)`)
}

describe("a hostile /proc file, fed to the service process", () => {
  const cases = [
    { file: "stat", by: "fifo", says: "not a regular file (a FIFO); refused" },
    { file: "meminfo", by: "zero", says: "not a regular file (a character device); refused" },
    { file: "loadavg", by: "huge", says: "more than the kernel writes there; refused" }
  ] as const
  for (const { file, by, says } of cases) {
    it(`${file} as ${by}: /health answers, /stats names the file, the log too, memory bounded, SIGTERM ends it`, async () => {
      const tree = hostTree()
      const hostile = path.join(tree.proc, file)
      replace(hostile, by)
      const service = await start({ HOST_PROC: tree.proc, HOST_ROOT: tree.hostRoot })
      await keepsAnsweringHealth(service, 10, 200)
      const host = (await stats(service)).host
      assert.strictEqual(host.error?.startsWith(`${hostile}: `), true, JSON.stringify(host))
      assert.include(host.error, says)
      const hostRoute = await service.get("/host")
      assert.strictEqual(hostRoute.status, 503)
      assert.include(hostRoute.body, hostile)
      assert.include(service.output(), `"error":"${hostile}: `)
      await stopsAndStaysSmall(service)
    })
  }

  it("/etc/os-release of 1 GB and /etc/hostname a FIFO under HOST_ROOT: each its own error, the rest served", async () => {
    const tree = hostTree()
    const osRelease = path.join(tree.hostRoot, "etc/os-release")
    const hostname = path.join(tree.hostRoot, "etc/hostname")
    replace(osRelease, "huge")
    replace(hostname, "fifo")
    const service = await start({ HOST_PROC: tree.proc, HOST_ROOT: tree.hostRoot })
    await keepsAnsweringHealth(service, 5, 200)
    const host = (await stats(service)).host
    assert.isUndefined(host.error, JSON.stringify(host))
    assert.strictEqual(host.system?.osName, null)
    const errors = host.system?.errors.join("\n") ?? ""
    assert.include(errors, `${osRelease}: larger than`)
    // The hostname falls back to the kernel's, saying why.
    assert.include(errors, `${hostname}: not a regular file (a FIFO)`)
    await stopsAndStaysSmall(service)
  })
})

// A real dead mount needs root, /dev/fuse, unshare and mount; CI has them, so there the test
// fails rather than skips when one is missing.
const hungMountUsable = (): string | undefined => {
  if (process.getuid?.() !== 0) return "not root"
  if (!fs.existsSync("/dev/fuse")) return "no /dev/fuse"
  for (const tool of ["unshare", "mount"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" })
    } catch {
      return `no ${tool}`
    }
  }
  return undefined
}
const missing = hungMountUsable()
const hungMountScript = fileURLToPath(new URL("../../support/hungMount.sh", import.meta.url))

describe.skipIf(missing !== undefined && process.env.CI !== "true")(
  "a hung FUSE mount in SYSTEM_PROFILER_EXTRA_DISKS",
  () => {
    let target: http.Server
    let port = 0
    let requests = 0
    beforeAll(async () => {
      target = http.createServer((_req, res) => {
        requests++
        res.writeHead(200).end("ok")
      })
      target.listen(0, "127.0.0.1")
      await new Promise((resolve) => target.once("listening", resolve))
      port = (target.address() as AddressInfo).port
    })
    afterAll(() => new Promise((resolve) => target.close(resolve)))

    it("fails only those disks, leaves DNS its threads (a probe by hostname stays up), and SIGTERM ends it", async () => {
      assert.isUndefined(missing, "a hung mount needs root, /dev/fuse, unshare and mount")
      const tree = hostTree()
      const mount = path.join(tree.root, "hung")
      // Six paths on the dead mount: before blocking.ts each held two of libuv's threads (stat
      // and statfs at once), so three took all four and every getaddrinfo waited behind them
      // from the first sample on; six would take twelve, more than the pool of eight it now has.
      const hung = [mount, ...["a", "b", "c", "d", "e"].map((d) => path.join(mount, d))]
      const service = await start(
        {
          HOST_PROC: tree.proc,
          HOST_ROOT: "/",
          SYSTEM_PROFILER_EXTRA_DISKS: hung.join(","),
          SYSTEM_PROFILER_SERVICES: `web=http://localhost:${port}/`,
          SYSTEM_PROFILER_SERVICES_INTERVAL: "200ms"
        },
        { launcher: ["unshare", "-m", "--propagation", "private", "sh", hungMountScript, mount] }
      )
      // The mount is real and dead: this process's namespace does not see it (nothing else on the
      // machine can hang on it), the service's does.
      assert.notInclude(fs.readFileSync("/proc/self/mounts", "utf8"), mount)
      assert.include(fs.readFileSync(`/proc/${service.child.pid}/mounts`, "utf8"), `hung ${mount} fuse`)

      const firstProbe = async () => (await service.get("/services", { maxMs: 2_000 })).status === 200
      assert.isTrue(await eventually(firstProbe, 5_000), "the first probe by hostname is published")
      // Longer than the first samples took to exhaust the pool, and than the stall detection
      // takes to let the calls queued behind a dead path go on.
      const until = Date.now() + 8_000
      let probes = 0
      while (Date.now() < until) {
        const health = await service.get("/health", { maxMs: 2_000 })
        assert.strictEqual(health.status, 200)
        const answer = await service.get("/services", { maxMs: 2_000 })
        assert.strictEqual(answer.status, 200, answer.body)
        const web = (
          JSON.parse(answer.body) as {
            services: ReadonlyArray<{ name: string; healthy: boolean; error?: string }>
          }
        ).services.find((s) => s.name === "web")
        assert.isDefined(web)
        if (web!.error !== undefined || !web!.healthy)
          assert.fail(`the probe by hostname failed: ${JSON.stringify(web)}`)
        probes++
        await sleep(300)
      }
      assert.isAbove(probes, 10)
      const requestsBefore = requests
      assert.isTrue(await eventually(() => requests > requestsBefore, 2_000), "the probe still reaches its target")

      const host = (await stats(service)).host
      assert.isUndefined(host.error, JSON.stringify(host))
      const unavailable = host.disksUnavailable ?? []
      for (const p of hung) {
        const entry = unavailable.find((u) => u.mountPoint === p)
        assert.isDefined(entry, `${p} reported unavailable: ${JSON.stringify(unavailable)}`)
        assert.include(entry!.error, p)
      }
      await stopsAndStaysSmall(service)
    })
  }
)
