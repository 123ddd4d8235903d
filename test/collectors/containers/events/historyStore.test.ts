// The timeline in the history store (EventStore.layerHistory) on a real SQLite file in a
// temporary directory: exact nanosecond times across a restart, the retention by the clock, and
// the allowlist holding all the way to the stored rows.

import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import type { ContainerEvent } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { parseEventLine } from "../../../../src/collectors/containers/events/decode.ts"
import { EventStore } from "../../../../src/collectors/containers/events/EventStore.ts"
import { HistoryStore } from "../../../../src/history/store/HistoryStore.ts"
import { EVENT_KEYS } from "./allowlist.ts"

const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "sp-events-"))
  dirs.push(dir)
  return dir
}

const store = (dir: string) =>
  EventStore.layerHistory.pipe(
    Layer.provideMerge(
      HistoryStore.layerWith({ dataDir: dir, flushInterval: Duration.days(3650), maxSizeBytes: 200_000_000 })
    )
  )

const T0 = Date.UTC(2026, 11, 2, 10)
// Nanoseconds a double cannot hold exactly: the digits must come back as they went in.
const nanos = (ms: number, extra: bigint) => BigInt(ms) * 1_000_000n + extra

const ev = (timeNano: bigint, action: ContainerEvent["action"], exitCode: number | null = null): ContainerEvent => ({
  timeNano,
  id: "a".repeat(64),
  name: "web",
  action,
  exitCode,
  signal: null,
  health: null,
  oomKilled: action === "die" ? false : null,
  composeProject: "stack",
  composeService: "web"
})

const storedBodies = (dir: string): Array<string> => {
  const db = new DatabaseSync(join(dir, "history.db"), { readOnly: true })
  try {
    return (db.prepare("SELECT body FROM journal ORDER BY id").all() as Array<{ body: string }>).map((r) => r.body)
  } finally {
    db.close()
  }
}

describe("EventStore.layerHistory", () => {
  it.effect("keeps the timeline across a restart, with exact nanosecond times, and the store's limits", () => {
    const dir = tempDir()
    const events = [
      ev(nanos(T0 - 3000, 123_456n), "start"),
      ev(nanos(T0 - 2000, 999_999n), "die", 137),
      ev(nanos(T0 - 2000, 999_999n), "start")
    ]
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      yield* Effect.gen(function* () {
        const events$ = yield* EventStore
        assert.strictEqual(Duration.toMillis(events$.retention), 30 * 86_400_000)
        assert.strictEqual(events$.capacity, 10_000)
        for (const e of events.slice(0, 2)) yield* events$.append(e)
        yield* (yield* HistoryStore).flush
        // Appended after the last flush: the close (a SIGTERM) writes it.
        yield* events$.append(events[2]!)
        assert.deepStrictEqual(yield* events$.since(0n), events)
      }).pipe(Effect.provide(store(dir)))
      yield* TestClock.adjust(Duration.minutes(1))
      yield* Effect.gen(function* () {
        const events$ = yield* EventStore
        assert.deepStrictEqual(yield* events$.since(0n), events)
        assert.deepStrictEqual(yield* events$.since(nanos(T0 - 2000, 999_999n)), events.slice(1))
        // 30 days and a bit later, by the clock, nothing is returned any more.
        yield* TestClock.adjust(Duration.days(30))
        assert.deepStrictEqual(yield* events$.since(0n), [])
      }).pipe(Effect.provide(store(dir)))
    })
  })

  it.effect("an event whose daemon line carries secret labels stores none of them", () => {
    const dir = tempDir()
    const secret = randomBytes(16).toString("hex")
    const line = JSON.stringify({
      status: "die",
      id: "b".repeat(64),
      from: "nginx",
      Type: "container",
      Action: "die",
      Actor: {
        ID: "b".repeat(64),
        Attributes: {
          name: "web",
          exitCode: "1",
          "com.docker.compose.project": "stack",
          "com.docker.compose.service": "web",
          "com.example.password": secret,
          [`x-${secret}`]: "label key",
          image: `registry.example/${secret}`
        }
      },
      scope: "local",
      time: Math.floor(T0 / 1000),
      timeNano: T0 * 1_000_000
    })
    return Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const parsed = parseEventLine(line)
      assert.strictEqual(parsed._tag, "Event")
      if (parsed._tag !== "Event") return
      yield* Effect.gen(function* () {
        yield* (yield* EventStore).append(parsed.event)
      }).pipe(Effect.provide(store(dir)))
      const bodies = storedBodies(dir)
      assert.strictEqual(bodies.length, 1)
      assert.notInclude(bodies[0]!, secret)
      assert.deepStrictEqual(Object.keys(JSON.parse(bodies[0]!) as object).sort(), EVENT_KEYS)
      // An extra key handed to the store directly is dropped by the stored schema as well.
      yield* Effect.gen(function* () {
        yield* (yield* EventStore).append({
          ...parsed.event,
          timeNano: parsed.event.timeNano + 1n,
          labels: { password: secret }
        } as ContainerEvent)
      }).pipe(Effect.provide(store(dir)))
      const after = storedBodies(dir)
      assert.strictEqual(after.length, 2)
      for (const body of after) assert.notInclude(body, secret)
    })
  })
})
