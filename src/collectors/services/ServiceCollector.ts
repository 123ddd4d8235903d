import { Context, type Duration, Effect, Layer, Schedule } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import { sampleDeadline, workBudget } from "../../config/deadlines.ts"
import type { ServicesReading } from "../../domain/ProbeResult.ts"
import type { SampleError } from "../../domain/SampleError.ts"
import { makeLive } from "./live.ts"
import { makeMockReader } from "./mock.ts"

export interface ServiceCollectorShape {
  /**
   * Checks every probe once; each check ends within `budget`. Called by the sampling fiber only,
   * so it may keep state (the probes' histories) between calls.
   */
  readonly read: (budget: Duration.Duration) => Effect.Effect<ServicesReading, SampleError>
  /**
   * Every probe on its own schedule, each check within `budget`, until interrupted: `publish` gets
   * a reading as soon as any probe has a new result, so a slow target never holds back the others.
   */
  readonly run: (
    interval: Duration.Duration,
    budget: Duration.Duration,
    publish: (reading: ServicesReading) => Effect.Effect<void>
  ) => Effect.Effect<void>
}

export class ServiceCollector extends Context.Service<ServiceCollector, ServiceCollectorShape>()(
  "system-profiler/collectors/ServiceCollector"
) {
  static readonly layerLive = Layer.effect(
    ServiceCollector,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const { read, run } = yield* makeLive(workBudget(sampleDeadline(config.intervals.services)))
      return ServiceCollector.of({ read, run })
    })
  )

  static readonly layerMock = Layer.effect(
    ServiceCollector,
    Effect.map(makeMockReader, (read) =>
      ServiceCollector.of({
        read,
        run: (interval, budget, publish) =>
          Effect.flatMap(read(budget), publish).pipe(Effect.repeat(Schedule.spaced(interval)), Effect.asVoid)
      })
    )
  )

  /** Mock on a laptop or when asked, live on a Linux host: decided once, from the config. */
  static readonly layer = Layer.unwrap(
    Effect.gen(function* () {
      const config = yield* AppConfig
      return config.mockMode ? ServiceCollector.layerMock : ServiceCollector.layerLive
    })
  )
}
