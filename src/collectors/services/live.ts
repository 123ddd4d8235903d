import { Duration, Effect } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import { worstCase } from "./check.ts"
import { makeServiceReader } from "./collector.ts"
import { historyLimits } from "./history.ts"

/** The first backoff delay; then 400 ms, 800 ms...: enough to ride out a blip, short enough to fit a sample. */
export const RETRY_BASE = Duration.millis(200)

/**
 * The probes of SYSTEM_PROFILER_SERVICES. A check that would outlast the sampler's deadline is
 * cut short by it (the deadline comes with each read), so the start warns of the ones whose
 * worst case is longer than the deadline it will get.
 */
export const makeLive = (expectedBudget: Duration.Duration) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    for (const target of config.services) {
      const longest = worstCase({
        timeout: target.timeout ?? config.probeTimeout,
        retries: target.retries ?? config.probeRetries,
        retryBase: RETRY_BASE
      })
      if (Duration.isGreaterThan(longest, expectedBudget)) {
        yield* Effect.logWarning("probe may outlast its sample; it will be cut short").pipe(
          Effect.annotateLogs({
            probe: target.name,
            worstCase: Duration.format(longest),
            budget: Duration.format(expectedBudget)
          })
        )
      }
    }
    return makeServiceReader({
      targets: config.services,
      timeout: config.probeTimeout,
      retries: config.probeRetries,
      retryBase: RETRY_BASE,
      history: historyLimits(Duration.toMillis(config.historyWindow), Duration.toMillis(config.intervals.services))
    })
  })
