// The service process under hostile connections (src/server/connectionGuard.ts): a flood of
// sockets that each trickle an unfinished 15 KB request head, bounded in count and time, on
// loopback; more streams than the service serves; requests addressed to a name that is not
// loopback when no token is set (DNS rebinding).

import http from "node:http"
import net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { afterEach } from "vitest"
import { CONNECTION_LIMITS } from "../../src/server/connectionGuard.ts"
import { eventually, MiB, memoryOf, sleep, stopWithin } from "../support/processFigures.ts"
import { type Service, startService } from "../support/service.ts"

const services: Array<Service> = []
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop()
})
const start = async (env: Record<string, string>, token: string) => {
  const service = await startService({ MOCK_HOST_STATS: "true", ...env }, token)
  services.push(service)
  return service
}

/** One request on a fresh connection, with the headers given (Host included), and its answer. */
const request = (
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  timeoutMs = 5_000
): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}${path}`, { agent: false, headers, timeout: timeoutMs }, (res) => {
      let body = ""
      res.on("data", (d: Buffer) => (body += d.toString()))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on("timeout", () => req.destroy(new Error("timed out")))
    req.on("error", reject)
  })

// How much the peak RSS may grow during the flood: the waiting sockets the guard keeps
// (CONNECTION_LIMITS.maxWaiting of them, each with up to 16 KB of head) and the churn of the
// others, well below what 5000 unfinished heads held at once take (over 120 MB here).
const FLOOD_PEAK_GROWTH_BOUND = 48 * MiB
const FLOOD_SOCKETS = 5000
const HEAD_PAD = 15_000

describe("a flood of unfinished request heads", () => {
  it("keeps /health answering, bounds memory, and stops on SIGTERM within a second", async () => {
    const service = await start({}, "flood-test-token")
    const { port } = new URL(service.baseUrl)
    const pid = service.child.pid!
    assert.strictEqual((await service.get("/health")).status, 200)
    const before = memoryOf(pid)

    const sockets: Array<net.Socket> = []
    let closedByServer = 0
    const head = `GET /host HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Profiler-Token: wrong\r\nX-Pad: ${"a".repeat(HEAD_PAD)}`
    for (let batch = 0; batch < FLOOD_SOCKETS / 250; batch++) {
      for (let i = 0; i < 250; i++) {
        const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(head))
        socket.on("error", () => {})
        socket.on("close", () => closedByServer++)
        sockets.push(socket)
      }
      await sleep(50)
    }
    try {
      // Every socket has connected and sent its head, or was closed; the service has accepted
      // them all (a busy one leaves some in the kernel's backlog a while) and kept the newest.
      assert.isTrue(await eventually(() => sockets.every((s) => s.destroyed || s.writableLength === 0), 20_000))
      const settled = await eventually(
        () => sockets.filter((s) => !s.destroyed).length <= CONNECTION_LIMITS.maxWaiting,
        30_000
      )
      // Fresh clients are served while the flood's survivors still hold their sockets.
      for (let i = 0; i < 5; i++) {
        const health = await request(service.baseUrl, "/health", {})
        assert.strictEqual(health.status, 200)
      }
      const stats = await request(service.baseUrl, "/stats", { "x-profiler-token": service.token })
      assert.strictEqual(stats.status, 200)
      const open = sockets.filter((s) => !s.destroyed).length
      const after = memoryOf(pid)
      console.info(
        `${FLOOD_SOCKETS} sockets: ${closedByServer} closed by the service, ${open} still open; ` +
          `RSS ${(before.rss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB, peak ${(before.peak / MiB).toFixed(0)} -> ${(after.peak / MiB).toFixed(0)} MiB`
      )
      assert.isTrue(settled, `${open} flood sockets still open`)
      assert.isAtMost(open, CONNECTION_LIMITS.maxWaiting)
      assert.isBelow(after.peak - before.peak, FLOOD_PEAK_GROWTH_BOUND)
      assert.strictEqual(await stopWithin(service.child, 1_000), 0, service.output())
    } finally {
      for (const s of sockets) s.destroy()
    }
  })
})

describe("open streams", () => {
  it(`past ${CONNECTION_LIMITS.maxStreams}, a new stream gets a 503 with {"error"}; one closed makes room`, async () => {
    const service = await start({}, "streams-test-token")
    const streams: Array<http.ClientRequest> = []
    const open = () =>
      new Promise<{ status: number; body: string; request: http.ClientRequest }>((resolve, reject) => {
        const request = http.get(
          `${service.baseUrl}/stats/stream`,
          { agent: false, headers: { "x-profiler-token": service.token } },
          (res) => {
            if (res.statusCode !== 200) {
              let body = ""
              res.on("data", (d: Buffer) => (body += d.toString()))
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body, request }))
              return
            }
            // Counted once its first event is out.
            res.once("data", () => resolve({ status: 200, body: "", request }))
          }
        )
        request.on("error", reject)
        streams.push(request)
      })
    try {
      for (let i = 0; i < CONNECTION_LIMITS.maxStreams; i++) assert.strictEqual((await open()).status, 200)
      const refused = await open()
      assert.strictEqual(refused.status, 503)
      assert.match((JSON.parse(refused.body) as { error: string }).error, /streams are open/)
      assert.strictEqual((await request(service.baseUrl, "/health", {})).status, 200)
      streams[0]!.destroy()
      assert.isTrue(await eventually(async () => (await open()).status === 200, 10_000))
    } finally {
      for (const s of streams) s.destroy()
    }
  })
})

describe("a stop with clients still connected", () => {
  it("SIGTERM ends the open streams and the kept-alive connections and exits within a second", async () => {
    const service = await start({}, "stop-test-token")
    const headers = { "x-profiler-token": service.token }
    const agent = new http.Agent({ keepAlive: true })
    const requests: Array<http.ClientRequest> = []
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.get(`${service.baseUrl}/stats/stream`, { agent: false, headers }, (res) => {
            res.once("data", () => resolve())
          })
          req.on("error", reject)
          requests.push(req)
        })
      }
      // A kept-alive connection that has had its answer from the fast path and waits for more.
      await new Promise<void>((resolve, reject) => {
        const req = http.get(`${service.baseUrl}/stats`, { agent, headers }, (res) => {
          assert.strictEqual(res.statusCode, 200)
          res.resume()
          res.on("end", () => resolve())
        })
        req.on("error", reject)
      })
      // Killed at the second, the exit code is null: a close that waits on its clients fails here.
      assert.strictEqual(await stopWithin(service.child, 1_000), 0, service.output())
    } finally {
      agent.destroy()
      for (const r of requests) r.destroy()
    }
  })
})

describe("no token, on loopback", () => {
  it("answers only requests addressed to a loopback name, on every path (the fast path too)", async () => {
    const service = await start({}, "")
    const { port } = new URL(service.baseUrl)
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "LOCALHOST", "127.0.0.2"]) {
      for (const path of ["/health", "/stats", "/host"]) {
        const answer = await request(service.baseUrl, path, { host })
        assert.strictEqual(answer.status, 200, `${host} ${path}`)
      }
    }
    for (const host of [`rebind.attacker.example:${port}`, "192.168.1.20", "localhost.attacker.example", "[::2]"]) {
      for (const path of ["/health", "/stats", "/host", "/metrics"]) {
        const answer = await request(service.baseUrl, path, { host })
        assert.strictEqual(answer.status, 421, `${host} ${path}`)
        const body = JSON.parse(answer.body) as Record<string, string>
        assert.deepStrictEqual(Object.keys(body), ["error"])
        assert.include(body.error, "localhost, 127.0.0.1 or [::1]")
        assert.notInclude(answer.body, host)
      }
    }
    // A WebSocket handshake from a rebinding page is a request like the others: refused alike.
    const upgrade = await request(service.baseUrl, "/stats/stream", {
      host: "rebind.attacker.example",
      connection: "Upgrade",
      upgrade: "websocket"
    })
    assert.strictEqual(upgrade.status, 421)
  })

  it("with a token, any Host is served to a client that presents it", async () => {
    const service = await start({}, "host-test-token")
    const answer = await request(service.baseUrl, "/host", {
      host: "profiler.lan:8787",
      "x-profiler-token": service.token
    })
    assert.strictEqual(answer.status, 200)
  })
})
