// The guard's rules on a real node:http server with small limits: which Host headers are served
// without a token, which bound addresses count as exposed, and that waiting sockets past the
// limit are closed oldest first while a new client is still served.
import http from "node:http"
import net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import {
  type ConnectionLimits,
  exposure,
  guardServer,
  hostName,
  loopbackHost,
  WaitingList
} from "../../src/server/connectionGuard.ts"
import { eventually, sleep } from "../support/processFigures.ts"

describe("Host headers served without a token", () => {
  it("loopback names and addresses, with any port; nothing else", () => {
    for (const host of [
      "localhost",
      "localhost:8787",
      "LocalHost:1",
      "127.0.0.1",
      "127.0.0.1:8787",
      "127.9.9.9",
      "[::1]",
      "[::1]:8787",
      undefined
    ]) {
      assert.isTrue(loopbackHost(host), String(host))
    }
    for (const host of [
      "",
      "evil.example",
      "evil.example:8787",
      "localhost.evil.example",
      "127.0.0.1.nip.io",
      "192.168.1.2:8787",
      "[::2]:8787",
      "0.0.0.0",
      "[::]"
    ]) {
      assert.isFalse(loopbackHost(host), host)
    }
    assert.strictEqual(hostName("[::1]:8787"), "::1")
    assert.strictEqual(hostName("Example.COM:80"), "example.com")
  })
})

describe("the bound address", () => {
  it("is exposed without a token unless it is loopback", () => {
    const at = (address: string) => ({ address, family: "", port: 8787 })
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) assert.isUndefined(exposure(at(address), false))
    for (const address of ["0.0.0.0", "::", "192.168.1.5"]) {
      assert.include(exposure(at(address), false), `bound to ${address}`)
      assert.isUndefined(exposure(at(address), true))
    }
  })
})

const small: ConnectionLimits = {
  maxConnections: 100,
  maxWaiting: 20,
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 60_000,
  checkIntervalMs: 60_000,
  maxStreams: 4
}

/**
 * A guarded server answering "ok" on loopback with the small limits, given to `run` with the
 * sockets it opens; every socket and the server are closed afterwards.
 */
const withGuardedServer = async (run: (port: number, sockets: Array<net.Socket>) => Promise<void>) => {
  const server = guardServer(
    http.createServer((_req, res) => res.end("ok")),
    { tokenSet: true, limits: small }
  )
  server.listen(0, "127.0.0.1")
  await new Promise((r) => server.once("listening", r))
  const sockets: Array<net.Socket> = []
  try {
    await run((server.address() as net.AddressInfo).port, sockets)
  } finally {
    for (const s of sockets) s.destroy()
    server.closeAllConnections()
    server.close()
  }
}

describe("WaitingList", () => {
  it("keeps the sockets in the order they began to wait, a socket once, and gives the oldest first", () => {
    const [a, b, c, d] = Array.from({ length: 4 }, () => new net.Socket())
    const list = new WaitingList()
    const drain = () => {
      const out: Array<net.Socket | undefined> = []
      for (let s = list.shift(); s !== undefined; s = list.shift()) out.push(s)
      return out
    }
    for (const s of [a!, b!, c!, b!]) list.add(s)
    assert.strictEqual(list.size, 3)
    // b waits again only once answered: taken off and put back, it is then the newest.
    list.delete(b!)
    list.add(b!)
    list.add(d!)
    assert.deepStrictEqual(drain(), [a, c, b, d])
    assert.strictEqual(list.size, 0)
    assert.strictEqual(list.shift(), undefined)

    // Taken off at the head, in the middle and at the tail; a socket never added is no-op.
    for (const s of [a!, b!, c!, d!]) list.add(s)
    list.delete(a!)
    list.delete(c!)
    list.delete(d!)
    list.delete(new net.Socket())
    assert.strictEqual(list.size, 1)
    list.add(a!)
    assert.deepStrictEqual(drain(), [b, a])
  })
})

describe("waiting sockets", () => {
  it("past maxWaiting, the oldest are closed and a new client is still served", () =>
    withGuardedServer(async (port, sockets) => {
      for (let i = 0; i < 60; i++) {
        const socket = net.connect(port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: aaaa"))
        socket.on("error", () => {})
        sockets.push(socket)
        await sleep(2)
      }
      assert.isTrue(await eventually(() => sockets.filter((s) => !s.destroyed).length <= small.maxWaiting, 10_000))
      // Oldest first: the survivors are the last ones opened.
      assert.isTrue(sockets.slice(0, 30).every((s) => s.destroyed))
      const body = await new Promise<string>((resolve, reject) =>
        http
          .get(`http://127.0.0.1:${port}/`, { agent: false }, (res) => {
            let text = ""
            res.on("data", (d: Buffer) => (text += d.toString()))
            res.on("end", () => resolve(text))
          })
          .on("error", reject)
      )
      assert.strictEqual(body, "ok")
    }))

  it("an answered kept-alive connection waits again, and is closed first past maxWaiting", () =>
    withGuardedServer(async (port, sockets) => {
      for (let i = 0; i < 30; i++) {
        const socket = net.connect(port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        socket.on("error", () => {})
        sockets.push(socket)
        // The whole answer, then the connection stays open (HTTP/1.1 keep-alive).
        await new Promise<void>((resolve) => {
          let text = ""
          socket.on("data", (d: Buffer) => {
            text += d.toString()
            if (text.endsWith("ok")) resolve()
          })
        })
      }
      // Answered, all thirty wait for a next request: the ten answered first are closed.
      assert.isTrue(await eventually(() => sockets.slice(0, 10).every((s) => s.destroyed || s.readableEnded), 10_000))
      assert.isTrue(sockets.slice(10).every((s) => !s.destroyed && !s.readableEnded))
    }))
})
