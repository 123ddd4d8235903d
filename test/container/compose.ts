// The project's compose files as docker-compose itself merges them (`config`), in a form that
// does not depend on the compose version: docker-compose 1.x prints short-form volumes and
// ports, `docker compose` v2 long-form objects.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

export const ROOT = resolve(import.meta.dirname, "../..")
export const PROFILER = "system-profiler"
export const STACK_LABEL_KEY = "com.rioredwards.stack"
export const STACK_LABEL_VALUE = "pi-site"

export interface Mount {
  readonly source: string
  readonly target: string
  readonly readOnly: boolean
}

export interface PortMapping {
  readonly hostIp: string | undefined
  readonly published: number | undefined
  readonly target: number
}

export interface ComposeService {
  readonly image?: string
  readonly labels?: Record<string, string> | ReadonlyArray<string>
  readonly environment?: Record<string, string | null> | ReadonlyArray<string>
  readonly volumes?: ReadonlyArray<string | { type?: string; source?: string; target: string; read_only?: boolean }>
  readonly ports?: ReadonlyArray<string | { host_ip?: string; published?: string | number; target: number }>
  readonly read_only?: boolean
  readonly cap_drop?: ReadonlyArray<string>
  readonly cap_add?: ReadonlyArray<string>
  readonly security_opt?: ReadonlyArray<string>
  readonly user?: string
  readonly group_add?: ReadonlyArray<string | number>
  readonly init?: boolean
  readonly stop_grace_period?: string
  readonly stop_signal?: string
  readonly healthcheck?: Record<string, unknown>
  readonly deploy?: { resources?: { limits?: { memory?: string; cpus?: string } } }
  readonly [key: string]: unknown
}

export interface ComposeConfig {
  readonly services: Record<string, ComposeService>
}

export type ComposeResult =
  | { readonly ok: true; readonly config: ComposeConfig }
  | { readonly ok: false; readonly stderr: string }

// docker-compose 1.x is a Python program that needs PyYAML: its own interpreter (the shebang of
// the script) can always turn the YAML it prints into JSON.
const yamlToJson = (yaml: string, composeBinary: string): unknown => {
  const shebang = readFileSync(composeBinary, "utf8").split("\n", 1)[0] ?? ""
  const python = shebang.startsWith("#!") ? shebang.slice(2).trim().split(/\s+/) : ["python3"]
  const out = spawnSync(
    python[0]!,
    [...python.slice(1), "-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
    { input: yaml, encoding: "utf8" }
  )
  if (out.status !== 0) throw new Error(`could not read docker-compose's YAML: ${out.stderr}`)
  return JSON.parse(out.stdout)
}

const which = (binary: string): string | undefined => {
  const out = spawnSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" })
  return out.status === 0 ? out.stdout.trim() : undefined
}

/**
 * `docker-compose [-f file]... config` in the project directory, with exactly `env` for
 * interpolation: no variable of the calling shell and no .env file leaks in.
 * Without files, docker-compose reads docker-compose.yml and docker-compose.override.yml.
 */
export const composeConfig = (files: ReadonlyArray<string>, env: Record<string, string>): ComposeResult => {
  const emptyEnvFile = join(mkdtempSync(join(tmpdir(), "sp-compose-")), "empty.env")
  writeFileSync(emptyEnvFile, "")
  const fileArgs = files.flatMap((file) => ["-f", join(ROOT, file)])
  const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" }
  const v1 = which("docker-compose")
  if (v1 !== undefined) {
    const out = spawnSync(v1, ["--project-directory", ROOT, "--env-file", emptyEnvFile, ...fileArgs, "config"], {
      cwd: ROOT,
      env: { ...baseEnv, ...env },
      encoding: "utf8"
    })
    if (out.status !== 0) return { ok: false, stderr: out.stderr }
    return { ok: true, config: yamlToJson(out.stdout, v1) as ComposeConfig }
  }
  // `docker compose` v2 prints JSON itself.
  const out = spawnSync(
    "docker",
    ["compose", "--project-directory", ROOT, "--env-file", emptyEnvFile, ...fileArgs, "config", "--format", "json"],
    { cwd: ROOT, env: { ...baseEnv, ...env }, encoding: "utf8" }
  )
  if (out.error !== undefined) throw new Error(`neither docker-compose nor docker compose runs: ${out.error.message}`)
  if (out.status !== 0) return { ok: false, stderr: out.stderr }
  return { ok: true, config: JSON.parse(out.stdout) as ComposeConfig }
}

export const mustConfig = (files: ReadonlyArray<string>, env: Record<string, string>): ComposeConfig => {
  const result = composeConfig(files, env)
  if (!result.ok)
    throw new Error(`docker-compose config failed for ${files.join(" + ") || "defaults"}:\n${result.stderr}`)
  return result.config
}

export const labelsOf = (service: ComposeService): Record<string, string> => {
  const labels = service.labels ?? {}
  if (!Array.isArray(labels)) return labels as Record<string, string>
  return Object.fromEntries(
    (labels as ReadonlyArray<string>).map((l) => [l.split("=", 1)[0]!, l.slice(l.indexOf("=") + 1)])
  )
}

export const environmentOf = (service: ComposeService): Record<string, string> => {
  const env = service.environment ?? {}
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as ReadonlyArray<string>).map((e) => [
        e.split("=", 1)[0]!,
        e.includes("=") ? e.slice(e.indexOf("=") + 1) : ""
      ])
    )
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v ?? ""]))
}

export const mountsOf = (service: ComposeService): ReadonlyArray<Mount> =>
  (service.volumes ?? []).map((volume) => {
    if (typeof volume !== "string") {
      return { source: volume.source ?? "", target: volume.target, readOnly: volume.read_only === true }
    }
    const [source = "", target = "", mode = "rw"] = volume.split(":")
    return { source, target, readOnly: mode.split(",").includes("ro") }
  })

export const portsOf = (service: ComposeService): ReadonlyArray<PortMapping> =>
  (service.ports ?? []).map((port) => {
    if (typeof port !== "string") {
      return {
        hostIp: port.host_ip,
        published: port.published === undefined ? undefined : Number(port.published),
        target: port.target
      }
    }
    const parts = port.replace(/\/(tcp|udp)$/, "").split(":")
    const target = Number(parts.at(-1))
    const published = parts.length >= 2 ? Number(parts.at(-2)) : undefined
    const hostIp = parts.length === 3 ? parts[0] : undefined
    return { hostIp, published, target }
  })

/** "5s", "1m30s", "500ms" (compose durations) in milliseconds. */
export const durationMillis = (value: string): number => {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let total = 0
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)) {
    total += Number(amount) * (units[unit!] ?? Number.NaN)
  }
  return total
}
