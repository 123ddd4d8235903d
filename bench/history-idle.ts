// A child of bench/history.ts: the reference stack sampled in real time, every 5 s, recorded
// into a HistoryStore over <dir>, or, without <dir>, the same samples made and dropped (and no
// store code loaded). Prints {"ready": pid}; each line on stdin then runs a 30d and a 2y query
// and the four probes' uptimes, answered by {"queried": true}.
//
//   node bench/history-idle.ts [dir]

import { Duration, Effect, Logger, Schedule } from "effect"
import type { Sample } from "../src/history/store/model.ts"
import { LiveStack, PROBES } from "./history-stack.ts"

const dir = process.argv[2]
const say = (value: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(value)}\n`))
const fromParent = Effect.promise(() => new Promise<void>((resolve) => process.stdin.once("data", () => resolve())))

const run = (
  record: (samples: ReadonlyArray<Sample>) => Effect.Effect<void>,
  queries: Effect.Effect<void>
): Effect.Effect<never> =>
  Effect.gen(function* () {
    const stack = new LiveStack()
    yield* Effect.suspend(() => record(stack.samplesAt(Date.now()))).pipe(
      Effect.repeat(Schedule.spaced(Duration.seconds(5))),
      Effect.forkChild
    )
    yield* say({ ready: process.pid })
    for (;;) {
      yield* fromParent
      yield* queries
      yield* say({ queried: true })
    }
  })

if (dir === undefined) {
  await Effect.runPromise(run(() => Effect.void, Effect.void).pipe(Effect.provide(Logger.layer([]))))
} else {
  const { DEFAULT_FLUSH, DEFAULT_MAX_SIZE_BYTES, HistoryStore } = await import("../src/history/store/HistoryStore.ts")
  const program = Effect.gen(function* () {
    const store = yield* HistoryStore
    const queries = Effect.gen(function* () {
      yield* store.query({ window: "30d" })
      yield* store.query({ window: "2y" })
      for (const probe of PROBES) yield* store.uptime(probe)
    }).pipe(Effect.orDie)
    return yield* run(store.record, queries)
  })
  await Effect.runPromise(
    program.pipe(
      Effect.provide(
        HistoryStore.layerWith({ dataDir: dir, flushInterval: DEFAULT_FLUSH, maxSizeBytes: DEFAULT_MAX_SIZE_BYTES })
      ),
      Effect.provide(Logger.layer([]))
    )
  )
}
