// What the offline /docs page costs the service in memory: the RSS of the bundle (run as the
// image runs it, bench/bundle.ts) before anyone opens /docs, after the first load of the page
// with everything a browser then fetches (the page, /docs/scalar.js streamed from disk, and
// /openapi.json), and after more loads. It prints figures and never judges them (the goal is in
// bench/README.md).
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
const MORE_LOADS = smoke ? 3 : 20

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

/** One load of the page as a browser makes it; returns the bytes received. */
const loadDocs = async (base: string) => {
  let bytes = 0
  for (const path of ["/docs", "/docs/scalar.js", "/openapi.json"]) {
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
  const before = await settledRss(pid)
  const received = await loadDocs(base)
  const afterFirst = await settledRss(pid)
  for (let i = 0; i < MORE_LOADS; i++) await loadDocs(base)
  const afterMore = await settledRss(pid)

  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`)
  console.log(`one load of /docs: ${mb(received)} received (page, /docs/scalar.js, /openapi.json)`)
  console.log(`RSS before /docs: ${mb(before)}`)
  console.log(
    `RSS after the first /docs load: ${mb(afterFirst)} (${afterFirst >= before ? "+" : ""}${mb(afterFirst - before)})`
  )
  console.log(
    `RSS after ${MORE_LOADS} more loads: ${mb(afterMore)} (${afterMore >= before ? "+" : ""}${mb(afterMore - before)} from before)`
  )
} finally {
  if (child !== undefined && child.exitCode === null) {
    child.kill("SIGTERM")
    await once(child, "exit")
  }
  bundle.remove()
}
