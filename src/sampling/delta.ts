// The one place where two readings of a counter become an increase or a rate (Beszel's
// deltatracker): network, disk IO, CPU ticks and container counters all go through it, so a
// counter reset (a reboot, a re-created interface or container) is handled once, the same way.

/**
 * How much a counter grew between two readings. undefined when there is no earlier reading, or
 * when it went backwards: the counter was reset, and the growth since is not known.
 */
export const increase = (previous: number | undefined, current: number): number | undefined =>
  previous === undefined || current < previous ? undefined : current - previous

/** Per second over `elapsedSeconds`; undefined as `increase`, and when no time passed. */
export const perSecond = (
  previous: number | undefined,
  current: number,
  elapsedSeconds: number
): number | undefined => {
  const grown = increase(previous, current)
  return grown === undefined || elapsedSeconds <= 0 ? undefined : grown / elapsedSeconds
}

/** Seconds between two monotonic clock readings in nanoseconds. */
export const elapsedSeconds = (previousNanos: bigint, currentNanos: bigint): number =>
  Number(currentNanos - previousNanos) / 1e9

/**
 * A pair of readings keyed by name (interfaces, devices, containers): the earlier one's value for
 * each current key, so that a view computes each rate with `perSecond`.
 */
export const byKey = <A>(previous: ReadonlyArray<A> | undefined, key: (a: A) => string): ReadonlyMap<string, A> =>
  new Map((previous ?? []).map((a) => [key(a), a]))
