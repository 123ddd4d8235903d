// Issue 8: the production shape on a real Docker engine. The image is built from the project's
// Dockerfile (scripts/build-image.sh: only the base-image argument differs from a user's build),
// then started with exactly what docker-compose.yml + docker-compose.prod.yml give the
// system-profiler service (read back through `docker-compose config` and turned into `docker
// run` flags), except the network: the container gets a namespace of its own (--network none),
// so the host's interfaces are visible only through the host mounts. Everything is checked from
// outside: Docker's healthcheck status, the process's ids in the host's /proc, the API through
// `docker exec` with the image's own node, and the host's truth read here at the same time.
//
// Needs a Docker engine (scripts/ensure-docker.sh) and docker-compose: without them these tests
// fail, they do not skip.
import { execFileSync, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync, statSync } from "node:fs"
import { hostname as osHostname } from "node:os"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ContainerStats } from "../../src/api/ContainerStats.ts"
import { HostStats } from "../../src/api/HostStats.ts"
import {
  type ComposeService,
  durationMillis,
  environmentOf,
  labelsOf,
  mountsOf,
  mustConfig,
  PROFILER,
  ROOT,
  STACK_LABEL_KEY,
  STACK_LABEL_VALUE
} from "./compose.ts"

const runId = `${process.pid}-${randomBytes(3).toString("hex")}`
// A tag of this run's own, so that a concurrent run (another checkout on the same engine) cannot
// swap the image under it; the stable tag keeps the layers as a build cache for the next run.
const IMAGE = `system-profiler:container-test-${runId}`
const CACHE_TAG = "system-profiler:container-test"
const PROFILER_NAME = `sp-packaging-${runId}`
// Two containers of the stack beside the profiler: one running, one exited.
const RUNNING_NAME = `sp-packaging-${runId}-running`
const EXITED_NAME = `sp-packaging-${runId}-exited`
const BUSYBOX = process.env.BUSYBOX_IMAGE ?? "system-profiler/busybox:latest"
const SOCKET = "/var/run/docker.sock"
const TOKEN = randomBytes(24).toString("hex")

const docker = (...args: ReadonlyArray<string>) =>
  execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim()

const inspect = (name: string, format: string) => docker("inspect", "--format", format, name)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Keys of the compose service that `docker run` below reproduces, or that do not apply to one
// container started by hand. Anything else fails the test, so a new key in the compose files
// cannot silently be left out of what is verified here.
const IGNORED = new Set(["build", "image", "ports", "expose", "networks", "depends_on", "container_name"])

/** `docker run` flags for what the merged compose config gives the profiler. */
const runFlags = (service: ComposeService): ReadonlyArray<string> => {
  const flags: Array<string> = []
  for (const key of Object.keys(service)) {
    if (IGNORED.has(key)) continue
    switch (key) {
      case "labels":
        for (const [k, v] of Object.entries(labelsOf(service))) flags.push("--label", `${k}=${v}`)
        break
      case "environment":
        for (const [k, v] of Object.entries(environmentOf(service))) flags.push("--env", `${k}=${v}`)
        break
      case "volumes":
        for (const m of mountsOf(service)) flags.push("--volume", `${m.source}:${m.target}:${m.readOnly ? "ro" : "rw"}`)
        break
      case "read_only":
        if (service.read_only === true) flags.push("--read-only")
        break
      case "cap_drop":
        for (const cap of service.cap_drop ?? []) flags.push("--cap-drop", cap)
        break
      case "cap_add":
        for (const cap of service.cap_add ?? []) flags.push("--cap-add", cap)
        break
      case "security_opt":
        for (const opt of service.security_opt ?? []) flags.push("--security-opt", opt)
        break
      case "user":
        flags.push("--user", String(service.user))
        break
      case "group_add":
        for (const group of service.group_add ?? []) flags.push("--group-add", String(group))
        break
      case "init":
        if (service.init === true) flags.push("--init")
        break
      case "restart":
        flags.push("--restart", String(service.restart))
        break
      case "stop_grace_period":
        flags.push("--stop-timeout", String(Math.ceil(durationMillis(String(service.stop_grace_period)) / 1000)))
        break
      case "stop_signal":
        flags.push("--stop-signal", String(service.stop_signal))
        break
      case "deploy": {
        const limits = service.deploy?.resources?.limits
        if (limits?.memory !== undefined) flags.push("--memory", limits.memory.toLowerCase())
        if (limits?.cpus !== undefined) flags.push("--cpus", String(limits.cpus))
        break
      }
      default:
        throw new Error(`the compose key "${key}" of ${PROFILER} has no docker run translation in this test`)
    }
  }
  return flags
}

/** GET a route of the service from inside its container, with the image's own node. */
const get = (path: string): { readonly status: number; readonly body: unknown } => {
  const script = `
    const response = await fetch("http://127.0.0.1:8787${path}", { headers: { "X-Profiler-Token": process.env.TOKEN } })
    process.stdout.write(JSON.stringify({ status: response.status, body: await response.json() }))`
  const out = docker(
    "exec",
    "--user",
    "1000:1000",
    "--env",
    `TOKEN=${TOKEN}`,
    PROFILER_NAME,
    "node",
    "--input-type=module",
    "-e",
    script
  )
  return JSON.parse(out)
}

/** Polls `read` until `done` holds, or fails with the last value after `timeoutMs`. */
const eventually = async <A>(what: string, read: () => A, done: (a: A) => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  let last = read()
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last).slice(0, 2000)}`)
    await sleep(500)
    last = read()
  }
  return last
}

const logsOf = (name: string) => {
  const out = spawnSync("docker", ["logs", "--tail", "50", name], { encoding: "utf8" })
  return `${out.stdout}${out.stderr}`
}

// The host's truth, read here (on the host) at the time of the check.
const hostTruth = () => {
  const interfaces = readFileSync("/proc/net/dev", "utf8")
    .split("\n")
    .slice(2)
    .filter((line) => line.includes(":"))
    .map((line) => line.slice(0, line.lastIndexOf(":")).trim())
    .filter((name) => !/^(lo|veth.*|docker.*|br-.*)$/.test(name))
  const memKb = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"))
  const df = execFileSync("df", ["-B1", "--output=size", "/"], { encoding: "utf8" }).trim().split("\n")
  return {
    hostname: execFileSync("hostname", { encoding: "utf8" }).trim(),
    interfaces: interfaces.sort(),
    memTotalBytes: Number(memKb?.[1]) * 1024,
    rootTotalBytes: Number(df.at(-1))
  }
}

const removeOwnContainers = () => {
  for (const name of [PROFILER_NAME, RUNNING_NAME, EXITED_NAME]) {
    spawnSync("docker", ["rm", "--force", "--volumes", name], { stdio: "ignore" })
  }
}

describe("the image on the local dockerd, with the production compose configuration", () => {
  let service: ComposeService

  beforeAll(async () => {
    // Fails, rather than skips, without an engine: CI has one (scripts/ensure-docker.sh).
    const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" })
    if (info.status !== 0) throw new Error(`no Docker engine answers: ${info.stderr || info.error?.message}`)

    const built = spawnSync("bash", [`${ROOT}/scripts/build-image.sh`, IMAGE], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"]
    })
    if (built.status !== 0) throw new Error(`the image did not build:\n${built.stderr.slice(-4000)}`)
    docker("tag", IMAGE, CACHE_TAG)

    const config = mustConfig(["docker-compose.yml", "docker-compose.prod.yml"], {
      SYSTEM_PROFILER_AUTH_TOKEN: TOKEN,
      SYSTEM_PROFILER_IMAGE: IMAGE
    })
    service = config.services[PROFILER]!
    expect(service.image).toBe(IMAGE)

    removeOwnContainers()
    const stackLabel = ["--label", `${STACK_LABEL_KEY}=${STACK_LABEL_VALUE}`]
    docker("run", "--detach", "--name", RUNNING_NAME, "--network", "none", ...stackLabel, BUSYBOX, "sleep", "600")
    docker("run", "--name", EXITED_NAME, "--network", "none", ...stackLabel, BUSYBOX, "true")
    docker("run", "--detach", "--name", PROFILER_NAME, "--network", "none", ...runFlags(service), IMAGE)
  }, 600_000)

  afterAll(() => {
    removeOwnContainers()
    // Only this run's tag: the image itself stays under CACHE_TAG unless a later run moved it.
    spawnSync("docker", ["rmi", IMAGE], { stdio: "ignore" })
  })

  it("builds an image of a reasonable size (printed)", () => {
    const size = Number(docker("image", "inspect", "--format", "{{.Size}}", IMAGE))
    console.log(`image ${IMAGE}: ${(size / 1e6).toFixed(1)} MB (${size} bytes)`)
    expect(size).toBeGreaterThan(0)
  })

  it("is the image the Dockerfile describes: its CMD, HEALTHCHECK and ENV, nothing of the stand-in base", () => {
    // The last stage of the Dockerfile, continuation lines joined.
    const lines = readFileSync(`${ROOT}/Dockerfile`, "utf8").replace(/\\\n/g, " ").split("\n")
    const lastStage = lines.slice(lines.findLastIndex((l) => l.startsWith("FROM ")))
    const instruction = (name: string) =>
      lastStage.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1))
    const config = JSON.parse(docker("image", "inspect", "--format", "{{json .Config}}", IMAGE)) as {
      Cmd: ReadonlyArray<string>
      Env: ReadonlyArray<string>
      Healthcheck: {
        Test: ReadonlyArray<string>
        Interval: number
        Timeout: number
        StartPeriod: number
        Retries: number
      }
    }
    expect(config.Cmd).toEqual(JSON.parse(instruction("CMD")[0]!))
    const healthcheck = /^((?:--\S+\s+)*)CMD (\[.*\])$/.exec(instruction("HEALTHCHECK")[0]!)
    expect(healthcheck).not.toBeNull()
    const options = Object.fromEntries([...healthcheck![1]!.matchAll(/--([\w-]+)=(\S+)/g)].map((m) => [m[1], m[2]]))
    expect(config.Healthcheck).toEqual({
      Test: ["CMD", ...JSON.parse(healthcheck![2]!)],
      Interval: durationMillis(options.interval!) * 1e6,
      Timeout: durationMillis(options.timeout!) * 1e6,
      StartPeriod: durationMillis(options["start-period"]!) * 1e6,
      Retries: Number(options.retries)
    })
    // The final stage starts from scratch: the environment is the Dockerfile's ENV and nothing
    // else (the stand-in base's NODE_EXTRA_CA_CERTS, for one, does not reach it).
    const declared = instruction("ENV").flatMap((l) => l.trim().split(/\s+/))
    expect([...config.Env].sort()).toEqual(declared.sort())
  })

  it("reaches healthy through the image's HEALTHCHECK", async () => {
    // The first check runs one interval (15 s) after the start.
    const status = await eventually(
      "health",
      () => inspect(PROFILER_NAME, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"),
      (s) => s === "running healthy" || !s.startsWith("running"),
      90_000
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logsOf(PROFILER_NAME)}`)
    })
    expect(status, logsOf(PROFILER_NAME)).toBe("running healthy")
  }, 120_000)

  it("runs as a non-root user that keeps the Docker socket's group and no capability", () => {
    const pid = Number(inspect(PROFILER_NAME, "{{.State.Pid}}"))
    expect(pid).toBeGreaterThan(0)
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const field = (name: string) =>
      (new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1] ?? "")
        .trim()
        .split(/\s+/)
        .filter((s) => s !== "")
        .map(Number)
    const uids = field("Uid")
    const gids = field("Gid")
    expect(uids).toHaveLength(4)
    // real, effective, saved and filesystem ids: none is root, so root cannot be taken back.
    for (const id of [...uids, ...gids]) expect(id).not.toBe(0)
    // The socket's group on this host, which the image cannot know in advance.
    const socketGid = statSync(SOCKET).gid
    expect(field("Groups")).toEqual([socketGid])
    expect(/^CapEff:\s*(\w+)$/m.exec(status)?.[1]).toMatch(/^0+$/)
    expect(/^CapPrm:\s*(\w+)$/m.exec(status)?.[1]).toMatch(/^0+$/)
  })

  it("reports the host's hostname, interfaces, memory and root disk, not the container's", async () => {
    const response = await eventually(
      "GET /host",
      () => get("/host"),
      (r) => r.status === 200,
      30_000
    )
    const host = Schema.decodeUnknownSync(HostStats)(response.body)
    const truth = hostTruth()

    // The container's own views differ, so matching the host proves the mounts are what is read.
    const containerHostname = inspect(PROFILER_NAME, "{{.Config.Hostname}}")
    expect(containerHostname).not.toBe(truth.hostname)
    expect(host.system.hostname).toBe(truth.hostname)
    expect(truth.hostname).toBe(osHostname())

    const containerInterfaces = docker("exec", PROFILER_NAME, "cat", "/proc/net/dev")
    expect(containerInterfaces).not.toMatch(/^\s*eth0:/m)
    expect(truth.interfaces.length).toBeGreaterThan(0)
    expect(host.network.interfaces.map((i) => i.name).sort()).toEqual(truth.interfaces)

    expect(host.memory.totalBytes).toBe(truth.memTotalBytes)
    const root = host.disks.find((d) => d.mountPoint === "/" || d.mountPoints.includes("/"))
    expect(root, JSON.stringify(host.disks)).toBeDefined()
    expect(root?.totalBytes).toBe(truth.rootTotalBytes)
  }, 60_000)

  it("lists the stack's labelled containers through the mounted socket", async () => {
    // The profiler carries the stack label too (from docker-compose.yml): once Docker calls it
    // healthy and a sample has been taken since, it lists itself as healthy.
    const response = await eventually(
      "GET /containers",
      () => get("/containers"),
      (r) =>
        r.status === 200 &&
        Schema.decodeUnknownSync(ContainerStats)(r.body).containers.some(
          (c) => c.name === PROFILER_NAME && c.health === "healthy"
        ),
      60_000
    )
    const stats = Schema.decodeUnknownSync(ContainerStats)(response.body)
    const byName = new Map(stats.containers.map((c) => [c.name, c]))
    expect(byName.get(RUNNING_NAME)).toMatchObject({ state: "running", image: BUSYBOX })
    expect(byName.get(EXITED_NAME)).toMatchObject({ state: "exited" })
    expect(byName.get(PROFILER_NAME)).toMatchObject({ state: "running", health: "healthy" })
    // Every listed container carries the label, as Docker itself filters it now (containers of
    // other runs may come and go meanwhile, so only the ones still there are compared).
    const labelled = new Set(
      docker("ps", "--all", "--filter", `label=${STACK_LABEL_KEY}=${STACK_LABEL_VALUE}`, "--format", "{{.Names}}")
        .split("\n")
        .filter((n) => n !== "")
    )
    const all = new Set(docker("ps", "--all", "--format", "{{.Names}}").split("\n"))
    for (const c of stats.containers) if (all.has(c.name)) expect(labelled.has(c.name), c.name).toBe(true)
    expect(stats.summary.total).toBe(stats.containers.length)
    // As 1000:1000 with no capabilities, the figures of running containers come from the host's
    // cgroupfs and /proc (the read-only mounts), not from Docker's stats API.
    for (const c of stats.containers.filter((c) => c.state === "running")) expect(c.memory, c.name).not.toBeNull()
    const logs = logsOf(PROFILER_NAME)
    expect(logs).toMatch(/"statsSource":"cgroup v[12], else docker-api"/)
    expect(logs).not.toContain("container cgroup unreadable")
  }, 90_000)

  it("stops on `docker stop` in under 2 seconds, with exit code 0", () => {
    const started = performance.now()
    docker("stop", PROFILER_NAME)
    const elapsed = performance.now() - started
    console.log(`docker stop ${PROFILER_NAME}: ${elapsed.toFixed(0)} ms`)
    expect(inspect(PROFILER_NAME, "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 0")
    expect(elapsed).toBeLessThan(2_000)
  }, 30_000)
})
