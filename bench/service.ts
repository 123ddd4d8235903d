// What the benchmarks that start the service share: its CPU and RSS from /proc, a free port, the
// wait for an answer, the four probe targets, and the run with its clean-up on any end.

import { readFileSync } from "node:fs"
import { createServer as createHttpServer } from "node:http"
import { type AddressInfo, createServer as createTcpServer, type Server } from "node:net"

const CLK_TCK = 100 // USER_HZ on every Linux the service targets

export const rssBytes = (pid: number) => {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? Number.NaN : Number(m[1]) * 1024
}

/**
 * The two parts of the RSS: anon is the process's own memory (its heaps, malloc, stacks); file is
 * the pages of files it maps, above all the node binary's code, which every node process shares
 * and the kernel takes back under memory pressure. Code of the binary that has not run yet is not
 * in it: the first run of V8's optimizing compiler alone adds some megabytes.
 */
export const rssParts = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kB = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status)
    return m === null ? Number.NaN : Number(m[1]) * 1024
  }
  return { anon: kB("RssAnon"), file: kB("RssFile") }
}

/** CPU seconds (user and system) the process has used since it started. */
export const cpuSeconds = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  // Fields after the command name, which may hold spaces: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createTcpServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })

export const waitFor = async (url: string, headers: Record<string, string> = {}, tries = 200) => {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url, { headers })
      await r.arrayBuffer()
      if (r.ok) return
    } catch {
      // not up yet
    }
    await sleep(100)
  }
  throw new Error(`${url} did not answer`)
}

/** Two HTTP and two TCP targets in this process, as the four probes. */
export const startProbeTargets = async () => {
  const servers: Array<Server | ReturnType<typeof createHttpServer>> = []
  const listen = (s: Server | ReturnType<typeof createHttpServer>) =>
    new Promise<number>((resolve) => {
      servers.push(s)
      s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port))
    })
  const http = () => createHttpServer((_req, res) => res.end("ok"))
  const tcp = () => createTcpServer((socket) => socket.end())
  const [a, b, c, d] = await Promise.all([listen(http()), listen(http()), listen(tcp()), listen(tcp())])
  const services = `web=http://127.0.0.1:${a}/,api=http://127.0.0.1:${b}/health,cache=tcp://127.0.0.1:${c},queue=tcp://127.0.0.1:${d}`
  return {
    services,
    close: () => {
      for (const s of servers) s.close()
    }
  }
}

/** Runs `main`, then `cleanup` on success, failure (logged) or SIGINT/SIGTERM, and exits. */
export const runBench = (main: () => Promise<void>, cleanup: () => Promise<void>, log: (message: string) => void) => {
  const stopOnSignal = () => {
    void cleanup().then(() => process.exit(130))
  }
  process.on("SIGINT", stopOnSignal)
  process.on("SIGTERM", stopOnSignal)
  main()
    .then(cleanup)
    .then(() => process.exit(0))
    .catch(async (error: unknown) => {
      log(error instanceof Error ? error.message : String(error))
      await cleanup()
      process.exit(1)
    })
}
