// The alerts end to end, against the service as a process (`node src/main.ts`) with its live
// collectors: a rule fires and resolves, and both reach a webhook receiver on loopback as
// Alertmanager's payload. No figure of time is asserted: each wait is generous, and the delays
// seen are printed.
//
// The CPU burner: this build machine is shared, and its CPUs are busy most of the time with other
// work (about 96 % in `/proc/stat` at the time of writing), so the machine's own figure cannot
// show one burner starting and stopping. The service therefore reads a HOST_PROC whose `stat` is
// the burner's own CPU time (from /proc/<pid>/stat) against the wall clock, as a one-core host
// where only the burner runs; meminfo, loadavg and uptime are the machine's. Everything after
// that file (the host collector, the sampler, the rules, the notifier) is the service as it runs.
//
// The container: a labelled busybox on the real dockerd (scripts/ensure-docker.sh), stopped and
// started again. It fails, never skips, when Docker cannot be reached: CI installs it.

import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { afterAll, beforeAll } from "vitest"
import { AlertsOverview } from "../../src/api/Alerts.ts"
import { docker, ensureDocker, IMAGE, randomToken, removeByPrefix } from "../collectors/containers/support/docker.ts"
import { httpReceiver, type Received, type Receiver } from "../notify/receivers.ts"
import { AlertmanagerWebhook, problemsOf } from "../notify/shapes.ts"
import { type Service, startService } from "../support/service.ts"

const TOKEN = "alerts-e2e-token-5150"
const WAIT_MS = 90_000

interface Payload {
  readonly status: string
  readonly alerts: ReadonlyArray<{
    readonly labels: Record<string, string>
    readonly annotations: Record<string, string>
    readonly startsAt: string
    readonly endsAt: string
  }>
}

const payloadOf = (r: Received) => r.body as Payload

const arrival = (receiver: Receiver, alertname: string, status: "firing" | "resolved") =>
  receiver.waitFor((r) => {
    const body = r.body as Payload | undefined
    return body?.status === status && body.alerts?.[0]?.labels.alertname === alertname
  })

/** Rejects after `ms`, naming what did not come: a bound on hanging, not a figure. */
const within = <A>(what: string, ms: number, promise: Promise<A>): Promise<A> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not arrive within ${ms} ms`)), ms)
    promise.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      }
    )
  })

const alertsOf = async (service: Service) => {
  const { status, body } = await service.get("/alerts")
  assert.strictEqual(status, 200, body)
  return Schema.decodeUnknownSync(AlertsOverview)(JSON.parse(body))
}

const writeRules = (dir: string, text: string) => {
  const path = join(dir, "alerts.yaml")
  writeFileSync(path, text)
  return path
}

/** CPU ticks (USER_HZ) a process has used: utime + stime of /proc/<pid>/stat. */
const processTicks = (pid: number): number | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return undefined
  }
}

describe("a CPU burner against a host CPU rule", () => {
  let dir: string
  let receiver: Receiver
  let service: Service | undefined
  let burner: ChildProcess | undefined
  let writer: ReturnType<typeof setInterval> | undefined

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sp-alerts-cpu-"))
    receiver = await httpReceiver(() => ({ status: 200, body: "{}" }))
  })

  afterAll(async () => {
    if (writer !== undefined) clearInterval(writer)
    burner?.kill("SIGKILL")
    await service?.stop()
    await receiver?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("fires a webhook notification while it burns, and resolves after it stops", { timeout: 240_000 }, async () => {
    const proc = join(dir, "proc")
    mkdirSync(proc)
    for (const name of ["meminfo", "loadavg", "uptime"]) symlinkSync(`/proc/${name}`, join(proc, name))
    // One core: busy is the burner's CPU time, idle the rest of the wall time since the start.
    const started = performance.now()
    let burned = 0
    const writeStat = () => {
      if (burner?.pid !== undefined) burned = processTicks(burner.pid) ?? burned
      const elapsed = Math.floor((performance.now() - started) / 10)
      const idle = Math.max(0, elapsed - burned)
      const line = `${burned} 0 0 ${idle} 0 0 0 0 0 0`
      writeFileSync(join(proc, "stat.next"), `cpu  ${line}\ncpu0 ${line}\n`)
      renameSync(join(proc, "stat.next"), join(proc, "stat"))
    }
    writeStat()
    writer = setInterval(writeStat, 100)

    const rules = writeRules(
      dir,
      [
        "rules:",
        "  - name: BurnerCpu",
        "    figure: host.cpu_usage",
        '    comparison: ">="',
        "    threshold: 5",
        "    resolve: 2",
        "    for: 3s",
        "    severity: critical"
      ].join("\n")
    )
    service = await startService(
      {
        HOST_PROC: proc,
        SYSTEM_PROFILER_HOST_INTERVAL: "1s",
        SYSTEM_PROFILER_STACK_LABEL: `sp-alerts-none=${randomToken(4)}`,
        SYSTEM_PROFILER_ALERTS_FILE: rules,
        SYSTEM_PROFILER_ALERTS_GRACE: "0s",
        SYSTEM_PROFILER_NOTIFY: `webhook+http://127.0.0.1:${receiver.port}/hook`
      },
      TOKEN
    )

    // Idle first: the CPU figure is sampled, and the rule holds nothing.
    for (const until = Date.now() + WAIT_MS; ; ) {
      const host = JSON.parse((await service.get("/host")).body) as { cpu?: { usagePercent: number | null } }
      if (host.cpu?.usagePercent !== undefined && host.cpu.usagePercent !== null) {
        assert.isBelow(host.cpu.usagePercent, 5)
        break
      }
      assert.isBelow(Date.now(), until, "the host CPU figure never came")
      await new Promise((r) => setTimeout(r, 200))
    }
    assert.deepStrictEqual((await alertsOf(service)).firing, [])

    burner = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" })
    const firing = await within("the firing notification", WAIT_MS, arrival(receiver, "BurnerCpu", "firing"))
    const firedSeenAt = Date.now()
    assert.deepStrictEqual(problemsOf(firing, AlertmanagerWebhook), [])
    const alert = payloadOf(firing).alerts[0]!
    assert.strictEqual(alert.labels.severity, "critical")
    assert.match(alert.annotations.value!, /^\d+(\.\d+)?%$/)
    assert.strictEqual(alert.annotations.threshold, "≥ 5% for 3s")
    const open = (await alertsOf(service)).firing.find((a) => a.alertname === "BurnerCpu")!
    assert.isDefined(open)
    // The rule's `for` held between the first breach seen and the firing.
    const heldMs = Date.parse(open.firedAt!) - Date.parse(open.since)
    assert.isAtLeast(heldMs, 3000)
    console.info(
      `BurnerCpu: pending at ${open.since}, fired ${heldMs} ms later (for: 3s, host interval 1s); ` +
        `the webhook had it ${firedSeenAt - Date.parse(open.firedAt!)} ms after that or less`
    )

    burner.kill("SIGKILL")
    const stoppedAt = Date.now()
    const resolved = await within("the resolved notification", WAIT_MS, arrival(receiver, "BurnerCpu", "resolved"))
    assert.deepStrictEqual(problemsOf(resolved, AlertmanagerWebhook), [])
    assert.notStrictEqual(payloadOf(resolved).alerts[0]!.endsAt, "0001-01-01T00:00:00Z")
    console.info(`BurnerCpu: resolved notification ${Date.now() - stoppedAt} ms after the burner stopped`)

    const overview = await alertsOf(service)
    assert.deepStrictEqual(overview.firing, [])
    assert.deepStrictEqual(
      overview.history.filter((t) => t.alertname === "BurnerCpu").map((t) => t.event),
      ["firing", "resolved"]
    )
    assert.strictEqual(overview.notifications[0]!.result, "ok")
    // One firing and one resolving reached the receiver for this rule, nothing else.
    assert.strictEqual(
      receiver.received.filter((r) => payloadOf(r).alerts?.[0]?.labels.alertname === "BurnerCpu").length,
      2
    )
  })
})

describe("a labelled container on the real dockerd, stopped and started", () => {
  const runId = randomToken(6)
  const prefix = `sp-alerts-${runId}`
  const name = `${prefix}-web`
  let dir: string
  let receiver: Receiver
  let service: Service | undefined

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sp-alerts-docker-"))
    receiver = await httpReceiver(() => ({ status: 200, body: "{}" }))
    await ensureDocker()
    await docker([
      "run",
      "-d",
      "--network",
      "none",
      "--name",
      name,
      "--label",
      `sp-alerts.stack=${runId}`,
      IMAGE,
      "sleep",
      "3600"
    ])
  }, 300_000)

  afterAll(async () => {
    await service?.stop()
    await removeByPrefix(prefix).catch(() => undefined)
    await receiver?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("fires ContainerNotRunning when it stops and resolves when it runs again", { timeout: 300_000 }, async () => {
    // The default rule with a shorter `for`, so that the test does not wait a minute.
    const rules = writeRules(dir, "rules:\n  - name: ContainerNotRunning\n    for: 2s\n")
    service = await startService(
      {
        SYSTEM_PROFILER_STACK_LABEL: `sp-alerts.stack=${runId}`,
        SYSTEM_PROFILER_CONTAINERS_INTERVAL: "1s",
        SYSTEM_PROFILER_ALERTS_FILE: rules,
        SYSTEM_PROFILER_ALERTS_GRACE: "0s",
        SYSTEM_PROFILER_NOTIFY: `webhook+http://127.0.0.1:${receiver.port}/hook`
      },
      TOKEN
    )
    for (const until = Date.now() + WAIT_MS; ; ) {
      const body = JSON.parse((await service.get("/containers")).body) as {
        containers?: ReadonlyArray<{ name: string; state: string }>
      }
      if (body.containers?.some((c) => c.name === name && c.state === "running")) break
      assert.isBelow(Date.now(), until, `the service never saw ${name} running`)
      await new Promise((r) => setTimeout(r, 200))
    }
    assert.isFalse((await alertsOf(service)).firing.some((a) => a.subject === name))

    await docker(["stop", "-t", "0", name])
    const firing = await within(
      "the firing notification",
      WAIT_MS,
      receiver.waitFor((r) => {
        const body = r.body as Payload | undefined
        return body?.status === "firing" && body.alerts?.[0]?.labels.subject === name
      })
    )
    assert.deepStrictEqual(problemsOf(firing, AlertmanagerWebhook), [])
    const alert = payloadOf(firing).alerts[0]!
    assert.strictEqual(alert.labels.alertname, "ContainerNotRunning")
    assert.strictEqual(alert.labels.severity, "critical")
    assert.strictEqual(alert.annotations.value, "false")
    assert.strictEqual(alert.annotations.threshold, "= false for 2s")
    assert.include(alert.annotations.summary!, `container ${name}: running is false`)

    await docker(["start", name])
    const resolved = await within(
      "the resolved notification",
      WAIT_MS,
      receiver.waitFor((r) => {
        const body = r.body as Payload | undefined
        return body?.status === "resolved" && body.alerts?.[0]?.labels.subject === name
      })
    )
    assert.deepStrictEqual(problemsOf(resolved, AlertmanagerWebhook), [])
    assert.strictEqual(payloadOf(resolved).alerts[0]!.annotations.value, "true")
    const overview = await alertsOf(service)
    assert.deepStrictEqual(
      overview.history.filter((t) => t.subject === name).map((t) => `${t.alertname}:${t.event}:${t.reason}`),
      ["ContainerNotRunning:firing:null", "ContainerNotRunning:resolved:recovered"]
    )
    // Nothing of the container but its name, and nothing of the destination URL, in the log.
    assert.notInclude(service.output(), TOKEN)
  })
})
