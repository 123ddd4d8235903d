import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, sysPath } from "./fs.ts"
import { describeToken, type Parsed, parseFail, singleLine, toCount } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readFirstParsed, type SourceError } from "./source.ts"

/** cpufreq scaling_cur_freq / cpuinfo_cur_freq: kHz, returned in MHz. */
export const parseCpufreq = (text: string, file: string): Parsed<number> => {
  const token = singleLine(text)
  const khz = toCount(token)
  if (khz === undefined) return parseFail(file, 1, `${describeToken(token)} is not a frequency in kHz`)
  return Result.succeed(khz / 1000)
}

// cpu0/cpufreq is a link to cpufreq/policyN. scaling_cur_freq is what the governor set;
// cpuinfo_cur_freq (root-only on some kernels) is the hardware's own reading.
export const readCpufreq = (fs: KernelFs): Effect.Effect<number | undefined, SourceError> =>
  readFirstParsed(
    [
      sysPath(fs, "devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"),
      sysPath(fs, "devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq")
    ],
    parseCpufreq,
    LIMIT.value
  )
