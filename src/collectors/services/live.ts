import { Duration, Effect, Layer } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import { sampleTimeout } from "../../sampling/Snapshot.ts"
import { worstCase } from "./check.ts"
import { makeServiceCollector } from "./collector.ts"
import { historyLimits } from "./history.ts"
import { ServiceCollector } from "./ServiceCollector.ts"

/** The first backoff delay; then 400 ms, 800 ms...: enough to ride out a blip, short enough to fit a sample. */
export const RETRY_BASE = Duration.millis(200)

// The sampler gives up on a sample after sampleTimeout(interval); a check that would outlast it
// ends a little earlier with a timeout, so that the other probes' results are still reported.
const budgetFor = (interval: Duration.Duration) =>
  Duration.max(Duration.subtract(sampleTimeout(interval), Duration.millis(500)), Duration.millis(100))

export const layerLive = Layer.effect(
  ServiceCollector,
  Effect.gen(function* () {
    const config = yield* AppConfig
    const budget = budgetFor(config.intervals.services)
    for (const target of config.services) {
      const longest = worstCase({
        timeout: target.timeout ?? config.probeTimeout,
        retries: target.retries ?? config.probeRetries,
        retryBase: RETRY_BASE
      })
      if (Duration.isGreaterThan(longest, budget)) {
        yield* Effect.logWarning("probe may outlast its sample; it will be cut short").pipe(
          Effect.annotateLogs({
            probe: target.name,
            worstCase: Duration.format(longest),
            budget: Duration.format(budget)
          })
        )
      }
    }
    return ServiceCollector.of(
      makeServiceCollector({
        targets: config.services,
        timeout: config.probeTimeout,
        retries: config.probeRetries,
        retryBase: RETRY_BASE,
        budget,
        history: historyLimits(Duration.toMillis(config.historyWindow), Duration.toMillis(config.intervals.services))
      })
    )
  })
)
