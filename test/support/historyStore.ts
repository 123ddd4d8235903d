// A HistoryStore in a fresh directory under the system's temp dir, removed when its layer closes:
// the in-memory API tests get a real store without ever writing the repository's ./data.

import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import {
  DEFAULT_FLUSH,
  DEFAULT_MAX_SIZE_BYTES,
  HistoryStore,
  type HistoryStoreSettings
} from "../../src/history/store/HistoryStore.ts"

export const temporaryHistoryStore = (overrides: Partial<HistoryStoreSettings> = {}) =>
  Layer.unwrap(
    Effect.acquireRelease(
      Effect.promise(() => mkdtemp(join(tmpdir(), "sp-history-test-"))),
      (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
    ).pipe(
      Effect.map((dataDir) =>
        HistoryStore.layerWith({
          dataDir,
          flushInterval: DEFAULT_FLUSH,
          maxSizeBytes: DEFAULT_MAX_SIZE_BYTES,
          ...overrides
        })
      )
    )
  )
