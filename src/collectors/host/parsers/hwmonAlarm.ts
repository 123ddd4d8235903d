import { Result } from "effect"
import { describeToken, type Parsed, parseFail, singleLine } from "./text.ts"

/** A hwmon *_alarm file (the Pi's in0_lcrit_alarm): 1 when the alarm is raised, 0 when not. */
export const parseHwmonAlarm = (text: string, file: string): Parsed<boolean> => {
  const token = singleLine(text)
  if (token === "0") return Result.succeed(false)
  if (token === "1") return Result.succeed(true)
  return parseFail(file, 1, `${describeToken(token)} is not 0 or 1`)
}

/** A hwmon name file, such as rpi_volt. */
export const parseHwmonName = (text: string): string => singleLine(text)
