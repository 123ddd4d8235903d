import { Clock, Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { HistoryStore } from "../../../history/store/HistoryStore.ts"
import { ContainerEvent, eventMillis } from "./ContainerEvent.ts"

// Where the timeline is kept. The interface is all ContainerEvents needs, so that the in-memory
// store below and the one in the history database are interchangeable: append in arrival order,
// read back a window, and say how much is kept.

/**
 * An event as the history store's journal keeps it: JSON of ContainerEvent's fields only (the
 * struct drops any other key on encoding), its timeNano as decimal digits, exact.
 */
export const StoredEvent = Schema.fromJsonString(
  Schema.Struct({ ...ContainerEvent.fields, timeNano: Schema.BigIntFromString })
)
const encodeStored = Schema.encodeSync(StoredEvent)
const decodeStored = Schema.decodeUnknownOption(StoredEvent)

export class EventStoreError extends Schema.TaggedError<EventStoreError>()("EventStoreError", {
  operation: Schema.Literals(["append", "read"]),
  detail: Schema.String
}) {
  override get message(): string {
    return `container event store: ${this.operation} failed: ${this.detail}`
  }
}

export interface EventStoreShape {
  /**
   * Keeps one event. Events come in the daemon's order, which is time order but for the rare
   * pair stamped nanoseconds apart by racing goroutines. The store drops what is past its
   * retention or its capacity.
   */
  readonly append: (event: ContainerEvent) => Effect.Effect<void, EventStoreError>
  /** The kept events logged at or after `fromNano` (nanoseconds since the epoch), oldest first. */
  readonly since: (fromNano: bigint) => Effect.Effect<ReadonlyArray<ContainerEvent>, EventStoreError>
  /** How far back events are kept: the longest window a timeline can cover. */
  readonly retention: Duration.Duration
  /** The most events kept, whatever their age. */
  readonly capacity: number
}

export class EventStore extends Context.Service<EventStore, EventStoreShape>()(
  "system-profiler/collectors/containers/events/EventStore"
) {
  /**
   * In memory, for the life of the process: a ring of `capacity` events, each dropped once older
   * than `retention` than the newest. 10 000 events of a few hundred bytes each are a few MB at
   * most, and a day of a container restarting every ten seconds.
   */
  static readonly layerMemory = (
    options: { readonly capacity?: number; readonly retention?: Duration.Input } = {}
  ): Layer.Layer<EventStore> =>
    Layer.sync(EventStore, () => {
      const capacity = Math.max(1, options.capacity ?? 10_000)
      const retention = Duration.fromInputUnsafe(options.retention ?? Duration.hours(24))
      const ring = new EventRing(capacity, BigInt(Duration.toMillis(retention)) * 1_000_000n)
      return EventStore.of({
        append: (event) => Effect.sync(() => ring.push(event)),
        since: (fromNano) => Effect.sync(() => ring.since(fromNano)),
        retention,
        capacity
      })
    })

  /**
   * In the history store's journal (kind "event"), with its retention and cap. The ring above
   * is the read cache: the journal's newest events are loaded into it at start, and every event
   * goes to both, so that a read (GET /events, the crash-loop figures at every poll) never
   * touches the disk. An event is on the disk after the store's next flush.
   */
  static readonly layerHistory: Layer.Layer<EventStore, never, HistoryStore> = Layer.effect(
    EventStore,
    Effect.gen(function* () {
      const store = yield* HistoryStore
      const { retentionMs, capacity } = store.journalLimits.event
      const retentionNanos = BigInt(retentionMs) * 1_000_000n
      const ring = new EventRing(capacity, retentionNanos)
      const now = yield* Clock.currentTimeMillis
      let undecodable = 0
      for (const record of yield* store.journal("event", now - retentionMs, capacity)) {
        const event = decodeStored(record.body)
        if (Option.isSome(event)) ring.push(event.value)
        else undecodable++
      }
      if (undecodable > 0) {
        yield* Effect.logWarning("stored container events skipped: they do not decode").pipe(
          Effect.annotateLogs({ count: undecodable })
        )
      }
      return EventStore.of({
        append: (event) =>
          Effect.try({
            try: () => encodeStored(event),
            catch: (e) => new EventStoreError({ operation: "append", detail: `not encodable: ${String(e)}` })
          }).pipe(
            Effect.tap(() => Effect.sync(() => ring.push(event))),
            Effect.flatMap((body) =>
              store
                .append("event", eventMillis(event), body)
                .pipe(Effect.mapError((e) => new EventStoreError({ operation: "append", detail: e.message })))
            )
          ),
        // Past the retention by the clock, as the journal answers, not only by the newest event.
        since: (fromNano) =>
          Effect.map(Clock.currentTimeMillis, (at) => {
            const floor = BigInt(Math.floor(at)) * 1_000_000n - retentionNanos
            return ring.since(fromNano > floor ? fromNano : floor)
          }),
        retention: Duration.millis(retentionMs),
        capacity
      })
    })
  )
}

/** A fixed-size ring of events, oldest first, trimmed by count and by age. */
export class EventRing {
  private readonly items: Array<ContainerEvent | undefined>
  private start = 0
  private count = 0
  private newest: bigint | undefined

  readonly capacity: number
  readonly retentionNanos: bigint

  constructor(capacity: number, retentionNanos: bigint) {
    this.capacity = capacity
    this.retentionNanos = retentionNanos
    this.items = new Array(capacity)
  }

  get size(): number {
    return this.count
  }

  push(event: ContainerEvent): void {
    if (this.newest === undefined || event.timeNano > this.newest) this.newest = event.timeNano
    const floor = this.newest - this.retentionNanos
    // Arrived long after its time (a clock stepped back, a late replay): already past retention.
    if (event.timeNano < floor) return
    if (this.count === this.capacity) {
      this.items[this.start] = undefined
      this.start = (this.start + 1) % this.capacity
      this.count--
    }
    this.items[(this.start + this.count) % this.capacity] = event
    this.count++
    while (this.count > 0 && this.items[this.start]!.timeNano < floor) {
      this.items[this.start] = undefined
      this.start = (this.start + 1) % this.capacity
      this.count--
    }
  }

  since(fromNano: bigint): ReadonlyArray<ContainerEvent> {
    // Trimming by age stops at the oldest arrival; one that arrived out of order behind it may be
    // older than the retention, and is left out here.
    const floor = this.newest === undefined ? fromNano : this.newest - this.retentionNanos
    const from = fromNano > floor ? fromNano : floor
    const out: Array<ContainerEvent> = []
    for (let i = 0; i < this.count; i++) {
      const event = this.items[(this.start + i) % this.capacity]!
      if (event.timeNano >= from) out.push(event)
    }
    // Arrival order is time order but for a nanosecond race now and then; a stable sort mends it.
    return out.sort((a, b) => (a.timeNano < b.timeNano ? -1 : a.timeNano > b.timeNano ? 1 : 0))
  }
}
