// Docker's event stream for the stack's containers: a change is known the moment the daemon logs
// it (instead of at the next poll), and why a container stopped (its exit code, an OOM kill, the
// signal it was sent) is remembered in a timeline.
//
// One long-lived GET /events, filtered by the daemon to the stack's containers and the actions of
// interest. When it ends (dockerd restarting, a proxy's idle timeout, a broken connection) it is
// opened again after an exponential backoff, resuming with `since` from the last event seen; the
// events replayed twice are recognised and dropped (cursor.ts). Memory stays bounded whatever the
// event rate: one line at most is held (lines.ts), the node stream's backpressure holds the rest
// in the daemon, subscribers of `changes` each get a sliding buffer, and the store has a capacity.

import { Clock, Context, Duration, Effect, Layer, PubSub, Result, Stream } from "effect"
import { AppConfig } from "../../../config/AppConfig.ts"
import type { DockerEndpoint } from "../../../config/dockerHost.ts"
import type { HistoryStore } from "../../../history/store/HistoryStore.ts"
import { negotiate } from "../apiVersion.ts"
import * as DockerClient from "../DockerClient.ts"
import { DockerError } from "../DockerError.ts"
import { VERSION_CALL } from "../dockerCalls.ts"
import { DockerVersion } from "../dockerSchemas.ts"
import { type ContainerEvent, EVENT_ACTIONS } from "./ContainerEvent.ts"
import { type CrashLoopSummary, crashLoopSummaries } from "./crashLoop.ts"
import { ResumeCursor } from "./cursor.ts"
import { DockerEventsError, EventLineTooLong, type EventStreamCut } from "./DockerEventsError.ts"
import { parseEventLine } from "./decode.ts"
import { EventStore, type EventStoreError } from "./EventStore.ts"
import { LineSplitter } from "./lines.ts"
import { OomTracker } from "./oomKilled.ts"
import { streamGet } from "./streamGet.ts"

export interface ContainerEventsOptions {
  /** The longest event line kept; a longer one is skipped (its bytes are not held). */
  readonly maxLineBytes: number
  /** How much of one oversize line is skipped before the connection is dropped as broken. */
  readonly maxSkipBytes: number
  /** The first reconnection delay; it doubles with every failed attempt... */
  readonly backoffBase: Duration.Input
  /** ...up to this. */
  readonly backoffCap: Duration.Input
  /**
   * A connection that carried nothing for this long is opened again (with `since`, so nothing is
   * lost): a half-open TCP connection to a proxy would otherwise wait forever.
   */
  readonly idleReconnect: Duration.Input
  /** How far before the last event seen a resumption starts (cursor.ts). */
  readonly resumeOverlap: Duration.Input
  /** Events buffered for each subscriber of `changes`; a slow one loses the oldest. */
  readonly changesBuffer: number
  /**
   * How far back the first connection asks, when the store holds nothing to resume after
   * (undefined: the store's retention). dockerd replays what it still holds in memory (its last
   * 256 events): the stack's own changes while this service was restarting, as when compose
   * recreates the whole stack with it. 0 starts from now.
   */
  readonly startupLookback: Duration.Input | undefined
}

export const defaultOptions: ContainerEventsOptions = {
  maxLineBytes: 256 * 1024,
  maxSkipBytes: 4 * 1024 * 1024,
  backoffBase: Duration.millis(250),
  backoffCap: Duration.seconds(30),
  idleReconnect: Duration.minutes(10),
  resumeOverlap: Duration.seconds(1),
  changesBuffer: 1024,
  startupLookback: undefined
}

export interface ContainerEventsStatus {
  /** A stream is open now. */
  readonly connected: boolean
  /** Streams opened so far (the first one and every reconnection). */
  readonly connections: number
  /** Why the last stream ended or could not be opened; null while none has failed. */
  readonly lastError: string | null
  /** The time of the latest event seen, nanoseconds since the epoch: where a reconnection resumes. */
  readonly latestNano: bigint | null
}

export interface ContainerEventsShape {
  /**
   * Each new event once, as it arrives (replays after a reconnection are not repeated). For a
   * refresh of that container's state and a push to /stats/stream. The first connection may
   * bring events from before this service started (see startupLookback): each is told once too.
   */
  readonly changes: Stream.Stream<ContainerEvent>
  /** The kept events of the last `windowMillis`, oldest first. */
  readonly timeline: (windowMillis: number) => Effect.Effect<ReadonlyArray<ContainerEvent>, EventStoreError>
  /**
   * Per container name: restarts, exits and OOM events within the last `windowMillis`, and the
   * last exit (code, time, OOM-killed) among all kept events.
   */
  readonly crashLoops: (windowMillis: number) => Effect.Effect<ReadonlyMap<string, CrashLoopSummary>, EventStoreError>
  readonly status: Effect.Effect<ContainerEventsStatus>
  /** How far back the timeline goes: the longest window worth asking for. */
  readonly retention: Duration.Duration
  /** The most events the timeline keeps, whatever their age. */
  readonly capacity: number
}

/** The daemon-side filter: the stack's containers, and only the actions kept (ContainerEvent.ts). */
export const eventFilters = (stackLabel: string): string =>
  encodeURIComponent(JSON.stringify({ type: ["container"], label: [stackLabel], event: [...EVENT_ACTIONS] }))

export class ContainerEvents extends Context.Service<ContainerEvents, ContainerEventsShape>()(
  "system-profiler/collectors/containers/events/ContainerEvents"
) {
  /** The live stream on the configured DOCKER_HOST, keeping its timeline in the EventStore provided. */
  static readonly layerLive = (
    options: Partial<ContainerEventsOptions> = {}
  ): Layer.Layer<ContainerEvents, never, AppConfig | EventStore> =>
    Layer.unwrap(
      Effect.gen(function* () {
        const config = yield* AppConfig
        return Layer.effect(
          ContainerEvents,
          make(config.docker, config.stackLabel, config.dockerTimeout, { ...defaultOptions, ...options })
        ).pipe(
          // Its own connection pool: the stream holds a connection for as long as it is open.
          Layer.provide(DockerClient.httpLayer(config.docker))
        )
      })
    )

  /** No daemon: no events, an empty timeline (MOCK_HOST_STATS, or not Linux). */
  static readonly layerMock: Layer.Layer<ContainerEvents> = Layer.succeed(
    ContainerEvents,
    ContainerEvents.of({
      changes: Stream.never,
      timeline: () => Effect.succeed([]),
      crashLoops: () => Effect.succeed(new Map()),
      status: Effect.succeed({ connected: false, connections: 0, lastError: null, latestNano: null }),
      retention: Duration.hours(24),
      capacity: 0
    })
  )

  /** Mock or live as configured, the live one keeping its timeline in the history store. */
  static readonly layer: Layer.Layer<ContainerEvents, never, AppConfig | HistoryStore> = Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      return config.mockMode
        ? ContainerEvents.layerMock
        : ContainerEvents.layerLive().pipe(Layer.provide(EventStore.layerHistory))
    })
  )
}

const nanosOf = (millis: number): bigint => BigInt(Math.floor(millis)) * 1_000_000n

export const make = Effect.fnUntraced(function* (
  endpoint: DockerEndpoint,
  stackLabel: string,
  timeout: Duration.Duration,
  options: ContainerEventsOptions
) {
  const store = yield* EventStore
  const docker = yield* DockerClient.make(endpoint, timeout)
  const where = docker.endpoint
  const pubsub = yield* PubSub.sliding<ContainerEvent>(options.changesBuffer)
  yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
  const cursor = new ResumeCursor(nanosOf(Duration.toMillis(Duration.fromInputUnsafe(options.resumeOverlap))))
  const oom = new OomTracker()
  const filters = eventFilters(stackLabel)
  const idle = Duration.fromInputUnsafe(options.idleReconnect)
  const base = Duration.toMillis(Duration.fromInputUnsafe(options.backoffBase))
  const cap = Duration.toMillis(Duration.fromInputUnsafe(options.backoffCap))
  const state = { connected: false, connections: 0, lastError: null as string | null }

  // The first connection resumes after what the store already holds (a store that outlives this
  // process), those events counting as seen; else it starts startupLookback ago.
  const startedAt = yield* Clock.currentTimeMillis
  const retentionMillis = Duration.toMillis(store.retention)
  const kept = yield* store
    .since(nanosOf(startedAt - retentionMillis))
    .pipe(
      Effect.catch((error) =>
        Effect.as(
          Effect.logWarning("container event store unreadable, starting without it").pipe(
            Effect.annotateLogs({ error: error.message })
          ),
          []
        )
      )
    )
  for (const event of kept) {
    cursor.admit(event)
    oom.mark(event)
  }
  const lookback =
    options.startupLookback === undefined
      ? retentionMillis
      : Duration.toMillis(Duration.fromInputUnsafe(options.startupLookback))
  cursor.startFrom(nanosOf(startedAt - Math.min(lookback, retentionMillis)))

  const fail = (reason: DockerError | EventLineTooLong | EventStreamCut) => new DockerEventsError({ reason })

  // A store that fails is logged when it starts failing and when it works again, not per event.
  let storeFailing = false
  const keep = (event: ContainerEvent) =>
    store.append(event).pipe(
      Effect.matchEffect({
        onFailure: (error) => {
          if (storeFailing) return Effect.void
          storeFailing = true
          return Effect.logWarning("container events not stored").pipe(Effect.annotateLogs({ error: error.message }))
        },
        onSuccess: () => {
          if (!storeFailing) return Effect.void
          storeFailing = false
          return Effect.logInfo("container events stored again")
        }
      })
    )

  // One decoded event: dropped when already seen, else kept and told.
  const accept = (received: ContainerEvent) =>
    Effect.gen(function* () {
      if (!cursor.admit(received)) return
      const event = oom.mark(received)
      yield* keep(event)
      yield* PubSub.publish(pubsub, event)
    })

  /** One connection, from GET /version to the end of the stream; how many events it carried. */
  const connection = Effect.fn("ContainerEvents.connection")(function* () {
    const daemon = yield* docker.get("/version", DockerVersion, VERSION_CALL)
    const negotiated = negotiate(daemon)
    if (negotiated._tag === "Unsupported") {
      return yield* new DockerError({
        reason: "bad-response",
        detail: `cannot talk to ${where}: ${negotiated.problem}`
      })
    }
    const since = cursor.since()
    const path = `/v${negotiated.negotiated.version}/events?filters=${filters}${since === undefined ? "" : `&since=${since}`}`
    const body = yield* streamGet(endpoint, path, "GET /events", timeout)
    state.connected = true
    state.connections++
    yield* Effect.logInfo(state.connections === 1 ? "docker events subscribed" : "docker events resumed").pipe(
      Effect.annotateLogs({ endpoint: where, apiVersion: negotiated.negotiated.version, since: since ?? "now" })
    )
    const splitter = new LineSplitter(options.maxLineBytes, options.maxSkipBytes)
    // Logged once per connection each: a daemon or proxy sending garbage must not flood the log.
    const warned = new Set<string>()
    const warnOnce = (key: string, message: string, annotations: Record<string, unknown>) =>
      warned.has(key)
        ? Effect.void
        : Effect.suspend(() => {
            warned.add(key)
            return Effect.logWarning(message).pipe(Effect.annotateLogs(annotations))
          })
    let carried = 0
    yield* body.pipe(
      Stream.timeout(idle),
      Stream.runForEach((chunk) =>
        Effect.gen(function* () {
          const events: Array<ContainerEvent> = []
          const problems: Array<string> = []
          const oversize: Array<number> = []
          const outcome = splitter.push(chunk, {
            line: (text) => {
              const parsed = parseEventLine(text)
              if (parsed._tag === "Event") events.push(parsed.event)
              else if (parsed._tag === "Undecodable") problems.push(parsed.problem)
            },
            oversize: (bytes) => oversize.push(bytes)
          })
          for (const event of events) yield* accept(event)
          carried += events.length
          for (const problem of problems) {
            yield* warnOnce(problem, "docker event skipped", { endpoint: where, problem })
          }
          for (const bytes of oversize) {
            const error = new EventLineTooLong({
              endpoint: where,
              limitBytes: options.maxLineBytes,
              bytes,
              ended: true
            })
            yield* warnOnce("oversize", "docker event skipped", { endpoint: where, error: error.message })
          }
          if (outcome === "endless") {
            return yield* new EventLineTooLong({
              endpoint: where,
              limitBytes: options.maxLineBytes,
              bytes: options.maxSkipBytes,
              ended: false
            })
          }
        })
      )
    )
    return carried
  })

  const attempt = connection().pipe(
    Effect.mapError((error) => fail(error)),
    Effect.ensuring(Effect.sync(() => (state.connected = false)))
  )

  // Reconnects for the life of the layer. The backoff starts over after a connection that
  // carried events or stayed up past the cap; one that is accepted and closed at once (a proxy
  // refusing the route after its 200, a daemon shutting down) keeps backing off.
  const loop = Effect.gen(function* () {
    let failures = 0
    for (;;) {
      const began = yield* Clock.currentTimeMillis
      const result = yield* Effect.result(attempt)
      const lived = (yield* Clock.currentTimeMillis) - began
      if (Result.isSuccess(result)) {
        state.lastError = `the event stream from ${where} was closed`
        if (result.success > 0 || lived >= cap) failures = 0
      } else {
        const error = result.failure
        state.lastError = error.message
        yield* (failures === 0 ? Effect.logWarning : Effect.logDebug)("docker events stream down, reconnecting").pipe(
          Effect.annotateLogs({ endpoint: where, error: error.message })
        )
        if (lived >= cap) failures = 0
      }
      const delay = Math.min(cap, base * 2 ** Math.min(failures, 30))
      failures++
      yield* Effect.sleep(Duration.millis(delay))
    }
  })
  yield* Effect.forkScoped(loop)

  const fromNow = (windowMillis: number) => Effect.map(Clock.currentTimeMillis, (now) => nanosOf(now - windowMillis))

  return ContainerEvents.of({
    changes: Stream.fromPubSub(pubsub),
    timeline: (windowMillis) => Effect.flatMap(fromNow(windowMillis), store.since),
    crashLoops: (windowMillis) =>
      Effect.gen(function* () {
        const from = yield* fromNow(windowMillis)
        const kept = yield* store.since(yield* fromNow(Duration.toMillis(store.retention)))
        return crashLoopSummaries(kept, from)
      }),
    status: Effect.sync(() => ({
      connected: state.connected,
      connections: state.connections,
      lastError: state.lastError,
      latestNano: cursor.latestNanos ?? null
    })),
    retention: store.retention,
    capacity: store.capacity
  })
})
