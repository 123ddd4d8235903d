// Ports for tests that need a connection refused. A port bound and released is not one: another
// test's server, running in parallel, can take it before the client reaches it (it did in a
// fresh-clone CI run), and then the "refused" connection is answered.
import * as net from "node:net"

const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(false)
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"))
  })

/**
 * A loopback port that refuses connections for the whole run: below 1024, so the kernel never
 * hands it to a server that binds port 0. Checked once here, so that a machine that does serve
 * on it fails the test's set-up by name instead of its assertions. None is on the Fetch
 * standard's list of bad ports (1, 9, 19, 113... are), which fetch refuses without connecting.
 */
export const refusingPort = async (): Promise<number> => {
  for (const port of [47, 97, 2, 3, 5, 8]) if (await refuses(port)) return port
  throw new Error("no loopback port below 1024 refuses connections here")
}
