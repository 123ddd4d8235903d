// The service as a child process (`node src/main.ts`), so that a suite sees exactly what an
// operator sees: its HTTP answers and every line it logs.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

export interface Service {
  readonly child: ChildProcess
  readonly token: string
  /** Everything the process wrote to stdout and stderr so far. */
  readonly output: () => string
  readonly baseUrl: string
  get(path: string, options?: { readonly maxMs?: number }): Promise<{ status: number; body: string }>
  stop(): Promise<void>
}

export const startService = async (env: Record<string, string>, token: string): Promise<Service> => {
  const child = spawn(process.execPath, [main], {
    // A clean environment, so that the machine's own variables cannot change the outcome.
    // The history store in a temporary directory, never ./data of the checkout.
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      SYSTEM_PROFILER_AUTH_TOKEN: token,
      SYSTEM_PROFILER_DATA_DIR: mkdtempSync(join(tmpdir(), "sp-service-")),
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))

  const until = Date.now() + 30_000
  while (!output.includes('"system-profiler listening"') && child.exitCode === null && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50))
  }
  const line = output.split("\n").find((l) => l.includes('"system-profiler listening"'))
  if (line === undefined) {
    child.kill("SIGKILL")
    throw new Error(`the service did not start:\n${output}`)
  }
  const address = (JSON.parse(line) as { annotations: { address: string } }).annotations.address
  const baseUrl = address.startsWith("http") ? address : `http://${address}`

  // Streaming routes never end: read what arrives within maxMs, then hang up.
  const get = async (path: string, options: { readonly maxMs?: number } = {}) => {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), options.maxMs ?? 5_000)
    let body = ""
    let status = 0
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        headers: { "x-profiler-token": token, authorization: `Bearer ${token}` },
        signal: controller.signal
      })
      status = response.status
      const reader = response.body?.getReader()
      const decoder = new TextDecoder()
      while (reader !== undefined) {
        const { done, value } = await reader.read()
        if (done) break
        body += decoder.decode(value, { stream: true })
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error
    } finally {
      clearTimeout(timer)
    }
    return { status, body }
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, "exit")
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
    await exited
    clearTimeout(timer)
  }

  return { child, token, output: () => output, baseUrl, get, stop }
}
