import { existsSync } from "node:fs"
import { Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { TOKEN_ENV } from "../api/Authorization.ts"
import { ConfigInvalid } from "./ConfigInvalid.ts"
import { type DockerEndpoint, readDockerHost } from "./dockerHost.ts"
import { type ExpectedService, parseExpectedServices } from "./expectedServices.ts"
import { type ProbeTarget, parseProbeTargets, SERVICES_VARIABLE } from "./services.ts"
import { tokenProblem } from "./token.ts"
import {
  type Env,
  isLoopback,
  readAbsolutePath,
  readBoolean,
  readDuration,
  readInteger,
  readList,
  readListenHost,
  readPort
} from "./values.ts"

export type { Env } from "./values.ts"

export interface AppConfigShape {
  readonly port: number
  readonly host: string
  readonly authToken: Option.Option<Redacted.Redacted<string>>
  readonly mockMode: boolean
  readonly hostProc: string
  readonly hostSys: string
  readonly hostRoot: string
  readonly docker: DockerEndpoint
  readonly stackLabel: string
  readonly services: ReadonlyArray<ProbeTarget>
  readonly intervals: {
    readonly host: Duration.Duration
    readonly containers: Duration.Duration
    readonly services: Duration.Duration
  }
  readonly networkExclude: ReadonlyArray<string>
  readonly extraDisks: ReadonlyArray<string>
  readonly dockerConcurrency: number
  /** The most containers under the label that a sample keeps; past it the section fails, naming the count. */
  readonly maxContainers: number
  /** auto: cgroupfs under HOST_SYS where the container's cgroup is found, else Docker's stats API; api: always the API. */
  readonly containerStatsSource: "auto" | "api"
  readonly dockerTimeout: Duration.Duration
  readonly probeTimeout: Duration.Duration
  readonly probeRetries: number
  readonly historyWindow: Duration.Duration
  /** Compose services that must have a container (SYSTEM_PROFILER_EXPECTED_SERVICES). */
  readonly expectedServices: ReadonlyArray<ExpectedService>
  /** The window over which /containers counts a container's restarts, exits and OOM events. */
  readonly crashLoopWindow: Duration.Duration
}

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("system-profiler/config/AppConfig") {}

export const DEFAULT_STACK_LABEL = "com.rioredwards.stack=pi-site"
export const MAX_CONTAINERS_VARIABLE = "SYSTEM_PROFILER_MAX_CONTAINERS"
export const DEFAULT_MAX_CONTAINERS = 500
export const DEFAULT_PORT = 8787
export const DEFAULT_NETWORK_EXCLUDE = ["lo", "veth*", "docker*", "br-*"] as const

const intervalBounds = { min: Duration.millis(100), max: Duration.hours(1) }

export interface ConfigContext {
  readonly platform: NodeJS.Platform
  readonly pathExists: (path: string) => boolean
}

// The psutil/gopsutil convention: the host's tree where it is mounted, else our own.
const hostPath = (ctx: ConfigContext, mounted: string, own: string) => () => (ctx.pathExists(mounted) ? mounted : own)

export const parseAppConfig = (env: Env, ctx: ConfigContext) =>
  Effect.gen(function* () {
    const port = yield* readPort(env, "PORT", DEFAULT_PORT)
    const host = yield* readListenHost(env, "HOST", "127.0.0.1")
    const rawToken = env[TOKEN_ENV]
    const problem = rawToken === undefined || rawToken === "" ? undefined : tokenProblem(rawToken)
    if (problem !== undefined) {
      return yield* new ConfigInvalid({
        variable: TOKEN_ENV,
        accepts: "a non-empty secret of printable ASCII characters, without whitespace at either end",
        problem
      })
    }
    const authToken = rawToken === undefined || rawToken === "" ? Option.none() : Option.some(Redacted.make(rawToken))
    if (Option.isNone(authToken) && !isLoopback(host)) {
      return yield* new ConfigInvalid({
        variable: TOKEN_ENV,
        accepts: "a secret token; it is required when HOST is not a loopback address",
        problem: `it is not set, and HOST=${host} would expose the API to the network without authentication`
      })
    }
    const mockMode = (yield* readBoolean(env, "MOCK_HOST_STATS", false)) || ctx.platform !== "linux"
    const hostProc = yield* readAbsolutePath(env, "HOST_PROC", hostPath(ctx, "/host/proc", "/proc"))
    const hostSys = yield* readAbsolutePath(env, "HOST_SYS", hostPath(ctx, "/host/sys", "/sys"))
    const hostRoot = yield* readAbsolutePath(env, "HOST_ROOT", hostPath(ctx, "/host/root", "/"))
    const docker = yield* readDockerHost(env)
    const stackLabel = (env.SYSTEM_PROFILER_STACK_LABEL ?? "").trim() || DEFAULT_STACK_LABEL
    if (!/^[^=\s,]+(=[^\s,]*)?$/.test(stackLabel)) {
      return yield* new ConfigInvalid({
        variable: "SYSTEM_PROFILER_STACK_LABEL",
        accepts: "a Docker label filter, key=value or key",
        problem: `"${stackLabel}" is not a label filter`
      })
    }
    const services = yield* parseProbeTargets(env[SERVICES_VARIABLE] ?? "")
    const intervals = {
      host: yield* readDuration(env, "SYSTEM_PROFILER_HOST_INTERVAL", Duration.seconds(5), intervalBounds),
      containers: yield* readDuration(env, "SYSTEM_PROFILER_CONTAINERS_INTERVAL", Duration.seconds(10), intervalBounds),
      services: yield* readDuration(env, "SYSTEM_PROFILER_SERVICES_INTERVAL", Duration.seconds(30), intervalBounds)
    }
    const extraDisks = readList(env, "SYSTEM_PROFILER_EXTRA_DISKS", [])
    // `..` could climb out of HOST_ROOT and report the container's own filesystems.
    const badDisk = extraDisks.find((p) => !p.startsWith("/") || p.split("/").includes(".."))
    if (badDisk !== undefined) {
      return yield* new ConfigInvalid({
        variable: "SYSTEM_PROFILER_EXTRA_DISKS",
        accepts: "a comma-separated list of absolute mount points on the host, without '..'",
        problem: `"${badDisk}" is not an absolute path without '..'`
      })
    }
    const containerStatsSource = (env.SYSTEM_PROFILER_CONTAINER_STATS_SOURCE ?? "").trim() || "auto"
    if (containerStatsSource !== "auto" && containerStatsSource !== "api") {
      return yield* new ConfigInvalid({
        variable: "SYSTEM_PROFILER_CONTAINER_STATS_SOURCE",
        accepts: "auto (cgroupfs where the container's cgroup is found, else the Docker API) or api",
        problem: `"${containerStatsSource}" is neither`
      })
    }
    return {
      port,
      host,
      authToken,
      mockMode,
      hostProc,
      hostSys,
      hostRoot,
      docker,
      stackLabel,
      services,
      intervals,
      networkExclude: readList(env, "SYSTEM_PROFILER_NET_EXCLUDE", DEFAULT_NETWORK_EXCLUDE),
      extraDisks,
      dockerConcurrency: yield* readInteger(env, "SYSTEM_PROFILER_DOCKER_CONCURRENCY", 5, 1, 64),
      maxContainers: yield* readInteger(env, MAX_CONTAINERS_VARIABLE, DEFAULT_MAX_CONTAINERS, 1, 2000),
      containerStatsSource,
      dockerTimeout: yield* readDuration(env, "SYSTEM_PROFILER_DOCKER_TIMEOUT", Duration.seconds(5), {
        min: Duration.millis(100),
        max: Duration.minutes(1)
      }),
      probeTimeout: yield* readDuration(env, "SYSTEM_PROFILER_PROBE_TIMEOUT", Duration.seconds(2), {
        min: Duration.millis(10),
        max: Duration.minutes(1)
      }),
      probeRetries: yield* readInteger(env, "SYSTEM_PROFILER_PROBE_RETRIES", 2, 0, 10),
      historyWindow: yield* readDuration(env, "SYSTEM_PROFILER_HISTORY_WINDOW", Duration.hours(1), {
        min: Duration.minutes(1),
        max: Duration.hours(24)
      }),
      expectedServices: yield* parseExpectedServices(env),
      // At most the event timeline's retention (24 h): past it there is nothing to count.
      crashLoopWindow: yield* readDuration(env, "SYSTEM_PROFILER_CRASH_LOOP_WINDOW", Duration.hours(1), {
        min: Duration.minutes(1),
        max: Duration.hours(24)
      })
    } satisfies AppConfigShape
  })

export const layerFromEnv = (env: Env, ctx: ConfigContext = { platform: process.platform, pathExists: existsSync }) =>
  Layer.effect(AppConfig, parseAppConfig(env, ctx))

/** The configuration of this process, from process.env. */
export const layer = Layer.suspend(() => layerFromEnv(process.env))

/** A configuration for tests and tools, with overrides on top of an empty environment. */
export const layerTest = (env: Env) => layerFromEnv(env, { platform: "linux", pathExists: () => false })
