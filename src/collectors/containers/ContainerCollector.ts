import { Clock, Context, Effect, Layer, type Stream } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import type { ContainersReading } from "../../domain/ContainerReading.ts"
import type { SampleError } from "../../domain/SampleError.ts"
import * as DockerClient from "./DockerClient.ts"
import { ContainerEvents } from "./events/ContainerEvents.ts"
import { make } from "./live.ts"
import { mockContainersReading } from "./mock.ts"
import { withEvents } from "./withEvents.ts"

export interface ContainerCollectorShape {
  /** Reads the stack's containers once. Called by the sampling fiber only, so it may keep state between calls. */
  readonly read: () => Effect.Effect<ContainersReading, SampleError>
  /**
   * Something that tells when the containers changed (Docker's events), for the sampler to read
   * again at once instead of at the next interval; undefined when only polling tells.
   */
  readonly wakeups?: Stream.Stream<unknown>
}

export class ContainerCollector extends Context.Service<ContainerCollector, ContainerCollectorShape>()(
  "system-profiler/collectors/ContainerCollector"
) {
  /** The stack's containers on the configured DOCKER_HOST. */
  static readonly layerLive = Layer.effect(ContainerCollector, Effect.map(make, ContainerCollector.of)).pipe(
    Layer.provide(DockerClient.layer)
  )

  static readonly layerMock = Layer.succeed(
    ContainerCollector,
    ContainerCollector.of({ read: () => Effect.map(Clock.currentTimeMillis, mockContainersReading) })
  )

  /** The collector `base` provides, with the events' facts in its readings and their changes as wakeups (withEvents.ts). */
  static readonly withEvents = <E, R>(
    base: Layer.Layer<ContainerCollector, E, R>
  ): Layer.Layer<ContainerCollector, E, R | AppConfig | ContainerEvents> =>
    Layer.effect(
      ContainerCollector,
      Effect.gen(function* () {
        const config = yield* AppConfig
        const collector = yield* ContainerCollector
        const events = yield* ContainerEvents
        return ContainerCollector.of(
          withEvents(collector, events, {
            crashLoopWindow: config.crashLoopWindow,
            expectedServices: config.expectedServices
          })
        )
      })
    ).pipe(Layer.provide(base))

  /**
   * Mock on a laptop or when asked, live on a Linux host (decided once, from the config), with the
   * ContainerEvents provided beside it.
   */
  static readonly layer = ContainerCollector.withEvents(
    Layer.unwrap(
      Effect.gen(function* () {
        const config = yield* AppConfig
        return config.mockMode ? ContainerCollector.layerMock : ContainerCollector.layerLive
      })
    )
  )
}
