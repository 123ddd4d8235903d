// The one place where readings live: a fiber per section reads its collector on the section's
// interval, within a deadline it owns and passes down, and keeps the current and the previous
// reading; every view (the API, /metrics, history) is computed from these, and handlers only read.

import {
  Cause,
  Clock,
  Context,
  Duration,
  Effect,
  Layer,
  Result,
  Schedule,
  type Scope,
  type Stream,
  SubscriptionRef
} from "effect"
import { ContainerCollector } from "../collectors/containers/ContainerCollector.ts"
import { ContainerEvents } from "../collectors/containers/events/ContainerEvents.ts"
import { HostCollector } from "../collectors/host/HostCollector.ts"
import { ServiceCollector } from "../collectors/services/ServiceCollector.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { sampleDeadline, workBudget } from "../config/deadlines.ts"
import type { ContainersReading } from "../domain/ContainerReading.ts"
import type { HostReading } from "../domain/HostReading.ts"
import type { ServicesReading } from "../domain/ProbeResult.ts"
import { Internal, NotSampledYet, SampleError, type Section, TimedOut } from "../domain/SampleError.ts"
import { repeatWithWakeups } from "./refresh.ts"

export interface Sampled<R> {
  /** The latest outcome: a reading, or why there is none. */
  readonly current: Result.Result<R, SampleError>
  /** The last reading before the current one, for rates; undefined until there are two. */
  readonly previous: R | undefined
  /** When the outcome was seen (Unix milliseconds). */
  readonly at: number
}

export interface Readings {
  /** When any section last changed. */
  readonly at: number
  readonly host: Sampled<HostReading>
  readonly containers: Sampled<ContainersReading>
  readonly services: Sampled<ServicesReading>
}

export interface SamplerShape {
  /** The latest readings of every section; never waits on a collector. */
  readonly current: Effect.Effect<Readings>
  /** The current readings, then every change. */
  readonly changes: Stream.Stream<Readings>
  /**
   * Calls `look` with the current readings, then with the newest after every change, in the
   * fiber that published it, until the scope closes: for a reader whose answer to a reading is
   * almost always "nothing to do" (the alert loop at idle), without a fiber woken and a stream
   * pulled for each one. `look` must be quick and never wait, as it holds up that section's sampling; what it
   * throws is logged and goes no further.
   */
  readonly look: (look: (readings: Readings) => void) => Effect.Effect<void, never, Scope.Scope>
}

/** The readings as the sampler keeps them: its readers' side, and the side it writes through. */
export interface ReadingsHub {
  readonly sampler: SamplerShape
  /** Replaces the readings and tells every reader: the lookers at once, in the calling fiber. */
  readonly publish: (f: (readings: Readings) => Readings) => Effect.Effect<void>
}

// A reader that throws is a bug in that reader: logged, and the others and the sampling go on.
const tell = (lookers: Iterable<(readings: Readings) => void>, readings: Readings): Effect.Effect<void> => {
  const failures: Array<unknown> = []
  for (const look of lookers) {
    try {
      look(readings)
    } catch (error) {
      failures.push(error)
    }
  }
  return failures.length === 0 ? Effect.void : Effect.logError("a reader of the readings failed", ...failures)
}

export const makeReadingsHub = Effect.fn("makeReadingsHub")(function* (initial: Readings) {
  const ref = yield* SubscriptionRef.make(initial)
  const lookers = new Set<(readings: Readings) => void>()
  // Two sections may publish at once: the lookers are told the newest readings, once, so that
  // one that publishes last but tells first never makes them see older readings after newer.
  let latest = initial
  let told: Readings | undefined
  const hub: ReadingsHub = {
    sampler: {
      current: SubscriptionRef.get(ref),
      changes: SubscriptionRef.changes(ref),
      look: (look) =>
        Effect.acquireRelease(
          Effect.flatMap(SubscriptionRef.get(ref), (readings) => {
            // A function given twice is two lookers.
            const one = (r: Readings) => look(r)
            lookers.add(one)
            return Effect.as(tell([one], readings), one)
          }),
          (one) => Effect.sync(() => lookers.delete(one))
        )
    },
    publish: (f) =>
      SubscriptionRef.update(ref, (r) => {
        latest = f(r)
        return latest
      }).pipe(
        Effect.andThen(
          Effect.suspend(() => {
            if (lookers.size === 0 || latest === told) return Effect.void
            told = latest
            return tell(lookers, latest)
          })
        )
      )
  }
  return hub
})

const notSampledYet = <R>(section: Section, at: number): Sampled<R> => ({
  current: Result.fail(new SampleError({ section, reason: new NotSampledYet() })),
  previous: undefined,
  at
})

/** The next state of a section: a success moves the last success to `previous`. */
export const advance = <R>(before: Sampled<R>, outcome: Result.Result<R, SampleError>, at: number): Sampled<R> => ({
  current: outcome,
  previous: Result.isSuccess(outcome)
    ? Result.isSuccess(before.current)
      ? before.current.success
      : before.previous
    : Result.isSuccess(before.current)
      ? before.current.success
      : before.previous,
  at
})

export class Sampler extends Context.Service<Sampler, SamplerShape>()("system-profiler/sampling/Sampler") {
  static readonly layer = Layer.effect(
    Sampler,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const host = yield* HostCollector
      const containers = yield* ContainerCollector
      const services = yield* ServiceCollector
      const startedAt = yield* Clock.currentTimeMillis
      const hub = yield* makeReadingsHub({
        at: startedAt,
        host: notSampledYet("host", startedAt),
        containers: notSampledYet("containers", startedAt),
        services: notSampledYet("services", startedAt)
      })

      const sampleInto = <K extends Section, R>(
        section: K,
        read: (budget: Duration.Duration) => Effect.Effect<R, SampleError>,
        interval: Duration.Duration,
        wakeups?: Stream.Stream<unknown>
      ) => {
        let lastFailure: string | undefined
        let failures = 0
        const deadline = sampleDeadline(interval)
        const budget = workBudget(deadline)
        const once = Effect.suspend(() => read(budget)).pipe(
          Effect.timeoutOrElse({
            duration: deadline,
            orElse: () =>
              Effect.fail(
                new SampleError({
                  section,
                  reason: new TimedOut({ detail: `no answer within ${Duration.format(deadline)}` })
                })
              )
          }),
          Effect.result,
          // A defect in a collector is a bug, but it must not stop the sampling of this section.
          Effect.catchCause((cause) =>
            Effect.as(
              Effect.logError(`${section} collector crashed`, Cause.pretty(cause)),
              Result.fail(
                new SampleError({
                  section,
                  reason: new Internal({ detail: "the collector crashed; see the service log" })
                })
              )
            )
          ),
          Effect.flatMap((outcome) =>
            Effect.gen(function* () {
              const now = yield* Clock.currentTimeMillis
              const failure = Result.isFailure(outcome) ? outcome.failure.reason._tag : undefined
              // A failure is logged when it starts and when it ends, with how many samples it
              // lasted: a dead daemon must not write a line every interval.
              if (failure !== lastFailure) {
                if (failure === undefined) {
                  yield* Effect.logInfo(`${section} collector recovered`).pipe(
                    Effect.annotateLogs({ failedSamples: failures })
                  )
                } else if (Result.isFailure(outcome)) {
                  yield* Effect.logWarning(`${section} collector failing`).pipe(
                    Effect.annotateLogs({ reason: failure, error: outcome.failure.reason.message })
                  )
                }
                lastFailure = failure
                failures = 0
              }
              if (failure !== undefined) failures++
              yield* hub.publish((r) => ({
                ...r,
                at: now,
                [section]: advance(r[section] as Sampled<R>, outcome, now)
              }))
            })
          )
        )
        // A section that can tell when it changed is also read soon after (refresh.ts).
        return (
          wakeups === undefined
            ? once.pipe(Effect.repeat(Schedule.spaced(interval)))
            : repeatWithWakeups(once, interval, wakeups)
        ).pipe(Effect.forkScoped)
      }

      yield* sampleInto("host", host.read, config.intervals.host)
      yield* sampleInto("containers", () => containers.read(), config.intervals.containers, containers.wakeups)
      // Probes publish one by one (ServiceCollector.run), each on its own schedule.
      const servicesBudget = workBudget(sampleDeadline(config.intervals.services))
      yield* services
        .run(config.intervals.services, servicesBudget, (reading) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            hub.publish((r) => ({
              ...r,
              at: now,
              services: advance(r.services, Result.succeed(reading), now)
            }))
          )
        )
        .pipe(
          // A defect is a bug; it is logged and the probes start again, never left stopped.
          Effect.tapCause((cause) => Effect.logError("services collector crashed", Cause.pretty(cause))),
          Effect.retry(Schedule.spaced(config.intervals.services)),
          Effect.forkScoped
        )

      return Sampler.of(hub.sampler)
    })
  )

  /**
   * The sampler over the collectors the config picks (mock or live), and the container events
   * they read from, which GET /events serves as well.
   */
  static readonly layerFromConfig = Sampler.layer.pipe(
    Layer.provide(Layer.mergeAll(HostCollector.layer, ContainerCollector.layer, ServiceCollector.layer)),
    Layer.provideMerge(ContainerEvents.layer)
  )
}
