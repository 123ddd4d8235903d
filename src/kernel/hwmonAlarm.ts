import { Effect, Result } from "effect"
import { type KernelFs, sysPath, under } from "./fs.ts"
import { describeToken, type Parsed, parseFail, singleLine } from "./parse.ts"
import { LIMIT, readDirOptional, readOptional } from "./read.ts"
import { readParsedOptional, type SourceError } from "./source.ts"

/** A hwmon *_alarm file (the Pi's in0_lcrit_alarm): 1 when the alarm is raised, 0 when not. */
export const parseHwmonAlarm = (text: string, file: string): Parsed<boolean> => {
  const token = singleLine(text)
  if (token === "0") return Result.succeed(false)
  if (token === "1") return Result.succeed(true)
  return parseFail(file, 1, `${describeToken(token)} is not 0 or 1`)
}

/** A hwmon name file, such as rpi_volt. */
export const parseHwmonName = (text: string): string => singleLine(text)

// The Raspberry Pi firmware driver registers its under-voltage sensor as this hwmon device.
const RPI_VOLT = "rpi_volt"

/** The alarm file of the rpi_volt hwmon, or undefined without one. hwmonN numbers follow probe order. */
export const findUnderVoltageAlarm = (fs: KernelFs): Effect.Effect<string | undefined, SourceError> =>
  Effect.gen(function* () {
    const dir = sysPath(fs, "class/hwmon")
    for (const entry of yield* readDirOptional(dir)) {
      const name = yield* readOptional(under(dir, entry, "name"), LIMIT.value)
      if (name !== undefined && parseHwmonName(name) === RPI_VOLT) return under(dir, entry, "in0_lcrit_alarm")
    }
    return undefined
  })

export const readHwmonAlarm = (file: string): Effect.Effect<boolean | undefined, SourceError> =>
  readParsedOptional(file, parseHwmonAlarm, LIMIT.value)
