// SYSTEM_PROFILER_EXPECTED_SERVICES: the compose services the stack must have, so that one with no
// container at all (never created, removed, or lost while this service was down) shows as missing
// in /containers. Services seen since this service started are remembered without it.

import { Effect } from "effect"
import { ConfigInvalid } from "./ConfigInvalid.ts"
import type { Env } from "./values.ts"

export const EXPECTED_SERVICES_VARIABLE = "SYSTEM_PROFILER_EXPECTED_SERVICES"

/** A compose service, in a given project or in whichever project runs it. */
export interface ExpectedService {
  readonly project: string | undefined
  readonly service: string
}

// Compose's own rules: a project name is lowercase letters, digits, dashes and underscores; a
// service name also takes dots and capitals.
const PROJECT = /^[a-z0-9][a-z0-9_-]*$/
const SERVICE = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/
const MAX_EXPECTED = 200

/** "web,db" or "pi-site/web,pi-site/db": a comma-separated list of service or project/service. */
export const parseExpectedServices = (env: Env) =>
  Effect.gen(function* () {
    const raw = env[EXPECTED_SERVICES_VARIABLE] ?? ""
    const entries = raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
    const accepts = `a comma-separated list of compose services, each service or project/service (at most ${MAX_EXPECTED})`
    if (entries.length > MAX_EXPECTED) {
      return yield* new ConfigInvalid({
        variable: EXPECTED_SERVICES_VARIABLE,
        accepts,
        problem: `${entries.length} entries`
      })
    }
    const out: Array<ExpectedService> = []
    const seen = new Set<string>()
    for (const entry of entries) {
      const slash = entry.indexOf("/")
      const project = slash === -1 ? undefined : entry.slice(0, slash)
      const service = slash === -1 ? entry : entry.slice(slash + 1)
      if ((project !== undefined && !PROJECT.test(project)) || !SERVICE.test(service)) {
        return yield* new ConfigInvalid({
          variable: EXPECTED_SERVICES_VARIABLE,
          accepts,
          problem: `"${entry.slice(0, 80)}" is not a service or project/service name`
        })
      }
      const key = `${project ?? ""}/${service}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ project, service })
    }
    return out as ReadonlyArray<ExpectedService>
  })
