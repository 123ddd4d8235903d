// What the Node server accepts before any route runs: how many connections, for how long, from
// whom. A request is authorised only once its headers are complete, so without these limits
// anyone who can connect can hold memory: thousands of sockets each trickling an unfinished
// request head grew the process past its container's memory limit in seconds.
//
// The guard sits in front of every other `request` listener (the HttpServer's handler, with the
// /stats fast path in front of Effect's; see statsFastPath.ts), so what it refuses never reaches it.

import type { IncomingMessage, Server, ServerOptions, ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { HttpServerResponse } from "effect/http"
import { isLoopback } from "../config/values.ts"

export interface ConnectionLimits {
  /** Node's server.maxConnections: past it, a new connection is closed as soon as it is accepted. */
  readonly maxConnections: number
  /**
   * Connections with no request in progress (opening, still sending headers, or kept alive
   * between requests). Past it, the one that has waited longest is closed: a flood of slow
   * sockets cannot starve a new client, since each newcomer pushes the oldest out.
   */
  readonly maxWaiting: number
  /** The whole request head must arrive within this (Node's headersTimeout). */
  readonly headersTimeoutMs: number
  /** The whole request must arrive within this (Node's requestTimeout); a response may take longer. */
  readonly requestTimeoutMs: number
  /** How long a kept-alive connection may wait for its next request. */
  readonly keepAliveTimeoutMs: number
  /**
   * How often Node checks the two timeouts above (its default, 30 s, lets a slow head live 40 s).
   * The check is a timer that wakes the process whether or not anyone is connected.
   */
  readonly checkIntervalMs: number
  /** Open /stats/stream responses; past it, a new one gets a 503. */
  readonly maxStreams: number
}

export const CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 1024,
  maxWaiting: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Longer than the 60 s idle timeout of common load balancers and proxies, so that the proxy,
  // not this server, closes an idle connection (a request sent just as the server closes fails).
  keepAliveTimeoutMs: 65_000,
  // A slow head lives at most 15 s, and maxWaiting bounds how many do meanwhile; a check every
  // second woke the idle service 60 times a minute for that alone.
  checkIntervalMs: 5_000,
  // Above the 200 dashboards the service is measured with (bench/stats.ts): each holds a
  // subscription and a socket, well under a megabyte together.
  maxStreams: 256
}

/** The options of node:http's createServer that carry the limits. */
export const serverOptions = (limits: ConnectionLimits): ServerOptions => ({
  keepAliveTimeout: limits.keepAliveTimeoutMs,
  headersTimeout: limits.headersTimeoutMs,
  requestTimeout: limits.requestTimeoutMs,
  connectionsCheckingInterval: limits.checkIntervalMs
})

/**
 * The answer to a stream asked for when `max` are open: each holds a subscription and a socket
 * for as long as its client stays, so their number is bounded like the connections'.
 */
export const tooManyStreams = (max: number) =>
  HttpServerResponse.jsonUnsafe(
    { error: `${max} streams are open, the most this service serves at once; poll GET /stats, or retry later` },
    { status: 503, headers: { "retry-after": "30" } }
  )

/**
 * Why serving from `address` without a token would expose the API, or undefined when it would
 * not. HOST=localhost passes the start-up check by name, but listen() resolves it later, and a
 * hosts file may map it to a LAN address: the bound address is what counts.
 */
export const exposure = (address: AddressInfo | string | null, tokenSet: boolean): string | undefined => {
  if (tokenSet || address === null || typeof address === "string") return undefined
  if (isLoopback(address.address)) return undefined
  return (
    `the service is bound to ${address.address}, which is not a loopback address, and no ` +
    "SYSTEM_PROFILER_AUTH_TOKEN is set: it would serve the API to the network without authentication"
  )
}

/**
 * The host name a Host header names, lower-cased, without its port or IPv6 brackets; undefined
 * when there is no header.
 */
export const hostName = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined
  const value = header.trim().toLowerCase()
  if (value.startsWith("[")) {
    const end = value.indexOf("]")
    return end === -1 ? value : value.slice(1, end)
  }
  const colon = value.indexOf(":")
  return colon === -1 || value.indexOf(":", colon + 1) !== -1 ? value : value.slice(0, colon)
}

/**
 * Whether a request may be served without a token: it is addressed to a loopback name. A page
 * on any site can make a browser send requests to a name its owner points at 127.0.0.1 (DNS
 * rebinding), and read the answers as same-origin: such a request carries that site's name in
 * its Host header, never localhost. A client that sends no Host header at all is not a browser.
 */
export const loopbackHost = (header: string | undefined): boolean => {
  const name = hostName(header)
  return name === undefined || (name !== "" && isLoopback(name))
}

const refuse = (response: ServerResponse, status: number, error: string) => {
  const body = JSON.stringify({ error })
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    connection: "close"
  })
  response.end(body)
}

const NOT_LOOPBACK_HOST =
  "this service has no token and answers only requests addressed to localhost, 127.0.0.1 or [::1]; " +
  "the Host header names another host (set SYSTEM_PROFILER_AUTH_TOKEN to serve other names)"

/** A connection's place in the waiting list: made once per connection, relinked at every request. */
interface Place {
  readonly socket: Socket
  prev: Place | undefined
  next: Place | undefined
  waiting: boolean
}

/**
 * The connections with no request in progress, the one that has waited longest first. A list
 * threaded through one place per connection, so that a request taking its connection off and its
 * answer putting it back allocate nothing: a Set's delete and add made V8 rebuild the Set's table
 * every few dozen requests, and under load those tables were promoted to the old generation
 * (bench/README.md, "The fourth form").
 */
export class WaitingList {
  private readonly places = new WeakMap<Socket, Place>()
  private head: Place | undefined
  private tail: Place | undefined
  private count = 0

  get size(): number {
    return this.count
  }

  /** Puts `socket` last, unless it is already waiting (then its place stays). */
  add(socket: Socket): void {
    let place = this.places.get(socket)
    if (place === undefined) {
      place = { socket, prev: undefined, next: undefined, waiting: false }
      this.places.set(socket, place)
    }
    if (place.waiting) return
    place.waiting = true
    place.prev = this.tail
    place.next = undefined
    if (this.tail === undefined) this.head = place
    else this.tail.next = place
    this.tail = place
    this.count++
  }

  /** Takes `socket` off the list, if it is on it. */
  delete(socket: Socket): void {
    const place = this.places.get(socket)
    if (place === undefined || !place.waiting) return
    place.waiting = false
    if (place.prev === undefined) this.head = place.next
    else place.prev.next = place.next
    if (place.next === undefined) this.tail = place.prev
    else place.next.prev = place.prev
    place.prev = undefined
    place.next = undefined
    this.count--
  }

  /** The socket that has waited longest, taken off the list; undefined when none waits. */
  shift(): Socket | undefined {
    const oldest = this.head?.socket
    if (oldest !== undefined) this.delete(oldest)
    return oldest
  }
}

export interface GuardSettings {
  readonly tokenSet: boolean
  readonly limits: ConnectionLimits
}

/**
 * Installs the limits and checks on `server`, in front of every other listener of its
 * `connection`, `request` and `checkContinue` events; returns the server.
 */
export const guardServer = <S extends Server>(server: S, settings: GuardSettings): S => {
  const { limits, tokenSet } = settings
  server.maxConnections = limits.maxConnections
  const waiting = new WaitingList()
  let exposed: string | undefined

  const wait = (socket: Socket) => {
    if (socket.destroyed) return
    waiting.add(socket)
    if (waiting.size > limits.maxWaiting) waiting.shift()?.destroy()
  }

  server.on("listening", () => {
    exposed = exposure(server.address(), tokenSet)
  })

  // Once answered, a kept-alive connection waits for its next request like a new one. One
  // listener for every response, not a closure per request: this runs for every /stats answer.
  // The socket is the request's: Node's own "finish" listener, which runs first, takes it off
  // the response.
  function answered(this: ServerResponse) {
    wait(this.req.socket)
  }

  const onRequest = (request: IncomingMessage, response: ServerResponse): boolean => {
    waiting.delete(request.socket)
    response.on("finish", answered)
    if (exposed !== undefined) {
      refuse(response, 503, exposed)
      return true
    }
    if (!tokenSet && !loopbackHost(request.headers.host)) {
      refuse(response, 421, NOT_LOOPBACK_HOST)
      return true
    }
    return false
  }

  // Two named arguments and `arguments` passed on as they are: no array is made for every event.
  const emit = server.emit
  server.emit = function (this: S, event: string | symbol, first?: unknown, second?: unknown): boolean {
    if (event === "connection") {
      const socket = first as Socket
      socket.once("close", () => waiting.delete(socket))
      wait(socket)
    } else if (event === "request" || event === "checkContinue") {
      if (onRequest(first as IncomingMessage, second as ServerResponse)) return true
    } else if (event === "upgrade") {
      const request = first as IncomingMessage
      const socket = second as Socket
      waiting.delete(socket)
      if (exposed !== undefined || (!tokenSet && !loopbackHost(request.headers.host))) {
        socket.end("HTTP/1.1 421 Misdirected Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
        return true
      }
    }
    // biome-ignore lint/complexity/noArguments: passing every argument on without copying them
    return emit.apply(this, arguments as unknown as Parameters<S["emit"]>)
  } as S["emit"]
  return server
}
