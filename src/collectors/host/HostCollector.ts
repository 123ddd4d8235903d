import { Clock, Context, type Duration, Effect, Layer } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import type { HostReading } from "../../domain/HostReading.ts"
import type { SampleError } from "../../domain/SampleError.ts"
import { makeHostReader } from "./collector.ts"
import { mockHostReading } from "./mock.ts"

export interface HostCollectorShape {
  /**
   * Reads the host once, within `budget` (the sampler's deadline for this sample). Called by the
   * sampling fiber only, so it may keep state between calls.
   */
  readonly read: (budget: Duration.Duration) => Effect.Effect<HostReading, SampleError>
}

export class HostCollector extends Context.Service<HostCollector, HostCollectorShape>()(
  "system-profiler/collectors/HostCollector"
) {
  /** HOST_PROC, HOST_SYS and HOST_ROOT: /proc, /sys and / on a bare machine, /host/* in the container. */
  static readonly layerLive = Layer.effect(
    HostCollector,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const read = yield* makeHostReader({
        fs: { proc: config.hostProc, sys: config.hostSys, root: config.hostRoot },
        networkExclude: config.networkExclude,
        extraDisks: config.extraDisks
      })
      return HostCollector.of({ read })
    })
  )

  static readonly layerMock = Layer.succeed(
    HostCollector,
    HostCollector.of({ read: () => Effect.map(Clock.currentTimeMillis, mockHostReading) })
  )

  /** Mock on a laptop or when asked, live on a Linux host: decided once, from the config. */
  static readonly layer = Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      return config.mockMode ? HostCollector.layerMock : HostCollector.layerLive
    })
  )
}
