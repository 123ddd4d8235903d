// A programmable fake Docker daemon on a unix socket: enough of the Engine API for the
// collector, with the failure modes a real daemon cannot be made to show on demand (a container
// that vanishes between list and stats, a wedged stats call, a proxy answering 403...). Its
// /events behaves as dockerd's: filters by type, label and action, replays its buffered events
// from `since` (inclusive) to each new subscriber, then streams live ones.

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
  /** The inspect's State.Pid. */
  pid?: number
  /** Labels beside the fake's own secret one. */
  labels?: Readonly<Record<string, string>>
  /** The inspect's HostConfig (limits as numbers, NetworkMode). */
  hostConfig?: Readonly<Record<string, unknown>>
  /** The inspect's State.ExitCode and State.OOMKilled. */
  exitCode?: number
  oomKilled?: boolean
  /** The stats answer's cpu_stats.throttling_data and pids_stats.current, as dockerd sends them. */
  throttling?: { readonly periods: number; readonly throttled_periods: number; readonly throttled_time: number }
  pidsCurrent?: number
}

/** One event the fake logs, as dockerd would for a container. */
export interface FakeEvent {
  readonly id: string
  readonly name: string
  /** As Docker spells it: "die", "health_status: healthy", "exec_start: sh -c ...". */
  readonly action: string
  readonly timeNano: bigint
  /** More attributes: the container's and image's labels, a die's exitCode, a kill's signal. */
  readonly attributes?: Readonly<Record<string, string>>
  /** Defaults to "container". */
  readonly type?: string
}

export interface FakeEvents {
  /** Everything logged, oldest first: what a new subscriber is replayed from `since`. */
  readonly log: Array<FakeEvent>
  /** The query of every GET /events. */
  readonly queries: Array<URLSearchParams>
  /** Answer GET /events (only) with this status, as a proxy without EVENTS=1. */
  refuseWith: number | undefined
  /** Logs an event and writes it to every open stream whose filters match it. */
  emit(event: FakeEvent): void
  /** Writes raw text to every open stream. */
  writeRaw(text: string): void
  /** Writes a line that never ends to every open stream, until the client hangs up. */
  endless(): void
  /** Closes every open stream, as a proxy's idle timeout does. */
  drop(): void
  /** Forgets the log, as a restarted dockerd has none. */
  forget(): void
  /** Streams open now. */
  readonly open: number
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
  readonly events: FakeEvents
}

/** One line of dockerd's /events answer, with timeNano as an exact integer. */
export const eventLine = (event: FakeEvent): string => {
  const attributes = { image: "fake/image:1", ...event.attributes, name: event.name }
  const body = {
    status: event.action,
    id: event.id,
    from: "fake/image:1",
    Type: event.type ?? "container",
    Action: event.action,
    Actor: { ID: event.id, Attributes: attributes },
    scope: "local",
    time: Number(event.timeNano / 1_000_000_000n),
    timeNano: "@NANO@"
  }
  return `${JSON.stringify(body).replace('"@NANO@"', event.timeNano.toString())}\n`
}

/** dockerd's `since`: seconds, or seconds.nanoseconds. */
const parseSince = (raw: string | null): bigint | undefined => {
  if (raw === null) return undefined
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(raw)
  if (m === null) throw new Error(`bad since ${raw}`)
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"))
}

// dockerd's filters for events: type, label (key or key=value), event (health_status and
// exec_* by prefix).
const matches = (filters: Record<string, ReadonlyArray<string>>, event: FakeEvent): boolean => {
  const type = event.type ?? "container"
  if (filters.type !== undefined && !filters.type.includes(type)) return false
  const attributes = { ...event.attributes, name: event.name }
  for (const label of filters.label ?? []) {
    const eq = label.indexOf("=")
    const key = eq === -1 ? label : label.slice(0, eq)
    const value = attributes[key as keyof typeof attributes]
    if (value === undefined || (eq !== -1 && value !== label.slice(eq + 1))) return false
  }
  const wanted = filters.event
  if (wanted !== undefined && !wanted.some((e) => e === event.action || event.action.startsWith(`${e}:`))) return false
  return true
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
    if (/^\/v[\d.]+\/events$/.test(url.pathname)) return subscribe(url, res)
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
          Labels: { "sp.secret": SECRET_IN_FAKE_ENV, ...c.labels },
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
          ...(container.pid === undefined ? {} : { Pid: container.pid }),
          ...(container.exitCode === undefined ? {} : { ExitCode: container.exitCode }),
          ...(container.oomKilled === undefined ? {} : { OOMKilled: container.oomKilled }),
          ...(container.health === undefined ? {} : { Health: { Status: container.health, Log: [] } })
        },
        ...(container.hostConfig === undefined ? {} : { HostConfig: container.hostConfig })
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

  interface Subscriber {
    readonly res: http.ServerResponse
    readonly filters: Record<string, ReadonlyArray<string>>
  }
  const subscribers = new Set<Subscriber>()
  const subscribe = (url: URL, res: http.ServerResponse) => {
    fake.events.queries.push(url.searchParams)
    if (fake.events.refuseWith !== undefined) return json(res, fake.events.refuseWith, { message: "forbidden" })
    let filters: Record<string, ReadonlyArray<string>>
    let since: bigint | undefined
    try {
      filters = JSON.parse(url.searchParams.get("filters") ?? "{}") as Record<string, ReadonlyArray<string>>
      since = parseSince(url.searchParams.get("since"))
    } catch (error) {
      return json(res, 400, { message: String(error) })
    }
    res.writeHead(200, { "content-type": "application/json" })
    res.flushHeaders()
    const subscriber = { res, filters }
    if (since !== undefined) {
      for (const event of fake.events.log) {
        if (event.timeNano >= since && matches(filters, event)) res.write(eventLine(event))
      }
    }
    subscribers.add(subscriber)
    res.on("close", () => subscribers.delete(subscriber))
  }

  const endless = (res: http.ServerResponse) => {
    const chunk = "x".repeat(64 * 1024)
    const more = () => {
      while (!res.destroyed && !res.writableEnded) {
        if (!res.write(chunk)) return void res.once("drain", more)
      }
    }
    more()
  }

  let inFlight = 0
  const stats = (res: http.ServerResponse, container: FakeContainer, oneShot: boolean) => {
    system += 2_000_000_000
    const total = (cpu.get(container.id) ?? 5_000_000) + (container.cpuStep ?? 500_000_000)
    cpu.set(container.id, total)
    return json(res, 200, {
      read: new Date().toISOString(),
      preread: "0001-01-01T00:00:00Z",
      cpu_stats: {
        cpu_usage: { total_usage: total },
        system_cpu_usage: system,
        online_cpus: 2,
        ...(container.throttling === undefined ? {} : { throttling_data: container.throttling })
      },
      ...(container.pidsCurrent === undefined ? {} : { pids_stats: { current: container.pidsCurrent } }),
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
    events: {
      log: [],
      queries: [],
      refuseWith: undefined,
      emit: (event) => {
        fake.events.log.push(event)
        for (const s of subscribers) if (matches(s.filters, event)) s.res.write(eventLine(event))
      },
      writeRaw: (text) => {
        for (const s of subscribers) s.res.write(text)
      },
      endless: () => {
        for (const s of subscribers) endless(s.res)
      },
      drop: () => {
        for (const s of subscribers) s.res.destroy()
        subscribers.clear()
      },
      forget: () => {
        fake.events.log.length = 0
      },
      get open() {
        return subscribers.size
      }
    },
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
