import { Clock, Effect } from "effect"

/** How long a source that changes rarely (hostname, os-release, thermal zones, hwmon) is kept. */
export const SLOW_SOURCE_MILLIS = 60_000

/**
 * `read`, run again only once `everyMillis` have passed (by the Clock) since its last success,
 * its last value in between: for sources that change rarely or never while this process runs,
 * so that a 5 s sampler does not reopen them every time. A failure is not kept: the next call
 * tries again. The state is this function's own, so call it once per sampler; the sampler is
 * called by one fiber at a time, so no two reads overlap.
 */
export const refreshEvery = <A, E, R>(everyMillis: number, read: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  let last: { readonly value: A; readonly at: number } | undefined
  return Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    // A clock set back counts as expired: better one read too many than a value kept for hours.
    if (last !== undefined && now >= last.at && now - last.at < everyMillis) return last.value
    const value = yield* read
    last = { value, at: now }
    return value
  })
}
