// Where to resume the event stream after a reconnection, and which of the replayed events were
// already seen.
//
// dockerd keeps its last 256 events in memory and replays those logged at or after `since`
// (inclusive, in nanoseconds) to a new subscriber, then goes on live. Resuming exactly at the
// last event's time would replay that event; resuming a little earlier also recovers an event
// that two racing goroutines stamped just before it but published just after it. Both overlaps are
// removed by remembering the keys of the events seen in the last moments.

import { type ContainerEvent, eventKey } from "./ContainerEvent.ts"

const NANOS_PER_SECOND = 1_000_000_000n

/** Docker's `since` for a time in nanoseconds: "seconds.nanoseconds". */
export const formatSince = (nanos: bigint): string => {
  const clamped = nanos < 0n ? 0n : nanos
  return `${clamped / NANOS_PER_SECOND}.${(clamped % NANOS_PER_SECOND).toString().padStart(9, "0")}`
}

export class ResumeCursor {
  private latest: bigint | undefined
  private floor: bigint | undefined
  // Insertion-ordered, so the oldest keys are the first ones dropped.
  private readonly seen = new Map<string, bigint>()

  /** How far before the latest event a resumption starts. */
  readonly overlapNanos: bigint
  /**
   * The most keys remembered. Only events within twice the overlap of the latest are kept, so
   * this bounds memory when a tight restart loop logs hundreds of events a second.
   */
  readonly maxKeys: number

  constructor(overlapNanos: bigint = NANOS_PER_SECOND, maxKeys = 4096) {
    this.overlapNanos = overlapNanos
    this.maxKeys = maxKeys
  }

  /**
   * `since` for the next connection: the overlap before the latest event admitted; before any,
   * the start set by startFrom, else undefined (from now on).
   */
  since(): string | undefined {
    if (this.latest !== undefined) return formatSince(this.latest - this.overlapNanos)
    return this.floor === undefined ? undefined : formatSince(this.floor)
  }

  /** Where to start while no event has been admitted, in nanoseconds. */
  startFrom(nanos: bigint): void {
    this.floor = nanos
  }

  /** The latest event time admitted, in nanoseconds. */
  get latestNanos(): bigint | undefined {
    return this.latest
  }

  /** True the first time an event is offered, false for a replay of one already admitted. */
  admit(event: ContainerEvent): boolean {
    const key = eventKey(event)
    if (this.seen.has(key)) return false
    this.seen.set(key, event.timeNano)
    if (this.latest === undefined || event.timeNano > this.latest) this.latest = event.timeNano
    this.prune()
    return true
  }

  /** Keys remembered now. */
  get size(): number {
    return this.seen.size
  }

  private prune(): void {
    const floor = (this.latest ?? 0n) - 2n * this.overlapNanos
    for (const [key, nanos] of this.seen) {
      if (this.seen.size <= this.maxKeys && nanos >= floor) break
      this.seen.delete(key)
    }
  }
}
