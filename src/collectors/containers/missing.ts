// Which compose services of the stack have no container: the ones configuration expects
// (SYSTEM_PROFILER_EXPECTED_SERVICES) and the ones a sample saw since this service started. A
// stopped container is not missing (it is listed, stopped); a service whose every container was
// removed, or that was never created, is. Only the two compose labels are used, read by name.

import type { ExpectedService } from "../../config/expectedServices.ts"
import type { ContainerReading, MissingService } from "../../domain/ContainerReading.ts"

const keyOf = (project: string | undefined, service: string) => `${project ?? ""}\u0000${service}`

export class ServiceRoster {
  private readonly expected: ReadonlyArray<ExpectedService>
  // Per project and service: when a container of it was last listed. Insertion order is age
  // order (a service is moved to the end each time it is seen), so the first are dropped first.
  private readonly seen = new Map<
    string,
    { readonly project: string | undefined; readonly service: string; at: number }
  >()
  readonly capacity: number

  constructor(expected: ReadonlyArray<ExpectedService>, capacity = 1000) {
    this.expected = expected
    this.capacity = capacity
  }

  /** Records the services of one sample's containers and tells the ones with no container in it. */
  update(containers: ReadonlyArray<ContainerReading>, at: number): ReadonlyArray<MissingService> {
    const present = new Set<string>()
    const services = new Set<string>()
    for (const c of containers) {
      if (c.composeService === undefined) continue
      const key = keyOf(c.composeProject, c.composeService)
      present.add(key)
      services.add(c.composeService)
      this.seen.delete(key)
      this.seen.set(key, { project: c.composeProject, service: c.composeService, at })
    }
    while (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next()
      if (oldest.done) break
      this.seen.delete(oldest.value)
    }
    const missing: Array<MissingService> = []
    const told = new Set<string>()
    for (const e of this.expected) {
      // Without a project, any project's container of that service will do.
      const there = e.project === undefined ? services.has(e.service) : present.has(keyOf(e.project, e.service))
      if (there) continue
      const key = keyOf(e.project, e.service)
      const last = e.project === undefined ? this.lastSeenOf(e.service) : this.seen.get(key)
      missing.push({ project: e.project ?? last?.project, service: e.service, lastSeenAt: last?.at })
      told.add(keyOf(e.project ?? last?.project, e.service))
    }
    for (const [key, s] of this.seen) {
      if (present.has(key) || told.has(key)) continue
      missing.push({ project: s.project, service: s.service, lastSeenAt: s.at })
    }
    return missing.sort(
      (a, b) => (a.project ?? "").localeCompare(b.project ?? "") || a.service.localeCompare(b.service)
    )
  }

  private lastSeenOf(service: string) {
    let last: { readonly project: string | undefined; readonly service: string; at: number } | undefined
    for (const s of this.seen.values()) if (s.service === service && (last === undefined || s.at > last.at)) last = s
    return last
  }
}
