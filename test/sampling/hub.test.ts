// The sampler's readings hub: a looker is told every set of readings in the fiber that published
// it, before publish returns, so that a reader with nothing to do needs no fiber of its own; a
// looker that throws costs only itself, and one whose scope closed is told nothing more.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Stream } from "effect"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { mockHostReading } from "../../src/collectors/host/mock.ts"
import { mockServicesReading } from "../../src/collectors/services/mock.ts"
import { parseProbeTargets } from "../../src/config/services.ts"
import { makeReadingsHub, type Readings } from "../../src/sampling/Sampler.ts"
import { readingsOf } from "../support/readings.ts"

const targets = Effect.runSync(parseProbeTargets("web=http://web:3000/"))
const base = readingsOf(0, {
  host: mockHostReading(0),
  containers: mockContainersReading(0),
  services: mockServicesReading(targets, 0, { intervalMillis: 30_000, windowMillis: 3_600_000, timeoutMillis: 2000 })
})
const at = (t: number): Readings => ({ ...base, at: t })

describe("the readings hub", () => {
  it.effect(
    "a looker is told the current readings, then each change before publish returns, until its scope closes",
    () =>
      Effect.gen(function* () {
        const hub = yield* makeReadingsHub(at(0))
        const seen: Array<number> = []
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* hub.sampler.look((r) => void seen.push(r.at))
            assert.deepStrictEqual(seen, [0])
            yield* hub.publish((r) => ({ ...r, at: 1 }))
            assert.deepStrictEqual(seen, [0, 1])
            yield* hub.publish((r) => ({ ...r, at: r.at + 1 }))
            assert.deepStrictEqual(seen, [0, 1, 2])
          })
        )
        yield* hub.publish(() => at(3))
        assert.deepStrictEqual(seen, [0, 1, 2])
        // The readers of the stream and the current readings see the same.
        assert.strictEqual((yield* hub.sampler.current).at, 3)
        const first = yield* Stream.runHead(hub.sampler.changes)
        assert.strictEqual(first._tag === "Some" ? first.value.at : undefined, 3)
      })
  )

  it.effect("a looker that throws is logged and holds up neither the others nor the publisher", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const hub = yield* makeReadingsHub(at(0))
      const seen: Array<number> = []
      yield* Effect.gen(function* () {
        yield* hub.sampler.look((r) => {
          if (r.at > 0) throw new Error("the looker broke")
        })
        yield* hub.sampler.look((r) => void seen.push(r.at))
        yield* hub.publish(() => at(1))
        yield* hub.publish(() => at(2))
      }).pipe(
        Effect.scoped,
        Effect.provide(Logger.layer([Logger.map(Logger.formatJson, (line) => void lines.push(line))]))
      )
      assert.deepStrictEqual(seen, [0, 1, 2])
      assert.strictEqual(lines.length, 2)
      assert.match(lines[0]!, /a reader of the readings failed/)
      assert.match(lines[0]!, /the looker broke/)
      assert.strictEqual((yield* hub.sampler.current).at, 2)
    })
  )
})
