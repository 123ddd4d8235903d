// What the offline /docs page costs the service in memory: the RSS of the bundle (run as the
// image runs it, bench/bundle.ts) before anyone opens /docs; after /openapi.json, which the page
// reads (built once, then kept); after the first load of the page and its 3 MB script (streamed
// from disk); and after more loads; beside the idle service's own drift over as long. It prints
// figures and never judges them (the goal is in bench/README.md).
//
//   source scripts/node-env.sh && node bench/docs.ts            # about a minute
//   source scripts/node-env.sh && node bench/docs.ts --smoke    # seconds

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { cpus } from "node:os"
import { buildBundle } from "./bundle.ts"

const smoke = process.argv.includes("--smoke")
const SETTLE_MS = smoke ? 1_000 : 15_000
const MORE_LOADS = smoke ? [3] : [20, 60]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const rssBytes = (pid: number) => {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? Number.NaN : Number(m[1]) * 1024
}

/** The median of a few readings, so that one GC in the middle does not decide the figure. */
const settledRss = async (pid: number) => {
  await sleep(SETTLE_MS)
  const readings: Array<number> = []
  for (let i = 0; i < 5; i++) {
    readings.push(rssBytes(pid))
    await sleep(200)
  }
  return readings.sort((a, b) => a - b)[2]!
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const address = s.address()
      s.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** GETs of `paths` as a browser makes them; returns the bytes received. */
const load = async (base: string, paths: ReadonlyArray<string>) => {
  let bytes = 0
  for (const path of paths) {
    const response = await fetch(`${base}${path}`)
    if (!response.ok) throw new Error(`${path} answered ${response.status}`)
    bytes += (await response.arrayBuffer()).byteLength
  }
  return bytes
}

const bundle = await buildBundle()
let child: ChildProcess | undefined
try {
  const port = await freePort()
  child = spawn(process.execPath, [...bundle.nodeFlags, bundle.main], {
    env: { PATH: process.env.PATH ?? "", MOCK_HOST_STATS: "true", PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "inherit"]
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (i === 300) throw new Error("the service did not start")
    try {
      if ((await fetch(`${base}/health`)).ok) break
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  const pid = child.pid!
  const page = ["/docs", "/docs/scalar.js", "/openapi.json"]
  const signed = (bytes: number) => `${bytes >= 0 ? "+" : "-"}${mb(Math.abs(bytes))}`
  // The idle service's own drift (sampling, timers) over as long as the two measured steps take.
  const idleStart = await settledRss(pid)
  await settledRss(pid)
  const before = await settledRss(pid)
  await load(base, ["/openapi.json"])
  const afterOpenApi = await settledRss(pid)
  const received = await load(base, page)
  const afterFirst = await settledRss(pid)

  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`)
  console.log(`one load of /docs: ${mb(received)} received (${page.join(", ")})`)
  console.log(`RSS before /docs: ${mb(before)} (idle drift over two steps: ${signed(before - idleStart)})`)
  console.log(`RSS after /openapi.json alone: ${mb(afterOpenApi)} (${signed(afterOpenApi - before)})`)
  console.log(
    `RSS after the first /docs load: ${mb(afterFirst)} (${signed(afterFirst - before)} from before, ` +
      `${signed(afterFirst - afterOpenApi)} from /openapi.json alone)`
  )
  let loads = 1
  for (const total of MORE_LOADS) {
    for (; loads < total; loads++) await load(base, page)
    const rss = await settledRss(pid)
    console.log(`RSS after ${total} loads: ${mb(rss)} (${signed(rss - before)} from before)`)
  }
} finally {
  if (child !== undefined && child.exitCode === null) {
    child.kill("SIGTERM")
    await once(child, "exit")
  }
  bundle.remove()
}
