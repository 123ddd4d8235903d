// `npm run history:backup -- <file>`: a consistent, compact copy of the stored history
// (VACUUM INTO), for a service that is stopped. A running service holds the data directory: the
// copy is then refused, naming the service, and the README's other ways apply (stop, or copy from
// the volume). Settings come from the service's variables (SYSTEM_PROFILER_DATA_DIR...).

import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { HistoryStore, readSettings } from "./store/HistoryStore.ts"

const USAGE = "usage: npm run history:backup -- <new file>   (e.g. ./history-2026-11-25.db)"

/** Writes the copy and returns the exit code: 0 when it was written, 1 otherwise. */
export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const target = args[0]?.trim()
    if (args.length !== 1 || target === undefined || target === "") {
      yield* Effect.sync(() => console.error(USAGE))
      return 1
    }
    const path = resolve(target)
    if (existsSync(path)) {
      yield* Effect.sync(() => console.error(`failed: ${path} exists; name a new file`))
      return 1
    }
    const settings = yield* readSettings
    yield* Effect.gen(function* () {
      const store = yield* HistoryStore
      yield* store.backup(path)
    }).pipe(Effect.provide(HistoryStore.layerWith(settings)))
    yield* Effect.sync(() => console.log(`ok: ${settings.dataDir}/history.db copied to ${path}`))
    return 0
  }).pipe(Effect.catch((error) => Effect.sync(() => console.error(`failed: ${error.message}`)).pipe(Effect.as(1))))

if (import.meta.main) {
  process.exitCode = await Effect.runPromise(run(process.argv.slice(2)))
}
