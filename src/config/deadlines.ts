import { Duration } from "effect"

/**
 * How long the sampler waits for one reading of a section: a bound on a hung collector, not a
 * pace (readings are spaced, so a slow one only delays the next). The floor lets slow work
 * finish: dockerd answers stats on a 1 s tick, so 50 containers at the default concurrency of 5
 * take about 10 s, and probes with retries up to ~7 s. The sampler passes it down to the
 * collector with each read.
 */
export const sampleDeadline = (interval: Duration.Duration): Duration.Duration =>
  Duration.max(Duration.times(interval, 3), Duration.seconds(30))

/** What a collector's own work gets of the deadline: enough margin to report before it ends. */
export const workBudget = (deadline: Duration.Duration): Duration.Duration =>
  Duration.max(Duration.subtract(deadline, Duration.millis(500)), Duration.millis(100))
