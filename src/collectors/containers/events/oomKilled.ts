// Whether a die was an OOM kill, as Docker's inspect says it (State.OOMKilled): the kernel's OOM
// killer struck the container (an `oom` event) between its start and that die. The die event
// itself does not say so, and a timeline read later may not reach back to the oom before it.

import type { ContainerEvent } from "./ContainerEvent.ts"

export class OomTracker {
  // Per container id: an oom event since its last start. Insertion-ordered, so the first entries
  // are the ones dropped past the bound.
  private readonly struck = new Map<string, boolean>()
  readonly maxContainers: number

  constructor(maxContainers = 1024) {
    this.maxContainers = maxContainers
  }

  /** The event as kept: a die gets its oomKilled; feed every admitted event, in order. */
  mark(event: ContainerEvent): ContainerEvent {
    switch (event.action) {
      case "start":
        this.set(event.id, false)
        return event
      case "oom":
        this.set(event.id, true)
        return event
      case "die":
        return { ...event, oomKilled: this.struck.get(event.id) ?? false }
      case "destroy":
        this.struck.delete(event.id)
        return event
      default:
        return event
    }
  }

  get size(): number {
    return this.struck.size
  }

  private set(id: string, value: boolean): void {
    this.struck.delete(id)
    this.struck.set(id, value)
    if (this.struck.size > this.maxContainers) {
      const oldest = this.struck.keys().next()
      if (!oldest.done) this.struck.delete(oldest.value)
    }
  }
}
