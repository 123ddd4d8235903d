import { Duration, Effect, Exit } from "effect"

/** How long a source that changes rarely (hostname, os-release, thermal zones, hwmon) is kept. */
export const SLOW_SOURCE_MILLIS = 60_000

/**
 * `read`, run again only once `ttl` has passed (by the Clock) since its last success, its last
 * value in between: for sources that change rarely or never while this process runs, so that a
 * 5 s sampler does not reopen them every time. A failure is not kept: the next call tries again.
 */
export const refreshEvery = <A, E, R>(
  ttl: Duration.Input,
  read: Effect.Effect<A, E, R>
): Effect.Effect<Effect.Effect<A, E, R>> =>
  Effect.cachedWithTTL(read, (exit) => (Exit.isSuccess(exit) ? ttl : Duration.zero))
