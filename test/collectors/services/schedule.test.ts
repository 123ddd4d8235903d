// Each probe on its own schedule (ServiceCollector.run): a target that hangs delays only itself,
// and the healthy ones are published as soon as they have a result, on the TestClock.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import type { Probe } from "../../../src/collectors/services/check.ts"
import { makeServiceReader } from "../../../src/collectors/services/collector.ts"
import { historyLimits } from "../../../src/collectors/services/history.ts"
import { parseProbeTargets } from "../../../src/config/services.ts"
import type { ServicesReading } from "../../../src/domain/ProbeResult.ts"

const targets = Effect.runSync(parseProbeTargets("slow=http://slow:3000/,web=http://web:3000/,db=postgres://db:5432"))

// "slow" answers only after 20 s; the others at once.
const probe: Probe = (target) =>
  target.name === "slow"
    ? Effect.as(Effect.sleep("20 seconds"), { latencyMs: 20_000, statusCode: 200 })
    : Effect.succeed({ latencyMs: 3, statusCode: 200 })

describe("probes on their own schedules", () => {
  it.effect("a 20 s target at a 5 s interval never holds back the healthy probes", () =>
    Effect.gen(function* () {
      const { run } = makeServiceReader(
        {
          targets,
          timeout: Duration.seconds(25),
          retries: 0,
          retryBase: Duration.millis(200),
          history: historyLimits(3_600_000, 5_000)
        },
        probe
      )
      const published: Array<ServicesReading> = []
      const fiber = yield* run(Duration.seconds(5), Duration.seconds(29), (r) =>
        Effect.sync(() => {
          published.push(r)
        })
      ).pipe(Effect.forkChild)
      yield* TestClock.adjust("1 millis")
      // web and db are in at once, while slow is still being checked.
      const first = published.at(-1)!
      assert.deepStrictEqual(
        first.probes.map((p) => p.name),
        ["web", "db"]
      )
      // Over the 20 s that slow takes, web and db are checked every 5 s and published each time.
      yield* TestClock.adjust("19 seconds")
      const webChecks = published.at(-1)!.probes.find((p) => p.name === "web")!.beats.length
      assert.isAtLeast(webChecks, 4)
      assert.isUndefined(published.at(-1)!.probes.find((p) => p.name === "slow"))
      yield* TestClock.adjust("2 seconds")
      const last = published.at(-1)!
      assert.deepStrictEqual(
        last.probes.map((p) => p.name),
        ["slow", "web", "db"]
      )
      assert.isTrue(last.probes.find((p) => p.name === "slow")!.last.healthy)
      yield* Fiber.interrupt(fiber)
    })
  )
})
