// A section read on its interval and, besides, soon after something says it changed (for the
// containers, a Docker event: a start, a die, an OOM kill...), so that the snapshot and the stream
// show the change within a second instead of at the next poll. Polling stays the safety net: a
// lost event, or a stream that is down, costs only the interval.
//
// Bounded whatever the rate of wakeups: they are coalesced into one pending flag (a queue of one),
// a burst (`docker stop` is kill, die and stop within milliseconds) settles into one read, and two
// reads started by wakeups are never closer than `minGap`. A container restarting in a tight loop
// makes at most one read per `minGap`, never one per event.

import { Clock, Duration, Effect, Queue, Stream } from "effect"

export interface RefreshOptions {
  /** How long after a wakeup the read waits for the rest of its burst. */
  readonly settle: Duration.Input
  /** The shortest time between the starts of two reads, when a wakeup calls for the second. */
  readonly minGap: Duration.Input
}

export const defaultRefreshOptions: RefreshOptions = {
  settle: Duration.millis(50),
  minGap: Duration.millis(250)
}

/**
 * Runs `once` now, then again after each `interval`, or sooner after a wakeup, as above; for the
 * life of the scope. `once` must not fail (the sampler turns every outcome into a value).
 */
export const repeatWithWakeups = Effect.fnUntraced(function* <E, R>(
  once: Effect.Effect<void, E, R>,
  interval: Duration.Duration,
  wakeups: Stream.Stream<unknown>,
  options: RefreshOptions = defaultRefreshOptions
) {
  const settle = Duration.toMillis(Duration.fromInputUnsafe(options.settle))
  const minGap = Duration.toMillis(Duration.fromInputUnsafe(options.minGap))
  const pending = yield* Queue.sliding<true>(1)
  yield* Stream.runForEach(wakeups, () => Queue.offer(pending, true)).pipe(Effect.forkScoped)
  for (;;) {
    // Whatever woke it before this read began is in what it reads.
    yield* Queue.clear(pending)
    const began = yield* Clock.currentTimeMillis
    yield* once
    const woken = yield* Effect.raceFirst(
      Effect.as(Effect.sleep(interval), false),
      Effect.as(Queue.take(pending), true)
    )
    if (woken) {
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Duration.millis(Math.max(settle, began + minGap - now)))
    }
  }
})
