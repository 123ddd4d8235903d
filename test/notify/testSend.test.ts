// `npm run notify:test -- <url>` as an operator runs it: a child process against a receiver on
// loopback; its output names the destination by its display form only, and its exit code says
// whether the message arrived.

import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { httpReceiver, type Receiver } from "./receivers.ts"
import type { AlertmanagerWebhook } from "./shapes.ts"

const root = fileURLToPath(new URL("../..", import.meta.url))
const entry = fileURLToPath(new URL("../../src/notify/testSend.ts", import.meta.url))

const SECRET = "cliS3cret14"

let receiver: Receiver
beforeAll(async () => {
  receiver = await httpReceiver((r) =>
    r.path.startsWith("/broken") ? { status: 500, body: "{}" } : { status: 200, body: "{}" }
  )
})
afterAll(async () => {
  await receiver.close()
})

const run = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, output }))
  })

const node = (args: ReadonlyArray<string>, env?: Record<string, string>) => run(process.execPath, [entry, ...args], env)

describe("npm run notify:test", () => {
  it("sends a test message, prints the display form, exits 0", async () => {
    const url = `webhook+http://am:${SECRET}@127.0.0.1:${receiver.port}/hook?key=${SECRET}`
    const { code, output } = await run("npm", ["run", "-s", "notify:test", "--", url])
    assert.strictEqual(code, 0, output)
    assert.include(output, `ok: webhook+http://127.0.0.1:${receiver.port}/hook accepted the message (1 attempt)`)
    assert.notInclude(output, SECRET)
    const arrived = await receiver.waitFor((r) => r.path === `/hook?key=${SECRET}`)
    const payload = arrived.body as typeof AlertmanagerWebhook.Type
    assert.strictEqual(payload.commonLabels.alertname, "NotifyTest")
    assert.strictEqual(payload.status, "firing")
  })

  it("a destination that keeps failing: the reason and the attempts, exit 1", async () => {
    const url = `webhook+http://127.0.0.1:${receiver.port}/broken?key=${SECRET}`
    const { code, output } = await node([url], {
      SYSTEM_PROFILER_NOTIFY_RETRIES: "1",
      SYSTEM_PROFILER_NOTIFY_BACKOFF: "10ms"
    })
    assert.strictEqual(code, 1, output)
    assert.include(
      output,
      `failed: webhook+http://127.0.0.1:${receiver.port}/broken: the service answered HTTP 500, after 2 attempts`
    )
    assert.notInclude(output, SECRET)
  })

  it("a bad URL or a bad setting: the typed error, without the credential, exit 1", async () => {
    const bad = await node([`gotify://user:${SECRET}@push.example.org`])
    assert.strictEqual(bad.code, 1)
    assert.include(bad.output, "failed: notify:test: entry 1 (gotify://push.example.org): ")
    assert.notInclude(bad.output, SECRET)
    const setting = await node([`ntfy://ntfy.sh/x`], { SYSTEM_PROFILER_NOTIFY_TIMEOUT: "soon" })
    assert.strictEqual(setting.code, 1)
    assert.include(setting.output, "SYSTEM_PROFILER_NOTIFY_TIMEOUT")
    const none = await node([])
    assert.strictEqual(none.code, 1)
    assert.include(none.output, "usage: npm run notify:test -- <destination URL>")
  })
})
