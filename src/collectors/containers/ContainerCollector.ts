import { Clock, Context, Effect, Layer } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import type { ContainersReading } from "../../domain/ContainerReading.ts"
import type { SampleError } from "../../domain/SampleError.ts"
import * as DockerClient from "./DockerClient.ts"
import { make } from "./live.ts"
import { mockContainersReading } from "./mock.ts"

export interface ContainerCollectorShape {
  /** Reads the stack's containers once. Called by the sampling fiber only, so it may keep state between calls. */
  readonly read: () => Effect.Effect<ContainersReading, SampleError>
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

  /** Mock on a laptop or when asked, live on a Linux host: decided once, from the config. */
  static readonly layer = Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      return config.mockMode ? ContainerCollector.layerMock : ContainerCollector.layerLive
    })
  )
}
