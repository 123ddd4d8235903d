// Every probe kind against real servers on loopback: the verdict, the reason, the attempts the
// retry policy made (counted by the server), and that a hanging target costs no more than its
// timeouts and backoff delays.
import { execFileSync } from "node:child_process"
import { X509Certificate } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import * as https from "node:https"
import type * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Schema } from "effect"
import { afterAll, beforeAll } from "vitest"
import { ServiceHealthStats } from "../../../src/api/ServiceStats.ts"
import { type CheckResult, type CheckSettings, check, worstCase } from "../../../src/collectors/services/check.ts"
import { historyLimits } from "../../../src/collectors/services/history.ts"
import { MAX_BODY_BYTES } from "../../../src/collectors/services/httpProbe.ts"
import { type ProbeTarget, parseProbeTargets } from "../../../src/config/services.ts"
import { refusingPort } from "../../support/ports.ts"
import { makeServiceCollector } from "../../support/readings.ts"
import { type CountedHttp, eventually, httpServer, LOOPBACK, tcpServer } from "./servers.ts"
import { testSettings } from "./settings.ts"

const settings = testSettings
const ATTEMPTS = settings.retries + 1
// Timeouts times attempts plus the backoff delays (50 + 100 ms): the longest a check may take.
const WORST_MS = Duration.toMillis(worstCase(settings))
const MARGIN_MS = 1000

const targetOf = (url: string): ProbeTarget => Effect.runSync(parseProbeTargets(`probe=${url}`))[0]!

/** Runs a check and measures its wall time. */
const timed = (url: string, overrides: Partial<CheckSettings> = {}) =>
  Effect.gen(function* () {
    const started = performance.now()
    const result: CheckResult = yield* check(targetOf(url), { ...settings, ...overrides })
    return { result, elapsedMs: performance.now() - started }
  })

const assertFailed = (result: CheckResult, reason: string) => {
  assert.isFalse(result.healthy, `expected ${reason}, got healthy`)
  assert.strictEqual(result.error?.reason, reason, result.error?.message)
  assert.isString(result.error?.message)
}

const assertHangBounded = (elapsedMs: number) => {
  // At least every attempt waited out its timeout, at most that plus the delays and a margin.
  assert.isAtLeast(elapsedMs, ATTEMPTS * Duration.toMillis(settings.timeout) - 20)
  assert.isAtMost(elapsedMs, WORST_MS + MARGIN_MS)
}

let web: CountedHttp
let silent: Awaited<ReturnType<typeof tcpServer>>
let slammer: Awaited<ReturnType<typeof tcpServer>>
let babbler: Awaited<ReturnType<typeof tcpServer>>
let selfSigned: Awaited<ReturnType<typeof selfSignedServer>> | undefined
let refusedPort: number

beforeAll(async () => {
  web = await httpServer((req, res, hit) => {
    const path = req.url ?? "/"
    const answer = (status: number, body = "", headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "text/plain", ...headers })
      res.end(body)
    }
    if (path.startsWith("/ok")) answer(200, "status: all good")
    else if (path.startsWith("/error")) answer(500, "boom")
    else if (path.startsWith("/flaky")) answer(hit < 3 ? 503 : 200, "eventually")
    else if (path.startsWith("/redirect")) answer(302, "", { location: "/ok-after-redirect" })
    else if (path.startsWith("/to-https")) answer(302, "", { location: `https://${LOOPBACK}:${selfSigned!.port}/` })
    else if (path.startsWith("/loop")) answer(307, "", { location: `/loop-${Number(path.split("-")[1] ?? 0) + 1}` })
    else if (path.startsWith("/slow")) setTimeout(() => answer(200, "too late"), 1000)
    else if (path.startsWith("/big")) {
      // The expected text sits just past the 64 KiB the probe reads.
      res.writeHead(200, { "content-type": "text/plain" })
      res.end(`${"x".repeat(MAX_BODY_BYTES)}needle`)
    } else answer(404, "no such path")
  })
  silent = await tcpServer()
  slammer = await tcpServer((socket) => socket.destroy())
  babbler = await tcpServer((socket) => socket.end("SSH-2.0-OpenSSH_9.2\r\n"))
  refusedPort = await refusingPort()
  selfSigned = await selfSignedServer()
})

afterAll(async () => {
  await Promise.all([web?.close(), silent?.close(), slammer?.close(), babbler?.close(), selfSigned?.close()])
})

const url = (path: string) => `http://${LOOPBACK}:${web.port}${path}`

describe("http probe", () => {
  it.live("a server that answers 200 is healthy after one request", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/ok"))
      assert.isTrue(result.healthy, result.error?.message)
      assert.strictEqual(result.statusCode, 200)
      assert.strictEqual(result.attempts, 1)
      assert.strictEqual(web.hitsOf("/ok"), 1)
      assert.isAbove(result.latencyMs!, 0)
      assert.isBelow(result.latencyMs!, Duration.toMillis(settings.timeout))
    })
  )

  it.live("a server that answers 500 is bad-status after every retry", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/error"))
      assertFailed(result, "bad-status")
      assert.strictEqual(result.statusCode, 500)
      assert.include(result.error!.message, "500")
      assert.strictEqual(result.attempts, ATTEMPTS)
      assert.strictEqual(web.hitsOf("/error"), ATTEMPTS)
    })
  )

  it.live("a retry that succeeds makes the check healthy, with its attempts counted", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/flaky"))
      assert.isTrue(result.healthy)
      assert.strictEqual(result.attempts, 3)
      assert.strictEqual(web.hitsOf("/flaky"), 3)
    })
  )

  it.live("retries=0 in the URL options makes a single attempt", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/error-once#retries=0"))
      assertFailed(result, "bad-status")
      assert.strictEqual(result.attempts, 1)
      assert.strictEqual(web.hitsOf("/error-once"), 1)
    })
  )

  it.live("accepted codes are configurable", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/error-accepted#status=200|500-599"))
      assert.isTrue(result.healthy, result.error?.message)
      assert.strictEqual(result.statusCode, 500)
      const { result: notFound } = yield* timed(url("/missing#status=2xx&retries=0"))
      assertFailed(notFound, "bad-status")
      assert.strictEqual(notFound.statusCode, 404)
    })
  )

  it.live("a redirect is not followed by default, and 3xx counts as healthy", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/redirect"))
      assert.isTrue(result.healthy)
      assert.strictEqual(result.statusCode, 302)
      assert.strictEqual(web.hitsOf("/redirect"), 1)
      assert.strictEqual(web.hitsOf("/ok-after-redirect"), 0)
    })
  )

  it.live("a redirect fails a probe that accepts only 200 unless redirects=follow", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/redirect-strict#status=200"))
      assertFailed(result, "bad-status")
      assert.strictEqual(result.statusCode, 302)
      assert.strictEqual(web.hitsOf("/redirect-strict"), ATTEMPTS)
      assert.strictEqual(web.hitsOf("/ok-after-redirect"), 0)

      const { result: followed } = yield* timed(url("/redirect-followed#status=200&redirects=follow"))
      assert.isTrue(followed.healthy, followed.error?.message)
      assert.strictEqual(followed.statusCode, 200)
      assert.strictEqual(web.hitsOf("/redirect-followed"), 1)
      assert.strictEqual(web.hitsOf("/ok-after-redirect"), 1)
    })
  )

  it.live("a redirect loop ends as too-many-redirects", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/loop#redirects=follow&retries=0"))
      assertFailed(result, "too-many-redirects")
      assert.strictEqual(result.statusCode, 307)
      // The first request and five redirects, then the probe stops.
      assert.strictEqual(web.hitsOf("/loop"), 1)
      assert.strictEqual(web.hitsOf("/loop-5"), 1)
      assert.strictEqual(web.hitsOf("/loop-6"), 0)
    })
  )

  it.live("the expected body text makes the verdict, read within 64 KiB", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(url("/ok-body#body=all%20good"))
      assert.isTrue(result.healthy, result.error?.message)
      const { result: missing } = yield* timed(url("/ok-missing#body=database%20down&retries=0"))
      assertFailed(missing, "body-mismatch")
      assert.strictEqual(missing.statusCode, 200)
      assert.include(missing.error!.message, "database down")
      const { result: far } = yield* timed(url("/big#body=needle&retries=0"))
      assertFailed(far, "body-mismatch")
    })
  )

  it.live("a server that answers only after the timeout times out on every attempt", () =>
    Effect.gen(function* () {
      const { result, elapsedMs } = yield* timed(url("/slow"))
      assertFailed(result, "timeout")
      assert.isNull(result.latencyMs)
      assert.strictEqual(result.attempts, ATTEMPTS)
      assert.strictEqual(web.hitsOf("/slow"), ATTEMPTS)
      assertHangBounded(elapsedMs)
    })
  )

  it.live("a server that accepts and never answers times out, and the probe closes its sockets", () =>
    Effect.gen(function* () {
      const before = silent.connections
      const { result, elapsedMs } = yield* timed(`http://${LOOPBACK}:${silent.port}/`)
      assertFailed(result, "timeout")
      assert.strictEqual(result.attempts, ATTEMPTS)
      assert.strictEqual(silent.connections - before, ATTEMPTS)
      assertHangBounded(elapsedMs)
      yield* Effect.promise(() => eventually(() => silent.open.size === 0))
      assert.strictEqual(silent.open.size, 0, "the probe left connections open")
    })
  )

  it.live("a closed port is refused, quickly", () =>
    Effect.gen(function* () {
      const { result, elapsedMs } = yield* timed(`http://${LOOPBACK}:${refusedPort}/`)
      assertFailed(result, "refused")
      assert.strictEqual(result.attempts, ATTEMPTS)
      assert.isBelow(elapsedMs, ATTEMPTS * Duration.toMillis(settings.timeout), "it waited for timeouts")
    })
  )

  it.live("a server that drops the connection is closed; one that speaks another protocol is protocol", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(`http://${LOOPBACK}:${slammer.port}/`, { retries: 0 })
      assertFailed(result, "closed")
      const { result: other } = yield* timed(`http://${LOOPBACK}:${babbler.port}/`, { retries: 0 })
      assertFailed(other, "protocol")
    })
  )

  it.live("https against a plain HTTP server is a TLS failure", () =>
    Effect.gen(function* () {
      const { result } = yield* timed(`https://${LOOPBACK}:${web.port}/ok-tls`, { retries: 0 })
      assertFailed(result, "tls")
      assert.strictEqual(web.hitsOf("/ok-tls"), 0)
    })
  )

  it.live("a self-signed certificate is a TLS failure unless tls=insecure", () =>
    Effect.gen(function* () {
      const port = selfSigned!.port
      const { result } = yield* timed(`https://${LOOPBACK}:${port}/`, { retries: 0 })
      assertFailed(result, "tls")
      assert.include(result.error!.message, "SELF_SIGNED")
      const { result: insecure } = yield* timed(`https://${LOOPBACK}:${port}/#tls=insecure`, { retries: 0 })
      assert.isTrue(insecure.healthy, insecure.error?.message)
      assert.strictEqual(insecure.statusCode, 200)
    })
  )
})

describe("the certificate an https check was shown", () => {
  const DAY = 86_400_000

  it.live("an https check carries its certificate's notAfter, to the second; a plain http one none", () =>
    Effect.gen(function* () {
      const notAfter = new X509Certificate(selfSigned!.pem).validToDate.getTime()
      const { result } = yield* timed(`https://${LOOPBACK}:${selfSigned!.port}/#tls=insecure`, { retries: 0 })
      assert.isTrue(result.healthy, result.error?.message)
      assert.strictEqual(result.tlsNotAfter, notAfter)
      // openssl -days 10, made a moment ago.
      assert.closeTo(result.tlsNotAfter! - Date.now(), 10 * DAY, 5 * 60_000)

      const { result: plain } = yield* timed(url("/ok-plain"))
      assert.isTrue(plain.healthy, plain.error?.message)
      assert.isUndefined(plain.tlsNotAfter)
    })
  )

  it.live("a wrong status or body still carries the certificate it came over", () =>
    Effect.gen(function* () {
      const notAfter = new X509Certificate(selfSigned!.pem).validToDate.getTime()
      const base = `https://${LOOPBACK}:${selfSigned!.port}`
      const { result: status } = yield* timed(`${base}/missing#tls=insecure&status=2xx`, { retries: 0 })
      assertFailed(status, "bad-status")
      assert.strictEqual(status.tlsNotAfter, notAfter)
      const { result: body } = yield* timed(`${base}/#tls=insecure&body=absent`, { retries: 0 })
      assertFailed(body, "body-mismatch")
      assert.strictEqual(body.tlsNotAfter, notAfter)
      // No answer at all: no certificate either (the TLS failure of a self-signed one, verified).
      const { result: refused } = yield* timed(`${base}/`, { retries: 0 })
      assertFailed(refused, "tls")
      assert.isUndefined(refused.tlsNotAfter)
    })
  )

  it.live("after redirects, the certificate is the last hop's: http to https has it, https to http has none", () =>
    Effect.gen(function* () {
      const notAfter = new X509Certificate(selfSigned!.pem).validToDate.getTime()
      const { result: up } = yield* timed(url("/to-https#redirects=follow&tls=insecure&status=200"), { retries: 0 })
      assert.isTrue(up.healthy, up.error?.message)
      assert.strictEqual(up.statusCode, 200)
      assert.strictEqual(up.tlsNotAfter, notAfter)
      assert.strictEqual(web.hitsOf("/to-https"), 1)

      const { result: down } = yield* timed(
        `https://${LOOPBACK}:${selfSigned!.port}/to-http#redirects=follow&tls=insecure&status=200`,
        { retries: 0 }
      )
      assert.isTrue(down.healthy, down.error?.message)
      assert.strictEqual(web.hitsOf("/ok-from-https"), 1)
      assert.isUndefined(down.tlsNotAfter)
    })
  )

  it.live("the live collector shows it in /services as tlsCertificateExpiresAt; a plain http probe has none", () =>
    Effect.gen(function* () {
      const notAfter = new X509Certificate(selfSigned!.pem).validToDate.getTime()
      const targets = Effect.runSync(
        parseProbeTargets(`site=https://${LOOPBACK}:${selfSigned!.port}/#tls=insecure,web=${url("/ok-collector")}`)
      )
      const collector = makeServiceCollector({ ...settings, targets, history: historyLimits(3_600_000, 30_000) })
      const stats = Schema.decodeUnknownSync(ServiceHealthStats)(yield* collector.sample)
      const [site, plain] = stats.services
      assert.isTrue(site!.healthy, site!.error)
      assert.strictEqual(site!.tlsCertificateExpiresAt, new Date(notAfter).toISOString())
      assert.isTrue(plain!.healthy, plain!.error)
      assert.notProperty(plain!, "tlsCertificateExpiresAt")
    })
  )
})

describe("tcp probe", () => {
  it.live("a listener is healthy on the first connection", () =>
    Effect.gen(function* () {
      const before = silent.connections
      const { result } = yield* timed(`tcp://${LOOPBACK}:${silent.port}`)
      assert.isTrue(result.healthy, result.error?.message)
      assert.strictEqual(result.attempts, 1)
      assert.strictEqual(silent.connections - before, 1)
      assert.isAbove(result.latencyMs!, 0)
      assert.isUndefined(result.statusCode)
      yield* Effect.promise(() => eventually(() => silent.open.size === 0))
      assert.strictEqual(silent.open.size, 0)
    })
  )

  it.live("a closed port is refused after every retry", () =>
    Effect.gen(function* () {
      const { result, elapsedMs } = yield* timed(`tcp://${LOOPBACK}:${refusedPort}`)
      assertFailed(result, "refused")
      assert.include(result.error!.message, String(refusedPort))
      assert.strictEqual(result.attempts, ATTEMPTS)
      // Only the backoff delays: a refusal does not wait for the timeout.
      assert.isBelow(elapsedMs, ATTEMPTS * Duration.toMillis(settings.timeout), "it waited for timeouts")
    })
  )
})

describe("IPv6 loopback", () => {
  it.live("a tcp URL with [::1] reaches an IPv6 listener", () =>
    Effect.gen(function* () {
      const v6 = yield* Effect.promise(() => tcpServer(undefined, "::1"))
      try {
        const { result } = yield* timed(`tcp://[::1]:${v6.port}`)
        assert.isTrue(result.healthy, result.error?.message)
        assert.strictEqual(v6.connections, 1)
      } finally {
        yield* Effect.promise(() => v6.close())
      }
    })
  )
})

describe("several probes at once", () => {
  it.live("hanging targets are checked concurrently and never delay a healthy one", () =>
    Effect.gen(function* () {
      const hanging = [`http://${LOOPBACK}:${silent.port}/`, url("/slow-concurrent")]
      const started = performance.now()
      const [fast, ...slow] = yield* Effect.all(
        [url("/ok-concurrent"), ...hanging].map((u) =>
          Effect.map(timed(u), (r) => ({ ...r, finishedAt: performance.now() - started }))
        ),
        { concurrency: "unbounded" }
      )
      const totalMs = performance.now() - started
      assert.isTrue(fast!.result.healthy)
      // Done long before the first hanging check can end (every attempt timed out, plus delays).
      assert.isBelow(fast!.finishedAt, ATTEMPTS * Duration.toMillis(settings.timeout))
      for (const s of slow) assertFailed(s.result, "timeout")
      // One hang's worth of time, not one per hanging target.
      assert.isAtMost(totalMs, WORST_MS + MARGIN_MS)
    })
  )
})

// A certificate for 127.0.0.1 that no authority signed, valid for ten days; openssl ships with
// Debian's ca-certificates. It redirects /to-http to the plain server, answers 404 on /missing.
const selfSignedServer = async () => {
  const dir = mkdtempSync(join(tmpdir(), "system-profiler-tls-"))
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "10",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem")
      ],
      { stdio: "pipe" }
    )
    const pem = readFileSync(join(dir, "cert.pem"), "utf8")
    const server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert: pem }, (req, res) => {
      if (req.url === "/to-http") res.writeHead(302, { location: `http://${LOOPBACK}:${web.port}/ok-from-https` })
      else if (req.url === "/missing") res.writeHead(404)
      res.end("ok")
    })
    const sockets = new Set<net.Socket>()
    server.on("connection", (s: net.Socket) => {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
    })
    server.on("tlsClientError", () => {})
    const port = await new Promise<number>((resolve) =>
      server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port))
    )
    return {
      port,
      pem,
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy()
          server.close(() => resolve())
        })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
