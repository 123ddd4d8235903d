import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { toCount } from "../parsers/text.ts"
import { cpuZoneIndex, parseThermalTemp, parseThermalType } from "../parsers/thermal.ts"
import { readDirOptional } from "../reader.ts"
import { groupError, type HostPaths, readParsedOptional, type SourceError, under } from "../source.ts"

const PREFIX = "thermal_zone"

const zoneNumber = (name: string) => toCount(name.slice(PREFIX.length)) ?? Number.MAX_SAFE_INTEGER

/** A zone and its type: what changes only when a driver comes or goes. */
export interface ThermalZoneInfo {
  readonly zone: string
  readonly type: string | null
  readonly typeError: string | null
}

export interface ThermalZones {
  readonly dir: string
  readonly zones: ReadonlyArray<ThermalZoneInfo>
}

/** Every HOST_SYS/class/thermal/thermal_zoneN with its type, by zone number. */
export const listThermalZones = (paths: HostPaths): Effect.Effect<ThermalZones, SourceError> =>
  Effect.gen(function* () {
    const dir = under(paths.sys, "class/thermal")
    const names = (yield* readDirOptional(dir))
      .filter((n) => n.startsWith(PREFIX))
      .sort((a, b) => zoneNumber(a) - zoneNumber(b))
    const zones = yield* Effect.forEach(
      names,
      (zone) =>
        Effect.result(readParsedOptional(under(dir, zone, "type"), parseThermalType)).pipe(
          Effect.map(
            (type): ThermalZoneInfo => ({
              zone,
              type: type._tag === "Success" ? (type.success ?? null) : null,
              typeError: type._tag === "Failure" ? type.failure.message : null
            })
          )
        ),
      { concurrency: "unbounded" }
    )
    return { dir, zones }
  })

interface ZoneReading {
  readonly zone: string
  readonly type: string | null
  readonly celsius: number | null
  readonly error: string | null
}

// A zone's temp can refuse to be read (EINVAL, ENODATA) while its device sleeps, as iwlwifi's
// does with the radio off: that zone has no reading now, the others still count. A zone gone
// since the list was made reads as no reading, without an error.
const readZone = (dir: string, info: ThermalZoneInfo): Effect.Effect<ZoneReading> =>
  Effect.result(readParsedOptional(under(dir, info.zone, "temp"), parseThermalTemp)).pipe(
    Effect.map((temp) => {
      const errors = [info.typeError, temp._tag === "Failure" ? temp.failure.message : null].filter(
        (e): e is string => e !== null
      )
      return {
        zone: info.zone,
        type: info.type,
        celsius: temp._tag === "Success" ? (temp.success ?? null) : null,
        error: errors.length > 0 ? errors.join("; ") : null
      }
    })
  )

/** The temperatures of listed zones, read now; the CPU's zone gives cpuCelsius. */
export const readZoneTemperatures = (list: ThermalZones): Effect.Effect<HostStats["temperature"]> =>
  Effect.gen(function* () {
    const zones = yield* Effect.forEach(list.zones, (info) => readZone(list.dir, info), { concurrency: "unbounded" })
    const cpu = cpuZoneIndex(zones.map((z) => z.type))
    const errors = zones.flatMap((z) => (z.error === null ? [] : [z.error]))
    return {
      cpuCelsius: cpu === -1 ? null : zones[cpu]!.celsius,
      available: zones.length > 0,
      error: errors.length > 0 ? errors.join("; ") : null,
      zones: zones.map(({ zone, type, celsius }) => ({ zone, type, celsius }))
    }
  })

/** Every zone listed and read now. */
export const readTemperature = (paths: HostPaths): Effect.Effect<HostStats["temperature"], SourceError> =>
  Effect.flatMap(listThermalZones(paths), readZoneTemperatures)

export const temperatureUnavailable = (error: SourceError): HostStats["temperature"] => ({
  cpuCelsius: null,
  available: false,
  error: groupError(error),
  zones: []
})
