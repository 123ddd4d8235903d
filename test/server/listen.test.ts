// A port already taken: the process stops with a log line that names the address and the
// system's code, where it used to log an empty message.
import { spawn } from "node:child_process"
import { once } from "node:events"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { ListenFailed } from "../../src/server/ListenFailed.ts"
import { dataDirEnv } from "../support/service.ts"

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

describe("listening", () => {
  it("a port in use stops the process with the address and EADDRINUSE", async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
    const port = (holder.address() as { port: number }).port
    try {
      const child = spawn(process.execPath, [main], {
        env: {
          PATH: process.env.PATH ?? "",
          MOCK_HOST_STATS: "true",
          HOST: "127.0.0.1",
          PORT: String(port),
          ...dataDirEnv()
        },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let output = ""
      child.stdout.on("data", (d: Buffer) => (output += d.toString()))
      child.stderr.on("data", (d: Buffer) => (output += d.toString()))
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
      const [code] = (await once(child, "exit")) as [number | null]
      clearTimeout(timer)
      assert.strictEqual(code, 1, output)
      const line = output.split("\n").find((l) => l.includes("startup-failed"))
      assert.isDefined(line, output)
      const log = JSON.parse(line!) as { level: string; message: string }
      assert.strictEqual(log.level, "ERROR")
      assert.include(log.message, `127.0.0.1:${port}`)
      assert.include(log.message, "EADDRINUSE")
      assert.include(log.message, "PORT")
    } finally {
      holder.close()
    }
  })

  it("names an IPv6 address in brackets and keeps Node's words for an unknown code", () => {
    const cause = Object.assign(new Error("listen EWHATEVER ::1:8787"), { code: "EWHATEVER" })
    const error = ListenFailed.fromCause("::1", 8787, cause)
    assert.strictEqual(error.message, "cannot listen on [::1]:8787: EWHATEVER (listen EWHATEVER ::1:8787)")
    assert.strictEqual(ListenFailed.fromCause("0.0.0.0", 80, "boom").code, "UNKNOWN")
  })
})
