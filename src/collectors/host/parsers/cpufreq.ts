import { Result } from "effect"
import { describeToken, type Parsed, parseFail, singleLine, toCount } from "./text.ts"

/** cpufreq scaling_cur_freq / cpuinfo_cur_freq: kHz, returned in MHz. */
export const parseCpufreq = (text: string, file: string): Parsed<number> => {
  const token = singleLine(text)
  const khz = toCount(token)
  if (khz === undefined) return parseFail(file, 1, `${describeToken(token)} is not a frequency in kHz`)
  return Result.succeed(khz / 1000)
}
