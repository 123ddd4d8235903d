import { Cause, Clock, Context, Duration, Effect, Layer, Schedule, type Stream, SubscriptionRef } from "effect"
import { type CollectorFailure, type CollectorName, isCollectorFailure } from "../api/errors.ts"
import type { Stats } from "../api/Stats.ts"
import type { CollectorError } from "../collectors/CollectorError.ts"
import { ContainerCollector } from "../collectors/containers/ContainerCollector.ts"
import { HostCollector } from "../collectors/host/HostCollector.ts"
import { ServiceCollector } from "../collectors/services/ServiceCollector.ts"
import { AppConfig } from "../config/AppConfig.ts"

export interface SnapshotShape {
  /** The latest figures of every section; never waits on a collector. */
  readonly current: Effect.Effect<Stats>
  /** The current snapshot, then every new one. */
  readonly changes: Stream.Stream<Stats>
}

// The one place where figures live: sampling fibers write it, handlers only read it.
export class Snapshot extends Context.Service<Snapshot, SnapshotShape>()("system-profiler/sampling/Snapshot") {}

const failure = (collector: CollectorName, reason: CollectorFailure["reason"], error: string, now: number) =>
  ({ collector, reason, error, sampledAt: new Date(now).toISOString() }) satisfies CollectorFailure

const notSampledYet = (collector: CollectorName, now: number) =>
  failure(collector, "not-sampled-yet", `the ${collector} collector has not finished its first sample`, now)

/**
 * A bound on a hung collector, not a pace: samples are spaced, so a slow one only delays the next.
 * The floor lets slow work finish: dockerd answers stats on a 1 s tick, so 50 containers at the
 * default concurrency of 5 take about 10 s, and probes with retries up to ~7 s.
 */
export const sampleTimeout = (interval: Duration.Duration): Duration.Duration =>
  Duration.max(Duration.times(interval, 3), Duration.seconds(30))

type SectionKey = "host" | "containers" | "services"

export const layer = Layer.effect(
  Snapshot,
  Effect.gen(function* () {
    const config = yield* AppConfig
    const host = yield* HostCollector
    const containers = yield* ContainerCollector
    const services = yield* ServiceCollector
    const startedAt = yield* Clock.currentTimeMillis
    const ref = yield* SubscriptionRef.make<Stats>({
      timestamp: new Date(startedAt).toISOString(),
      host: notSampledYet("host", startedAt),
      containers: notSampledYet("containers", startedAt),
      services: notSampledYet("services", startedAt)
    })

    const sampleInto = <A extends object>(
      key: SectionKey,
      sample: Effect.Effect<A, CollectorError>,
      interval: Duration.Duration
    ) => {
      let lastReason: string | undefined
      const timeout = sampleTimeout(interval)
      const once = sample.pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Effect.succeed(failure(key, "timeout", `no answer within ${Duration.format(timeout)}`, now))
            )
        }),
        Effect.catchTag("CollectorError", (e) =>
          Effect.map(Clock.currentTimeMillis, (now) => failure(key, e.reason, e.detail, now))
        ),
        // A defect in a collector is a bug, but it must not stop the sampling of this section.
        Effect.catchCause((cause) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.as(
              Effect.logError(`${key} collector crashed`, Cause.pretty(cause)),
              failure(key, "internal", "the collector crashed; see the service log", now)
            )
          )
        ),
        Effect.flatMap((section) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const failed = isCollectorFailure(section) ? section : undefined
            const reason = failed?.reason
            // Log state changes only: a dead daemon must not write a line every interval.
            if (reason !== lastReason) {
              if (reason === undefined) yield* Effect.logInfo(`${key} collector recovered`)
              else {
                yield* Effect.logWarning(`${key} collector failing`).pipe(
                  Effect.annotateLogs({ reason, error: failed?.error })
                )
              }
              lastReason = reason
            }
            yield* SubscriptionRef.update(ref, (s) => ({
              ...s,
              timestamp: new Date(now).toISOString(),
              [key]: section
            }))
          })
        )
      )
      return once.pipe(Effect.repeat(Schedule.spaced(interval)), Effect.forkScoped)
    }

    yield* sampleInto("host", host.sample, config.intervals.host)
    yield* sampleInto("containers", containers.sample, config.intervals.containers)
    yield* sampleInto("services", services.sample, config.intervals.services)

    return Snapshot.of({ current: SubscriptionRef.get(ref), changes: SubscriptionRef.changes(ref) })
  })
)
