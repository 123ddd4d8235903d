import { Context, Duration, Effect, Layer, PubSub, Schedule, Stream } from "effect"
import { type Encoded, encoded } from "./Encoded.ts"
import { Sampler } from "./Sampler.ts"

export interface FeedSettingsShape {
  /** How often a stream gets a comment line, whether or not snapshots came in between. */
  readonly heartbeat: Duration.Duration
}

// 15 s stays well under the idle timeouts of common proxies (nginx and Cloudflare: 60-100 s).
export class FeedSettings extends Context.Reference<FeedSettingsShape>("system-profiler/sampling/FeedSettings", {
  defaultValue: () => ({ heartbeat: Duration.seconds(15) })
}) {}

// Readings change a few times per host interval: 16 covers any burst a reading client sees.
const FANOUT_CAPACITY = 16

const HEARTBEAT: Uint8Array = new TextEncoder().encode(": heartbeat\n\n")

export interface FeedShape {
  /** The current snapshot with its encodings, shared by every reader. */
  readonly current: Effect.Effect<Encoded>
  /**
   * The same, read synchronously, for the GET /stats fast path (server/statsFastPath.ts). It is
   * the last snapshot the fan-out saw, so it trails `current` by at most one fiber hop.
   */
  readonly currentUnsafe: () => Encoded
  /**
   * One client's SSE body: the current snapshot, every new one, and heartbeats. Each event
   * is the shared encoding of its snapshot: a client costs a subscription, not a collection
   * nor an encoding. Ending the stream (the client went away) releases the subscription.
   */
  readonly events: Stream.Stream<Uint8Array>
  /** How many SSE clients are connected now. */
  readonly clients: Effect.Effect<number>
}

export class Feed extends Context.Service<Feed, FeedShape>()("system-profiler/sampling/Feed") {
  static readonly layer = Layer.effect(
    Feed,
    Effect.gen(function* () {
      const sampler = yield* Sampler
      const settings = yield* FeedSettings
      let clients = 0

      // One fiber reads the snapshot and fans it out to every client through a sliding PubSub:
      // a client that stops reading (its socket is full, so its response waits for "drain")
      // falls behind by at most FANOUT_CAPACITY snapshots and then loses the oldest, instead of
      // queueing every snapshot for as long as its connection lives. The replayed last snapshot
      // is what a new client gets first.
      const hub = yield* PubSub.sliding<Encoded>({ capacity: FANOUT_CAPACITY, replay: 1 })
      let latest = encoded(yield* sampler.current)
      yield* sampler.changes.pipe(
        Stream.runForEach((readings) => {
          latest = encoded(readings)
          return PubSub.publish(hub, latest)
        }),
        Effect.forkScoped
      )
      const frames = Stream.fromPubSub(hub).pipe(Stream.map((e) => e.frame))
      const heartbeats = Stream.fromSchedule(Schedule.spaced(settings.heartbeat)).pipe(Stream.as(HEARTBEAT))

      const events = Stream.unwrap(
        Effect.as(
          Effect.acquireRelease(
            Effect.sync(() => {
              clients++
            }),
            () =>
              Effect.sync(() => {
                clients--
              })
          ),
          Stream.merge(frames, heartbeats)
        )
      )

      return Feed.of({
        current: Effect.map(sampler.current, encoded),
        currentUnsafe: () => latest,
        events,
        clients: Effect.sync(() => clients)
      })
    })
  )
}
