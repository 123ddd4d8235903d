// A programmable fake Docker daemon on a unix socket: enough of the Engine API for the
// collector, with the failure modes a real daemon cannot be made to show on demand (a container
// that vanishes between list and stats, a wedged stats call, a proxy answering 403...).

import { mkdtempSync, rmSync } from "node:fs"
import http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface FakeContainer {
  readonly id: string
  readonly name: string
  state: "running" | "exited" | "restarting" | "created" | "paused"
  health?: "healthy" | "unhealthy" | "starting"
  restartCount?: number
  /** The list's Status text; by default "Up 1 second" or "Exited (0) 1 second ago". */
  status?: string
  /** The inspect's State.StartedAt. */
  startedAt?: string
  /** Answer 404 to this call, as when the container is removed right after the list. */
  vanishOn?: "inspect" | "stats"
  /** Never answer the stats call. */
  hangStats?: boolean
  /** CPU ns the container uses per stats call. */
  cpuStep?: number
}

export interface FakeDocker {
  readonly socketPath: string
  readonly requests: Array<{
    readonly method: string
    readonly url: string
    readonly headerNames: ReadonlyArray<string>
  }>
  apiVersion: string
  containers: Array<FakeContainer>
  /** Milliseconds every stats answer waits, and the most stats calls seen in flight at once. */
  statsDelayMs: number
  maxStatsInFlight: number
  /** The container list alone answers with this status (the rest answers): a half-broken daemon. */
  failList: number | undefined
  /** Whole-daemon behaviour: answer normally, hang every call, or refuse with this status. */
  mode: "ok" | "hang" | number
  /**
   * A hostile answer to one call: `huge` sends `hugeBytes` of JSON-looking text with a
   * Content-Length, `endless` a chunked body that never ends. Both write as fast as the reader
   * reads (with backpressure), and stop when it hangs up.
   */
  hostile: { readonly call: FakeCall; readonly body: "huge" | "endless" } | undefined
  hugeBytes: number
  /** Bytes of hostile bodies written so far, and how many such answers are still being written. */
  hostileBytesSent: number
  hostileOpen: number
  /** Stop listening (connections refused); `start` listens again on the same socket. */
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
  /** Also listen on 127.0.0.1 (a stand-in for a GET-only socket proxy); resolves to the port. */
  listenTcp(): Promise<number>
}

export type FakeCall = "version" | "list" | "inspect" | "stats"

export const SECRET_IN_FAKE_ENV = "fake-daemon-secret-9f1c"

export const makeFakeDocker = async (): Promise<FakeDocker> => {
  const dir = mkdtempSync(join(tmpdir(), "sp-fake-docker-"))
  const socketPath = join(dir, "docker.sock")
  const cpu = new Map<string, number>()
  let system = 1_000_000_000_000

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(JSON.stringify(body))
  }

  const flood = (res: http.ServerResponse, total: number | undefined) => {
    res.writeHead(200, {
      "content-type": "application/json",
      ...(total === undefined ? {} : { "content-length": String(total) })
    })
    const chunk = Buffer.from(`[${'"padding",'.repeat(6553)}`.slice(0, 64 * 1024))
    let sent = 0
    fake.hostileOpen++
    res.once("close", () => fake.hostileOpen--)
    const pump = () => {
      while (!res.destroyed && (total === undefined || sent < total)) {
        const n = total === undefined ? chunk.length : Math.min(chunk.length, total - sent)
        sent += n
        fake.hostileBytesSent += n
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once("drain", pump)
          return
        }
      }
      if (!res.destroyed) res.end()
    }
    pump()
  }

  const callOf = (pathname: string): FakeCall | undefined => {
    if (pathname === "/version") return "version"
    const m = /^\/v[\d.]+\/containers\/(json|[^/]+\/(json|stats))$/.exec(pathname)
    if (m === null) return undefined
    return m[1] === "json" ? "list" : m[2] === "json" ? "inspect" : "stats"
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    fake.requests.push({ method: req.method ?? "", url: req.url ?? "", headerNames: Object.keys(req.headers) })
    if (fake.mode === "hang") return
    if (typeof fake.mode === "number") return json(res, fake.mode, { message: "forbidden by proxy" })
    const url = new URL(req.url ?? "/", "http://docker")
    if (fake.hostile !== undefined && callOf(url.pathname) === fake.hostile.call) {
      return flood(res, fake.hostile.body === "huge" ? fake.hugeBytes : undefined)
    }
    if (url.pathname === "/version") {
      return json(res, 200, { Version: "fake", ApiVersion: fake.apiVersion, MinAPIVersion: "1.12", Os: "linux" })
    }
    const match = /^\/v[\d.]+\/containers\/(json|([^/]+)\/(json|stats))$/.exec(url.pathname)
    if (match === null) return json(res, 404, { message: "page not found" })
    if (match[1] === "json") {
      if (fake.failList !== undefined) return json(res, fake.failList, { message: "list failed" })
      return json(
        res,
        200,
        fake.containers.map((c) => ({
          Id: c.id,
          Names: [`/${c.name}`],
          Image: "fake/image:1",
          Command: `sh -c 'echo ${SECRET_IN_FAKE_ENV}'`,
          Labels: { "sp.secret": SECRET_IN_FAKE_ENV },
          State: c.state,
          Status: c.status ?? (c.state === "running" ? "Up 1 second" : "Exited (0) 1 second ago")
        }))
      )
    }
    const container = fake.containers.find((c) => c.id === match[2])
    if (container === undefined) return json(res, 404, { message: `No such container: ${match[2]}` })
    if (match[3] === "json") {
      if (container.vanishOn === "inspect") return json(res, 404, { message: "No such container" })
      return json(res, 200, {
        Id: container.id,
        Name: `/${container.name}`,
        RestartCount: container.restartCount ?? 0,
        Config: { Env: [`SECRET_TOKEN=${SECRET_IN_FAKE_ENV}`], Cmd: ["sh"] },
        State: {
          Status: container.state,
          Running: container.state === "running",
          StartedAt: container.startedAt ?? "2026-11-25T08:00:00.123456789Z",
          ...(container.health === undefined ? {} : { Health: { Status: container.health, Log: [] } })
        }
      })
    }
    if (container.vanishOn === "stats") return json(res, 404, { message: "No such container" })
    if (container.hangStats) return
    inFlight++
    fake.maxStatsInFlight = Math.max(fake.maxStatsInFlight, inFlight)
    setTimeout(() => {
      inFlight--
      stats(res, container, url.searchParams.get("one-shot") === "true")
    }, fake.statsDelayMs)
  }

  let inFlight = 0
  const stats = (res: http.ServerResponse, container: FakeContainer, oneShot: boolean) => {
    system += 2_000_000_000
    const total = (cpu.get(container.id) ?? 5_000_000) + (container.cpuStep ?? 500_000_000)
    cpu.set(container.id, total)
    return json(res, 200, {
      read: new Date().toISOString(),
      preread: "0001-01-01T00:00:00Z",
      cpu_stats: { cpu_usage: { total_usage: total }, system_cpu_usage: system, online_cpus: 2 },
      // Without one-shot the daemon waits one collector tick and sends that sample as precpu.
      precpu_stats: oneShot
        ? { cpu_usage: { total_usage: 0 } }
        : {
            cpu_usage: { total_usage: total - (container.cpuStep ?? 500_000_000) },
            system_cpu_usage: system - 2_000_000_000,
            online_cpus: 2
          },
      memory_stats: { usage: 3_000_000, limit: 10_000_000, stats: { inactive_file: 1_000_000 } },
      networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
      blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: "read", value: 4096 }] }
    })
  }

  let server: http.Server | undefined
  let tcp: http.Server | undefined
  const fake: FakeDocker = {
    socketPath,
    requests: [],
    apiVersion: "1.41",
    statsDelayMs: 0,
    maxStatsInFlight: 0,
    containers: [],
    mode: "ok",
    failList: undefined,
    hostile: undefined,
    hugeBytes: 512 * 1024 * 1024,
    hostileBytesSent: 0,
    hostileOpen: 0,
    start: () =>
      new Promise<void>((resolve) => {
        server = http.createServer(handle)
        server.listen(socketPath, () => resolve())
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (server === undefined) return resolve()
        server.closeAllConnections()
        server.close(() => resolve())
        server = undefined
      }),
    listenTcp: () =>
      new Promise<number>((resolve) => {
        tcp = http.createServer(handle)
        tcp.listen(0, "127.0.0.1", () => resolve((tcp!.address() as { port: number }).port))
      }),
    close: async () => {
      await fake.stop()
      if (tcp !== undefined) {
        tcp.closeAllConnections()
        await new Promise((resolve) => tcp!.close(resolve))
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
  await fake.start()
  return fake
}
