// Real servers on loopback for the probe tests. Each counts what reaches it, so that a test can
// check the number of attempts on the server side, and tracks its open sockets, so that a test
// can check that the probe closed every connection it opened.
import * as http from "node:http"
import * as net from "node:net"

export const LOOPBACK = "127.0.0.1"

export interface Counted {
  readonly port: number
  /** Connections accepted so far. */
  connections: number
  /** Sockets still open on the server side. */
  readonly open: Set<net.Socket>
  close(): Promise<void>
}

export interface CountedHttp extends Counted {
  /** Requests per path. */
  readonly hits: Map<string, number>
  hitsOf(path: string): number
}

const listen = (server: net.Server, host = LOOPBACK) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port))
  })

const track = (server: net.Server, state: { connections: number; open: Set<net.Socket> }) =>
  server.on("connection", (socket: net.Socket) => {
    state.connections++
    state.open.add(socket)
    socket.on("close", () => state.open.delete(socket))
  })

const closer = (server: net.Server, open: Set<net.Socket>) => () =>
  new Promise<void>((resolve) => {
    for (const socket of open) socket.destroy()
    server.close(() => resolve())
  })

/** An HTTP server whose handler gets the request and how many times its path was requested. */
export const httpServer = async (
  handler: (req: http.IncomingMessage, res: http.ServerResponse, hit: number) => void
): Promise<CountedHttp> => {
  const hits = new Map<string, number>()
  const open = new Set<net.Socket>()
  const server = http.createServer((req, res) => {
    const path = req.url ?? "/"
    const hit = (hits.get(path) ?? 0) + 1
    hits.set(path, hit)
    handler(req, res, hit)
  })
  const state = { connections: 0, open, hits, hitsOf: (path: string) => hits.get(path) ?? 0 }
  track(server, state)
  const port = await listen(server)
  return Object.assign(state, { port, close: closer(server, open) })
}

/** A TCP server that hands each connection to `onConnection` (by default: holds it, silent). */
export const tcpServer = async (
  onConnection: (socket: net.Socket) => void = () => {},
  host: typeof LOOPBACK | "::1" = LOOPBACK
): Promise<Counted> => {
  const open = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    socket.on("error", () => {})
    // Read (and drop) what arrives: a paused socket would never see the client's FIN and close.
    socket.resume()
    onConnection(socket)
  })
  const state = { connections: 0, open }
  track(server, state)
  const port = await listen(server, host)
  return Object.assign(state, { port, close: closer(server, open) })
}

/**
 * A loopback port with nothing listening: bound once by us, then released, for a server that
 * needs a free port to bind. A test that needs a refused connection takes refusingPort
 * (test/support/ports.ts): a released port can be taken by another test's server.
 */
export const closedPort = async (): Promise<number> => {
  const server = net.createServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Waits until `predicate` holds, up to `ms`; the caller asserts afterwards. */
export const eventually = async (predicate: () => boolean, ms = 2000) => {
  const until = Date.now() + ms
  while (!predicate() && Date.now() < until) await sleep(10)
}
