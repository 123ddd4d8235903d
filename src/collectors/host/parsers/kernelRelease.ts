import { Result } from "effect"
import { describeToken, type Parsed, parseFail, singleLine } from "./text.ts"

/** /proc/sys/kernel/osrelease: what uname -r prints, e.g. 6.6.51+rpt-rpi-v8. */
export const parseKernelRelease = (text: string, file: string): Parsed<string> => {
  const release = singleLine(text)
  if (release === "" || /\s/.test(release))
    return parseFail(file, 1, `${describeToken(release)} is not a kernel release`)
  return Result.succeed(release)
}
