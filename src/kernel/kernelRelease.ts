import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath } from "./fs.ts"
import { describeToken, type Parsed, parseFail, singleLine } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readKernelParsedOptional, type SourceError } from "./source.ts"

/** /proc/sys/kernel/osrelease: what uname -r prints, e.g. 6.6.51+rpt-rpi-v8. */
export const parseKernelRelease = (text: string, file: string): Parsed<string> => {
  const release = singleLine(text)
  if (release === "" || /\s/.test(release))
    return parseFail(file, 1, `${describeToken(release)} is not a kernel release`)
  return Result.succeed(release)
}

export const readKernelRelease = (fs: KernelFs): Effect.Effect<string | undefined, SourceError> =>
  readKernelParsedOptional(procPath(fs, "sys/kernel/osrelease"), parseKernelRelease, LIMIT.value)
