// Real receivers on loopback for the notifier tests: an HTTP server that records every request
// (method, path, headers, body) and answers through a route function, which may hold a request
// open ("hang") until the test releases it; and waiting on arrivals by predicate, so that tests
// order events with latches instead of timing.

import * as http from "node:http"
import type * as net from "node:net"

export const LOOPBACK = "127.0.0.1"

export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly raw: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown
}

export interface Reply {
  readonly status: number
  readonly body?: string
  readonly contentType?: string
}

export type Route = (request: Received, hit: number) => Reply | "hang"

export interface Receiver {
  readonly port: number
  readonly base: string
  readonly received: ReadonlyArray<Received>
  /** Requests held open by a "hang" route, not yet released. */
  readonly hanging: () => number
  /** Resolves with the first request (already arrived or to come) that matches. */
  waitFor(predicate: (r: Received) => boolean): Promise<Received>
  /** Answers every held request with `reply`. */
  release(reply?: Reply): void
  close(): Promise<void>
}

export const httpReceiver = async (route: Route): Promise<Receiver> => {
  const received: Array<Received> = []
  const waiters: Array<{ predicate: (r: Received) => boolean; resolve: (r: Received) => void }> = []
  const held: Array<http.ServerResponse> = []
  const hits = new Map<string, number>()
  const sockets = new Set<net.Socket>()

  const answer = (res: http.ServerResponse, reply: Reply) => {
    if (res.writableEnded || res.destroyed) return
    res.writeHead(reply.status, { "content-type": reply.contentType ?? "application/json" })
    res.end(reply.body ?? "")
  }

  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8")
      let body: unknown
      try {
        body = JSON.parse(raw)
      } catch {
        body = undefined
      }
      const request: Received = { method: req.method ?? "", path: req.url ?? "/", headers: req.headers, raw, body }
      received.push(request)
      const key = request.path.split("?")[0]!
      const hit = (hits.get(key) ?? 0) + 1
      hits.set(key, hit)
      const reply = route(request, hit)
      if (reply === "hang") held.push(res)
      else answer(res, reply)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(request)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(request)
        }
      }
    })
  })
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port))
  })

  return {
    port,
    base: `http://${LOOPBACK}:${port}`,
    received,
    hanging: () => held.filter((res) => !res.writableEnded && !res.destroyed).length,
    waitFor: (predicate) => {
      const found = received.find(predicate)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve) => waiters.push({ predicate, resolve }))
    },
    release: (reply = { status: 200, body: "{}" }) => {
      for (const res of held.splice(0)) answer(res, reply)
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** Waits until `check` holds, polling; the test's own timeout bounds it, no figure is asserted. */
export const eventually = async <A>(check: () => Promise<A | undefined> | A | undefined, everyMs = 20): Promise<A> => {
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
