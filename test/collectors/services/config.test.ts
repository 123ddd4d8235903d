// SYSTEM_PROFILER_SERVICES: targets, their per-probe options in the URL fragment, and errors
// that name the variable.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { ConfigInvalid } from "../../../src/config/ConfigInvalid.ts"
import { DEFAULT_ACCEPT_STATUS, PI_SITE_SERVICES, parseProbeTargets } from "../../../src/config/services.ts"

const parse = (raw: string) => parseProbeTargets(raw)
const failure = (raw: string) => Effect.flip(parseProbeTargets(raw))

describe("SYSTEM_PROFILER_SERVICES options", () => {
  it.effect("without options: 2xx/3xx, no body check, no redirects, verified TLS, global timeout", () =>
    Effect.gen(function* () {
      const [web] = yield* parse("web=https://web.internal/health")
      assert.deepStrictEqual(web!.http, {
        acceptStatus: DEFAULT_ACCEPT_STATUS,
        expectBody: undefined,
        followRedirects: false,
        insecureTls: false
      })
      assert.deepStrictEqual(DEFAULT_ACCEPT_STATUS, [[200, 399]])
      assert.isUndefined(web!.timeout)
      assert.isUndefined(web!.retries)
      assert.strictEqual(web!.url, "https://web.internal/health")
    })
  )

  it.effect("options in the fragment, which the probe never sends", () =>
    Effect.gen(function* () {
      const [web, db] = yield* parse(
        "web=http://web:3000/status?x=1#status=200-299|301|4xx&body=all%20good%2C%20ok&redirects=follow&timeout=5s&retries=4," +
          "db=postgres://db:5432#timeout=750ms&retries=0"
      )
      assert.deepStrictEqual(web!.http, {
        acceptStatus: [
          [200, 299],
          [301, 301],
          [400, 499]
        ],
        expectBody: "all good, ok",
        followRedirects: true,
        insecureTls: false
      })
      assert.strictEqual(Duration.toMillis(web!.timeout!), 5000)
      assert.strictEqual(web!.retries, 4)
      assert.strictEqual(web!.url, "http://web:3000/status?x=1")
      // The query may hold a token: it is requested, never shown (src/config/redact.ts).
      assert.strictEqual(web!.target, "http://web:3000/status")
      assert.strictEqual(Duration.toMillis(db!.timeout!), 750)
      assert.strictEqual(db!.retries, 0)
      assert.strictEqual(db!.target, "postgres://db:5432")
    })
  )

  it.effect("credentials stay out of the reported target", () =>
    Effect.gen(function* () {
      const [api, db] = yield* parse("api=https://user:s3cret@api.internal/health,db=postgres://app:pw@db:5432/app")
      assert.strictEqual(api!.target, "https://api.internal/health")
      assert.strictEqual(api!.url, "https://user:s3cret@api.internal/health")
      assert.strictEqual(db!.target, "postgres://db:5432")
      assert.notInclude(db!.target, "pw")
    })
  )

  it.effect("IPv6 loopback hosts lose their brackets", () =>
    Effect.gen(function* () {
      const [v6] = yield* parse("v6=tcp://[::1]:5432")
      assert.strictEqual(v6!.host, "::1")
      assert.strictEqual(v6!.port, 5432)
    })
  )

  it.effect("the pi-site default parses", () =>
    Effect.gen(function* () {
      const targets = yield* parse(PI_SITE_SERVICES)
      assert.deepStrictEqual(
        targets.map((t) => [t.name, t.kind, t.host, t.port]),
        [
          ["web", "http", "web", 3000],
          ["ai-img-validator", "http", "ai-img-validator", 8000],
          ["db", "postgres", "db", 5432]
        ]
      )
    })
  )

  it.effect("bad options fail, naming the variable, the probe and the option", () =>
    Effect.gen(function* () {
      const cases: Array<[string, string]> = [
        ["web=http://web/#status=600", "status"],
        ["web=http://web/#status=299-200", "backwards"],
        ["web=http://web/#status=2x", "status"],
        ["web=http://web/#redirects=maybe", "redirects"],
        ["web=http://web/#tls=off", "tls"],
        ["web=http://web/#timeout=5", "timeout"],
        ["web=http://web/#timeout=2h", "timeout"],
        ["web=http://web/#retries=11", "retries"],
        ["web=http://web/#retries=-1", "retries"],
        ["web=http://web/#body=", "body"],
        ["web=http://web/#colour=blue", "colour"],
        ["web=http://web/#retries=1&retries=2", "twice"],
        ["db=postgres://db#body=ok", "http and https probes only"],
        ["cache=tcp://cache:6379#status=200", "http and https probes only"]
      ]
      for (const [raw, mention] of cases) {
        const error = yield* failure(raw)
        assert.instanceOf(error, ConfigInvalid, raw)
        assert.strictEqual(error.variable, "SYSTEM_PROFILER_SERVICES", raw)
        assert.include(error.problem, mention, raw)
        assert.include(error.message, "status=200-299", raw)
      }
    })
  )

  it.effect("a malformed URL is not echoed, as it may hold a password", () =>
    Effect.gen(function* () {
      const error = yield* failure("db=postgres://app:hunter2@db:port")
      assert.notInclude(error.message, "hunter2")
    })
  )
})
