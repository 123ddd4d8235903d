// The /metrics exposition of a fixed set of readings, pinned byte for byte (node_exporter's
// e2e-output.txt): a renamed family, a changed label or a lost counter shows up as a diff of
// test/fixtures/metrics/golden.prom. After an intended change, regenerate it with
// UPDATE_GOLDEN=1 npx vitest run test/views/golden.test.ts, and read the diff before committing.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { mockHostReading } from "../../src/collectors/host/mock.ts"
import { mockServicesReading } from "../../src/collectors/services/mock.ts"
import { parseProbeTargets } from "../../src/config/services.ts"
import { renderProcess, renderReadings } from "../../src/views/prometheus.ts"
import { readingsOf } from "../support/readings.ts"

const GOLDEN = new URL("../fixtures/metrics/golden.prom", import.meta.url)
// Minute 7 of the mock's 20-minute cycle: the second probe is down, so both states are pinned; the
// https probe pins its certificate's expiry.
const AT = Date.parse("2026-11-25T06:07:40.000Z")

const exposition = () => {
  const targets = Effect.runSync(
    parseProbeTargets(
      "web=http://web:3000/,ai-img-validator=http://ai-img-validator:8000/health,db=postgres://db:5432," +
        "site=https://example.org/"
    )
  )
  const readings = readingsOf(AT, {
    host: mockHostReading(AT),
    previousHost: mockHostReading(AT - 5000),
    containers: mockContainersReading(AT),
    services: mockServicesReading(targets, AT, { intervalMillis: 30_000, windowMillis: 3_600_000, timeoutMillis: 5000 })
  })
  return (
    renderReadings(readings) +
    renderProcess({
      version: "0.0.0-golden",
      mockMode: true,
      streamClients: 2,
      cpuSeconds: 12.5,
      residentBytes: 80_000_000,
      startTimeSeconds: AT / 1000 - 3600
    })
  )
}

describe("golden /metrics", () => {
  it("a fixed set of readings renders to the checked-in exposition, byte for byte", () => {
    const text = exposition()
    if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(GOLDEN, text)
    assert.strictEqual(text, fs.readFileSync(GOLDEN, "utf8"))
  })

  it("promtool accepts the golden file", () => {
    const r = spawnSync("promtool", ["check", "metrics"], { input: fs.readFileSync(GOLDEN, "utf8"), encoding: "utf8" })
    if (r.error !== undefined)
      throw new Error(`promtool could not run (bash scripts/ensure-test-tools.sh): ${r.error.message}`)
    assert.strictEqual(`${r.stdout}${r.stderr}`, "")
    assert.strictEqual(r.status, 0)
  })
})
