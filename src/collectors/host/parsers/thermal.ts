import { Result } from "effect"
import { describeToken, type Parsed, parseFail, singleLine, toSigned } from "./text.ts"

/** thermal_zoneN/temp: millidegrees Celsius, negative below zero. */
export const parseThermalTemp = (text: string, file: string): Parsed<number> => {
  const token = singleLine(text)
  const milli = toSigned(token)
  if (milli === undefined) return parseFail(file, 1, `${describeToken(token)} is not a temperature in millidegrees`)
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
