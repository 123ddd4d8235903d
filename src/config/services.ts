import { Effect } from "effect"
import type { ProbeKind } from "../api/ServiceStats.ts"
import { ConfigInvalid } from "./ConfigInvalid.ts"

export const SERVICES_VARIABLE = "SYSTEM_PROFILER_SERVICES"

export interface ProbeTarget {
  readonly name: string
  readonly kind: ProbeKind
  /** The URL as configured; reported as the probe's target. */
  readonly target: string
  readonly host: string
  readonly port: number
}

const ACCEPTS =
  "a comma-separated list of name=url, the scheme giving the probe kind: " +
  "http://host:port/path, https://..., tcp://host:port or postgres://host:port " +
  "(e.g. web=http://web:3000/,db=postgres://db:5432)"

const schemeKinds: Record<string, ProbeKind> = {
  "http:": "http",
  "https:": "https",
  "tcp:": "tcp",
  "postgres:": "postgres",
  "postgresql:": "postgres"
}
const defaultPorts: Record<ProbeKind, number | undefined> = { http: 80, https: 443, tcp: undefined, postgres: 5432 }

const fail = (problem: string) => new ConfigInvalid({ variable: SERVICES_VARIABLE, accepts: ACCEPTS, problem })

export const parseProbeTargets = (raw: string) =>
  Effect.gen(function* () {
    const targets: Array<ProbeTarget> = []
    const entries = raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
    for (const entry of entries) {
      const eq = entry.indexOf("=")
      if (eq <= 0) return yield* fail(`entry "${entry}" is not name=url`)
      const name = entry.slice(0, eq).trim()
      const target = entry.slice(eq + 1).trim()
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) {
        return yield* fail(`"${name}" is not a valid name (letters, digits, _ . -)`)
      }
      if (targets.some((t) => t.name === name)) return yield* fail(`the name "${name}" appears twice`)
      let url: URL
      try {
        url = new URL(target)
      } catch {
        return yield* fail(`the URL of "${name}" ("${target}") is not a valid URL`)
      }
      const kind = schemeKinds[url.protocol]
      if (kind === undefined) return yield* fail(`the URL of "${name}" has the unsupported scheme "${url.protocol}"`)
      const port = url.port === "" ? defaultPorts[kind] : Number(url.port)
      if (url.hostname === "") return yield* fail(`the URL of "${name}" has no host`)
      if (port === undefined) return yield* fail(`the URL of "${name}" needs a port (tcp://host:port)`)
      targets.push({ name, kind, target, host: url.hostname.replace(/^\[|\]$/g, ""), port })
    }
    return targets as ReadonlyArray<ProbeTarget>
  })
