// A process holding a HistoryStore, for the tests that need a second process or a SIGKILL
// (process.test.ts). It prints one JSON object per line on stdout:
//
//   node child.ts record <dir>   records a sample every 20 ms (gauge seq = counter n = i) and
//                                flushes every 10 samples, printing {"flushed": i} once the
//                                flush holding samples 0..i has returned; until killed.
//   node child.ts journal <dir>  appends a journal record every 20 ms (body {"n": i}, events and
//                                alerts by turns) and flushes every 10, printing {"flushed": i}
//                                likewise; until killed.
//   node child.ts hold <dir>     opens the store, prints {"ready": pid}, then waits.
//
// Either prints {"refused": message} and exits with 3 when the store does not start.
import { Cause, Duration, Effect, Exit, Logger } from "effect"
import { HistoryStore } from "../../../src/history/store/HistoryStore.ts"

const [mode, dir] = process.argv.slice(2)
if ((mode !== "record" && mode !== "journal" && mode !== "hold") || dir === undefined) {
  process.stderr.write("usage: child.ts record|journal|hold <dir>\n")
  process.exit(2)
}

const say = (value: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(value)}\n`))

const record = Effect.gen(function* () {
  const store = yield* HistoryStore
  for (let i = 0; ; i++) {
    yield* store.record([
      { at: Date.now(), series: { kind: "host", name: "pi" }, gauges: { seq: i }, counters: { n: i } }
    ])
    if (i % 10 === 9) {
      yield* store.flush
      yield* say({ flushed: i })
    }
    yield* Effect.sleep(Duration.millis(20))
  }
})

const journal = Effect.gen(function* () {
  const store = yield* HistoryStore
  for (let i = 0; ; i++) {
    yield* store.append(i % 2 === 0 ? "event" : "alert", Date.now(), JSON.stringify({ n: i }))
    if (i % 10 === 9) {
      yield* store.flush
      yield* say({ flushed: i })
    }
    yield* Effect.sleep(Duration.millis(20))
  }
})

const hold = Effect.gen(function* () {
  yield* HistoryStore
  yield* say({ ready: process.pid })
  return yield* Effect.never
})

const layer = HistoryStore.layerWith({ dataDir: dir, flushInterval: Duration.seconds(1), maxSizeBytes: 200_000_000 })

const exit = await Effect.runPromiseExit(
  (mode === "record" ? record : mode === "journal" ? journal : hold).pipe(
    Effect.provide(layer),
    Effect.provide(Logger.layer([]))
  )
)
if (Exit.isFailure(exit)) {
  const error = Cause.squash(exit.cause)
  process.stdout.write(`${JSON.stringify({ refused: error instanceof Error ? error.message : String(error) })}\n`)
  process.exit(3)
}
