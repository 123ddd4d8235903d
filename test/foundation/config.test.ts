import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option, Redacted } from "effect"
import { type ConfigContext, type Env, parseAppConfig } from "../../src/config/AppConfig.ts"

const linux: ConfigContext = { platform: "linux", pathExists: () => false }
const parse = (env: Env, ctx: ConfigContext = linux) => parseAppConfig(env, ctx)
const failure = (env: Env, ctx: ConfigContext = linux) => Effect.flip(parse(env, ctx))

describe("configuration", () => {
  it.effect("defaults suit the pi-site stack", () =>
    Effect.gen(function* () {
      const config = yield* parse({})
      assert.strictEqual(config.port, 8787)
      assert.strictEqual(config.host, "127.0.0.1")
      assert.isTrue(Option.isNone(config.authToken))
      assert.isFalse(config.mockMode)
      assert.deepStrictEqual([config.hostProc, config.hostSys, config.hostRoot], ["/proc", "/sys", "/"])
      assert.deepStrictEqual(config.docker, { _tag: "unix", socketPath: "/var/run/docker.sock" })
      assert.strictEqual(config.stackLabel, "com.rioredwards.stack=pi-site")
      assert.deepStrictEqual(config.services, [])
      assert.deepStrictEqual(config.networkExclude, ["lo", "veth*", "docker*", "br-*"])
    })
  )

  it.effect("prefers the host mounts under /host where they exist", () =>
    Effect.gen(function* () {
      const config = yield* parse({}, { platform: "linux", pathExists: (p) => p.startsWith("/host/") })
      assert.deepStrictEqual(
        [config.hostProc, config.hostSys, config.hostRoot],
        ["/host/proc", "/host/sys", "/host/root"]
      )
      const explicit = yield* parse({ HOST_PROC: "/mnt/proc/" }, { platform: "linux", pathExists: () => true })
      assert.strictEqual(explicit.hostProc, "/mnt/proc")
    })
  )

  it.effect("mock mode: MOCK_HOST_STATS, or any platform that is not Linux", () =>
    Effect.gen(function* () {
      assert.isTrue((yield* parse({ MOCK_HOST_STATS: "true" })).mockMode)
      assert.isTrue((yield* parse({ MOCK_HOST_STATS: "1" })).mockMode)
      assert.isFalse((yield* parse({ MOCK_HOST_STATS: "false" })).mockMode)
      assert.isTrue(
        (yield* parse({ MOCK_HOST_STATS: "false" }, { platform: "darwin", pathExists: () => false })).mockMode
      )
      const bad = yield* failure({ MOCK_HOST_STATS: "maybe" })
      assert.strictEqual(bad.variable, "MOCK_HOST_STATS")
      assert.include(bad.message, "MOCK_HOST_STATS")
      assert.include(bad.message, "true/false")
    })
  )

  it.effect("PORT must be an integer from 0 to 65535", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* parse({ PORT: "9000" })).port, 9000)
      for (const bad of ["abc", "-1", "65536", "80.5", "1e3", "0x50"]) {
        const error = yield* failure({ PORT: bad })
        assert.strictEqual(error.variable, "PORT", bad)
        assert.include(error.message, "PORT")
        assert.include(error.message, "0 to 65535")
      }
    })
  )

  it.effect("HOST must be an address; without a token only loopback is allowed", () =>
    Effect.gen(function* () {
      for (const loopback of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"]) {
        assert.isTrue(Option.isNone((yield* parse({ HOST: loopback })).authToken), loopback)
      }
      for (const open of ["0.0.0.0", "::", "192.168.1.10"]) {
        const error = yield* failure({ HOST: open })
        assert.strictEqual(error.variable, "SYSTEM_PROFILER_AUTH_TOKEN", open)
        assert.include(error.message, "SYSTEM_PROFILER_AUTH_TOKEN")
        const withToken = yield* parse({ HOST: open, SYSTEM_PROFILER_AUTH_TOKEN: "s3cret" })
        assert.strictEqual(withToken.host, open.replace(/^\[|\]$/g, ""))
      }
      const error = yield* failure({ HOST: "my host" })
      assert.strictEqual(error.variable, "HOST")
    })
  )

  it.effect("the token is kept redacted, and a blank one is refused without echoing it", () =>
    Effect.gen(function* () {
      const config = yield* parse({ SYSTEM_PROFILER_AUTH_TOKEN: "s3cret-value" })
      assert.strictEqual(Redacted.value(Option.getOrThrow(config.authToken)), "s3cret-value")
      assert.notInclude(String(Option.getOrThrow(config.authToken)), "s3cret-value")
      const error = yield* failure({ SYSTEM_PROFILER_AUTH_TOKEN: "   " })
      assert.strictEqual(error.variable, "SYSTEM_PROFILER_AUTH_TOKEN")
    })
  )

  it.effect("DOCKER_HOST follows Docker's convention", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual((yield* parse({ DOCKER_HOST: "unix:///run/docker.sock" })).docker, {
        _tag: "unix",
        socketPath: "/run/docker.sock"
      })
      assert.deepStrictEqual((yield* parse({ DOCKER_HOST: "tcp://socket-proxy:2375" })).docker, {
        _tag: "tcp",
        host: "socket-proxy",
        port: 2375
      })
      for (const bad of ["http://x:1", "unix://relative.sock", "tcp://host:2375/path", "docker.sock"]) {
        const error = yield* failure({ DOCKER_HOST: bad })
        assert.strictEqual(error.variable, "DOCKER_HOST", bad)
        assert.include(error.accepts, "tcp://host:port")
      }
    })
  )

  it.effect("SYSTEM_PROFILER_SERVICES: name=url, the scheme giving the kind", () =>
    Effect.gen(function* () {
      const config = yield* parse({
        SYSTEM_PROFILER_SERVICES:
          "web=http://web:3000/, ai=https://ai.example:8443/health,db=postgres://db,redis=tcp://cache:6379"
      })
      assert.deepStrictEqual(
        config.services.map((s) => [s.name, s.kind, s.host, s.port]),
        [
          ["web", "http", "web", 3000],
          ["ai", "https", "ai.example", 8443],
          ["db", "postgres", "db", 5432],
          ["redis", "tcp", "cache", 6379]
        ]
      )
      for (const bad of [
        "web",
        "web=",
        "=http://x/",
        "web=ftp://x/",
        "a=tcp://x",
        "a=http://x/,a=http://y/",
        "b c=tcp://x:1"
      ]) {
        const error = yield* failure({ SYSTEM_PROFILER_SERVICES: bad })
        assert.strictEqual(error.variable, "SYSTEM_PROFILER_SERVICES", bad)
        assert.include(error.message, "name=url")
      }
    })
  )

  it.effect("sampling intervals take durations within bounds", () =>
    Effect.gen(function* () {
      const config = yield* parse({ SYSTEM_PROFILER_HOST_INTERVAL: "2s", SYSTEM_PROFILER_SERVICES_INTERVAL: "1m" })
      assert.strictEqual(Duration.toMillis(config.intervals.host), 2000)
      assert.strictEqual(Duration.toMillis(config.intervals.services), 60_000)
      assert.strictEqual(Duration.toMillis(config.intervals.containers), 10_000)
      for (const bad of ["5", "fast", "10ms", "2h", "-1s"]) {
        const error = yield* failure({ SYSTEM_PROFILER_HOST_INTERVAL: bad })
        assert.strictEqual(error.variable, "SYSTEM_PROFILER_HOST_INTERVAL", bad)
        assert.include(error.accepts, "5s")
      }
    })
  )

  it.effect("the stack label and the extra disks are checked", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* parse({ SYSTEM_PROFILER_STACK_LABEL: "app=x" })).stackLabel, "app=x")
      assert.strictEqual(
        (yield* failure({ SYSTEM_PROFILER_STACK_LABEL: "a b" })).variable,
        "SYSTEM_PROFILER_STACK_LABEL"
      )
      assert.deepStrictEqual((yield* parse({ SYSTEM_PROFILER_EXTRA_DISKS: "/mnt/usb, /data" })).extraDisks, [
        "/mnt/usb",
        "/data"
      ])
      assert.strictEqual(
        (yield* failure({ SYSTEM_PROFILER_EXTRA_DISKS: "mnt" })).variable,
        "SYSTEM_PROFILER_EXTRA_DISKS"
      )
    })
  )

  it.effect("the container stats source is auto (cgroupfs, else the API) unless set to api", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* parse({})).containerStatsSource, "auto")
      assert.strictEqual((yield* parse({ SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "api" })).containerStatsSource, "api")
      const error = yield* failure({ SYSTEM_PROFILER_CONTAINER_STATS_SOURCE: "cgroup" })
      assert.strictEqual(error.variable, "SYSTEM_PROFILER_CONTAINER_STATS_SOURCE")
      assert.include(error.message, '"cgroup" is neither')
    })
  )
})
