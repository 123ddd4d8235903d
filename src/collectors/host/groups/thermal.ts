import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { toCount } from "../parsers/text.ts"
import { cpuZoneIndex, parseThermalTemp, parseThermalType } from "../parsers/thermal.ts"
import { readDirOptional } from "../reader.ts"
import { groupError, type HostPaths, readParsedOptional, type SourceError, under } from "../source.ts"

const PREFIX = "thermal_zone"

const zoneNumber = (name: string) => toCount(name.slice(PREFIX.length)) ?? Number.MAX_SAFE_INTEGER

interface ZoneReading {
  readonly zone: string
  readonly type: string | null
  readonly celsius: number | null
  readonly error: string | null
}

// A zone's temp can refuse to be read (EINVAL, ENODATA) while its device sleeps, as iwlwifi's
// does with the radio off: that zone has no reading now, the others still count.
const readZone = (dir: string, zone: string): Effect.Effect<ZoneReading> =>
  Effect.all(
    [
      Effect.result(readParsedOptional(under(dir, zone, "type"), parseThermalType)),
      Effect.result(readParsedOptional(under(dir, zone, "temp"), parseThermalTemp))
    ],
    { concurrency: "unbounded" }
  ).pipe(
    Effect.map(([type, temp]) => {
      const errors = [type, temp].flatMap((r) => (r._tag === "Failure" ? [r.failure.message] : []))
      return {
        zone,
        type: type._tag === "Success" ? (type.success ?? null) : null,
        celsius: temp._tag === "Success" ? (temp.success ?? null) : null,
        error: errors.length > 0 ? errors.join("; ") : null
      }
    })
  )

/** Every HOST_SYS/class/thermal/thermal_zoneN with its type; the CPU's gives cpuCelsius. */
export const readTemperature = (paths: HostPaths): Effect.Effect<HostStats["temperature"], SourceError> =>
  Effect.gen(function* () {
    const dir = under(paths.sys, "class/thermal")
    const names = (yield* readDirOptional(dir))
      .filter((n) => n.startsWith(PREFIX))
      .sort((a, b) => zoneNumber(a) - zoneNumber(b))
    const zones = yield* Effect.forEach(names, (zone) => readZone(dir, zone), { concurrency: "unbounded" })
    const cpu = cpuZoneIndex(zones.map((z) => z.type))
    const errors = zones.flatMap((z) => (z.error === null ? [] : [z.error]))
    return {
      cpuCelsius: cpu === -1 ? null : zones[cpu]!.celsius,
      available: zones.length > 0,
      error: errors.length > 0 ? errors.join("; ") : null,
      zones: zones.map(({ zone, type, celsius }) => ({ zone, type, celsius }))
    }
  })

export const temperatureUnavailable = (error: SourceError): HostStats["temperature"] => ({
  cpuCelsius: null,
  available: false,
  error: groupError(error),
  zones: []
})
