// The one duration grammar: environment variables, rules files and query windows read it alike.
import { assert, describe, it } from "@effect/vitest"
import { parseDuration } from "../../src/config/duration.ts"

describe("duration grammar", () => {
  it("a number and a unit, ms to days; a bare number only where a unit is implied", () => {
    assert.strictEqual(parseDuration("500ms"), 500)
    assert.strictEqual(parseDuration("1.5s"), 1500)
    assert.strictEqual(parseDuration("2m"), 120_000)
    assert.strictEqual(parseDuration(" 1h "), 3_600_000)
    assert.strictEqual(parseDuration("7d"), 7 * 86_400_000)
    assert.isUndefined(parseDuration("90"))
    assert.strictEqual(parseDuration("90", "s"), 90_000)
    for (const bad of ["", "m", "-1s", "1y", "1e3s", "1 hour", `${"9".repeat(13)}s`]) {
      assert.isUndefined(parseDuration(bad, "s"), bad)
    }
  })
})
