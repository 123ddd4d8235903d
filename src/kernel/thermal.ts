import { Effect, Result } from "effect"
import { type KernelFs, sysPath, under } from "./fs.ts"
import { describeToken, type Parsed, parseFail, singleLine, toCount, toSigned } from "./parse.ts"
import { LIMIT, readDirOptional } from "./read.ts"
import { readParsedOptional, type SourceError } from "./source.ts"

const ABSOLUTE_ZERO_MILLI = -273_150

/** thermal_zoneN/temp: millidegrees Celsius, negative below zero. */
export const parseThermalTemp = (text: string, file: string): Parsed<number> => {
  const token = singleLine(text)
  const milli = toSigned(token)
  if (milli === undefined) return parseFail(file, 1, `${describeToken(token)} is not a temperature in millidegrees`)
  if (milli < ABSOLUTE_ZERO_MILLI) return parseFail(file, 1, `${milli} m°C is below absolute zero`)
  return Result.succeed(milli / 1000)
}

/** thermal_zoneN/type: the driver's name for the zone, such as cpu-thermal or x86_pkg_temp. */
export const parseThermalType = (text: string, file: string): Parsed<string> => {
  const type = singleLine(text)
  return type === "" ? parseFail(file, 1, "empty zone type") : Result.succeed(type)
}

// Zone types that measure the CPU die, most specific first: cpu-thermal on a Raspberry Pi with
// a current kernel, bcm2835_thermal on older Pi kernels, x86_pkg_temp on Intel, and the
// cpu/soc zones of other ARM boards.
const CPU_TYPES = ["cpu-thermal", "cpu_thermal", "bcm2835_thermal", "x86_pkg_temp", "soc-thermal", "soc_thermal"]

/** The index of the zone that is the CPU's, or -1 when no zone is. */
export const cpuZoneIndex = (types: ReadonlyArray<string | null>): number => {
  for (const wanted of CPU_TYPES) {
    const i = types.indexOf(wanted)
    if (i !== -1) return i
  }
  return types.findIndex((t) => t?.toLowerCase().includes("cpu") === true)
}

const PREFIX = "thermal_zone"

const zoneNumber = (name: string) => toCount(name.slice(PREFIX.length)) ?? Number.MAX_SAFE_INTEGER

/** A zone and its type: what changes only when a driver comes or goes. */
export interface ThermalZoneInfo {
  readonly zone: string
  readonly type: string | null
  readonly typeError: SourceError | null
}

export interface ThermalZones {
  readonly dir: string
  readonly zones: ReadonlyArray<ThermalZoneInfo>
}

/** Every HOST_SYS/class/thermal/thermal_zoneN with its type, by zone number. */
export const listThermalZones = (fs: KernelFs): Effect.Effect<ThermalZones, SourceError> =>
  Effect.gen(function* () {
    const dir = sysPath(fs, "class/thermal")
    const names = (yield* readDirOptional(dir))
      .filter((n) => n.startsWith(PREFIX))
      .sort((a, b) => zoneNumber(a) - zoneNumber(b))
    const zones = yield* Effect.forEach(
      names,
      (zone) =>
        Effect.result(readParsedOptional(under(dir, zone, "type"), parseThermalType, LIMIT.value)).pipe(
          Effect.map(
            (type): ThermalZoneInfo => ({
              zone,
              type: type._tag === "Success" ? (type.success ?? null) : null,
              typeError: type._tag === "Failure" ? type.failure : null
            })
          )
        ),
      { concurrency: "unbounded" }
    )
    return { dir, zones }
  })

/** A zone's temperature in °C now; undefined when the zone went away since it was listed. */
export const readZoneTemperature = (dir: string, zone: string): Effect.Effect<number | undefined, SourceError> =>
  readParsedOptional(under(dir, zone, "temp"), parseThermalTemp, LIMIT.value)
