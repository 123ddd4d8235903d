// The compose files, merged and validated by docker-compose itself (`config`), and the merged
// result checked for what the deployment relies on. docker-compose must be installed
// (scripts/ensure-test-tools.sh does it): without it these tests fail, they do not skip.
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { parseAppConfig } from "../src/config/AppConfig.ts"
import {
  type ComposeService,
  composeConfig,
  environmentOf,
  labelsOf,
  mountsOf,
  mustConfig,
  PROFILER,
  portsOf,
  ROOT,
  STACK_LABEL_KEY,
  STACK_LABEL_VALUE
} from "./container/compose.ts"

const PROD = ["docker-compose.yml", "docker-compose.prod.yml"]
const PI_SITE = ["web", PROFILER, "ai-img-validator", "db"]

// The service's own parser decides whether an environment is one it starts with: as in the
// container, the host mounts exist.
const appConfigOf = (env: Record<string, string>) =>
  Effect.runSyncExit(parseAppConfig(env, { platform: "linux", pathExists: (p) => p.startsWith("/host/") }))

const profilerOf = (services: Record<string, ComposeService>): ComposeService => {
  const profiler = services[PROFILER]
  if (profiler === undefined) throw new Error(`no ${PROFILER} service in ${Object.keys(services).join(", ")}`)
  return profiler
}

describe("docker-compose.yml + docker-compose.prod.yml", () => {
  const token = randomBytes(24).toString("hex")
  const { services } = mustConfig(PROD, { SYSTEM_PROFILER_AUTH_TOKEN: token })
  const profiler = profilerOf(services)
  const env = environmentOf(profiler)

  it("labels every service of the pi-site stack, so that /containers finds them", () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(PI_SITE))
    for (const [name, service] of Object.entries(services)) {
      expect(labelsOf(service)[STACK_LABEL_KEY], name).toBe(STACK_LABEL_VALUE)
    }
    // The label the profiler filters on is the label the services carry.
    expect(env.SYSTEM_PROFILER_STACK_LABEL).toBe(`${STACK_LABEL_KEY}=${STACK_LABEL_VALUE}`)
  })

  it("passes the token from the environment, and refuses to render without one", () => {
    expect(env.SYSTEM_PROFILER_AUTH_TOKEN).toBe(token)
    const missing = composeConfig(PROD, {})
    expect(missing.ok).toBe(false)
    if (!missing.ok) expect(missing.stderr).toContain("SYSTEM_PROFILER_AUTH_TOKEN")
  })

  it("mounts the host's /proc, /sys, / and the Docker socket, every one read-only", () => {
    // The history's named volume is the one writable mount (its own test below).
    const mounts = mountsOf(profiler).filter((m) => m.target !== "/data")
    const byTarget = Object.fromEntries(mounts.map((m) => [m.target, m]))
    expect(byTarget["/host/proc"]).toEqual({ source: "/proc", target: "/host/proc", readOnly: true })
    expect(byTarget["/host/sys"]).toEqual({ source: "/sys", target: "/host/sys", readOnly: true })
    expect(byTarget["/host/root"]).toEqual({ source: "/", target: "/host/root", readOnly: true })
    expect(byTarget["/var/run/docker.sock"]).toEqual({
      source: "/var/run/docker.sock",
      target: "/var/run/docker.sock",
      readOnly: true
    })
    for (const mount of mounts) expect(mount.readOnly, mount.target).toBe(true)
  })

  it("keeps the history on a named volume at the image's data directory", () => {
    expect(mountsOf(profiler).filter((m) => !m.readOnly)).toEqual([
      { source: "system-profiler-data", target: "/data", readOnly: false }
    ])
    expect(/^ENV SYSTEM_PROFILER_DATA_DIR=(\S+)$/m.exec(readFileSync(join(ROOT, "Dockerfile"), "utf8"))?.[1]).toBe(
      "/data"
    )
  })

  it("reads the real host: no mock figures, no dev token", () => {
    expect(env.MOCK_HOST_STATS).toBeUndefined()
    expect(env.SYSTEM_PROFILER_AUTH_TOKEN).not.toBe("dev-token")
  })

  it("listens on 8787 on every interface of the container, and publishes that port", () => {
    expect(env.HOST).toBe("0.0.0.0")
    expect(env.PORT).toBe("8787")
    expect(portsOf(profiler).map((p) => p.target)).toContain(8787)
  })

  it("is an environment the service starts with: token, port, stack label and the stack's probes", () => {
    const exit = appConfigOf(env)
    if (!Exit.isSuccess(exit)) throw new Error(`the prod environment is rejected: ${String(exit.cause)}`)
    const config = exit.value
    expect(config.port).toBe(8787)
    expect(config.host).toBe("0.0.0.0")
    expect(config.mockMode).toBe(false)
    expect(Option.map(config.authToken, Redacted.value)).toEqual(Option.some(token))
    expect(config.hostProc).toBe("/host/proc")
    // Every probe points at a service of this stack, on the port that service exposes.
    expect(config.services.map((s) => s.name).sort()).toEqual(["ai-img-validator", "db", "web"])
    for (const probe of config.services) {
      const target = services[probe.host]
      expect(target, `${probe.name} probes ${probe.host}, which is no service here`).toBeDefined()
      expect((target?.expose as ReadonlyArray<string> | undefined) ?? [], probe.name).toContain(String(probe.port))
    }
    // Without the token the same environment is refused: HOST=0.0.0.0 needs one.
    const { SYSTEM_PROFILER_AUTH_TOKEN: _, ...withoutToken } = env
    expect(Exit.isFailure(appConfigOf(withoutToken))).toBe(true)
  })

  it("keeps the container locked down: read-only root, no capabilities but the two to drop root", () => {
    expect(profiler.read_only).toBe(true)
    expect(profiler.cap_drop).toEqual(["ALL"])
    expect([...(profiler.cap_add ?? [])].sort()).toEqual(["SETGID", "SETUID"])
    expect(profiler.security_opt).toContain("no-new-privileges:true")
  })
})

describe("docker-compose.yml + docker-compose.override.yml (dev, the default without -f)", () => {
  const { services } = mustConfig([], {})
  const profiler = profilerOf(services)
  const env = environmentOf(profiler)

  it("runs on mock figures with the dev token, and mounts nothing mock mode would not read", () => {
    expect(env.MOCK_HOST_STATS).toBe("true")
    expect(env.SYSTEM_PROFILER_AUTH_TOKEN).toBe("dev-token")
    // Mock mode mocks the containers too (test/server/claims.test.ts): a Docker socket here
    // would be root on the machine for nothing. The only mount is the stored history's named
    // volume of docker-compose.yml, none of the host's paths.
    expect(mountsOf(profiler).map((m) => [m.source, m.target])).toEqual([["system-profiler-data", "/data"]])
    const exit = appConfigOf(env)
    expect(Exit.isSuccess(exit) && exit.value.mockMode).toBe(true)
  })

  it("labels every pi-site service and publishes 8787", () => {
    for (const name of PI_SITE) expect(labelsOf(services[name] ?? {})[STACK_LABEL_KEY], name).toBe(STACK_LABEL_VALUE)
    expect(portsOf(profiler).map((p) => p.target)).toContain(8787)
  })
})

describe("docker-compose.yml alone", () => {
  it("validates, with the defaults the profiler needs and no host mounts", () => {
    const { services } = mustConfig(["docker-compose.yml"], {})
    const profiler = profilerOf(services)
    const env = environmentOf(profiler)
    expect(env).toMatchObject({
      HOST: "0.0.0.0",
      PORT: "8787",
      SYSTEM_PROFILER_STACK_LABEL: "com.rioredwards.stack=pi-site",
      SYSTEM_PROFILER_SERVICES:
        "web=http://web:3000/,ai-img-validator=http://ai-img-validator:8000/,db=postgres://db:5432"
    })
    // No host mount: only the history's named volume.
    expect(mountsOf(profiler)).toEqual([{ source: "system-profiler-data", target: "/data", readOnly: false }])
    // Published on the Pi's loopback unless SYSTEM_PROFILER_BIND says otherwise.
    expect(portsOf(profiler)).toContainEqual({ hostIp: "127.0.0.1", published: 8787, target: 8787 })
  })
})

describe("docker-compose.socket-proxy.yml (on top of the production files)", () => {
  const { services } = mustConfig([...PROD, "docker-compose.socket-proxy.yml"], { SYSTEM_PROFILER_AUTH_TOKEN: "t" })
  const profiler = profilerOf(services)

  it("sends the profiler to a GET-only proxy, and takes the socket away from it", () => {
    const env = environmentOf(profiler)
    const exit = appConfigOf(env)
    if (!Exit.isSuccess(exit)) throw new Error(`rejected: ${String(exit.cause)}`)
    expect(exit.value.docker).toEqual({ _tag: "tcp", host: "socket-proxy", port: 2375 })
    // The prod file's socket mount is replaced (same path in the container), not added to.
    const socketMounts = mountsOf(profiler).filter((m) => m.target === "/var/run/docker.sock")
    expect(socketMounts).toEqual([{ source: "/dev/null", target: "/var/run/docker.sock", readOnly: true }])
    // The host mounts stay.
    expect(mountsOf(profiler).map((m) => m.target)).toEqual(
      expect.arrayContaining(["/host/proc", "/host/sys", "/host/root"])
    )
  })

  it("lets the proxy hold the socket read-only, allow container reads and events, and refuse POST", () => {
    const proxy = services["socket-proxy"]
    expect(proxy).toBeDefined()
    expect(mountsOf(proxy!)).toEqual([
      { source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }
    ])
    expect(environmentOf(proxy!)).toMatchObject({ CONTAINERS: "1", EVENTS: "1", POST: "0" })
    expect(labelsOf(proxy!)[STACK_LABEL_KEY]).toBe(STACK_LABEL_VALUE)
    // Never published: only the stack's network reaches it.
    expect(portsOf(proxy!)).toEqual([])
  })
})

describe("Dockerfile", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8")

  it("defaults to node:24-alpine, as docker-compose.yml does", () => {
    const argDefault = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]
    expect(argDefault).toBe("node:24-alpine")
    const { services } = mustConfig(["docker-compose.yml"], {})
    const build = profilerOf(services).build as { args?: Record<string, string> }
    expect(build.args?.NODE_IMAGE).toBe(argDefault)
  })

  it("declares the data directory a volume, owned by the user the service switches to", () => {
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m)
    const runAs = /^ENV SYSTEM_PROFILER_RUN_AS=(\d+:\d+)$/m.exec(dockerfile)?.[1]
    expect(runAs).toBe("1000:1000")
    expect(dockerfile).toContain(`RUN mkdir -p /data && chown ${runAs} /data && chmod 0750 /data`)
  })

  it("listens where the compose files publish", () => {
    const exposed = /^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]
    const { services } = mustConfig(PROD, { SYSTEM_PROFILER_AUTH_TOKEN: "t" })
    expect(portsOf(profilerOf(services)).map((p) => String(p.target))).toContain(exposed)
  })
})
