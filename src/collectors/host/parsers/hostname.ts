import { Result } from "effect"
import { describeToken, type Parsed, parseFail, scanLines } from "./text.ts"

// Letters, digits, dots, hyphens (and the underscores some systems use); the kernel takes up to 64 bytes.
const HOSTNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/

/** /etc/hostname: the first line that is not blank or a comment (hostname(5)). */
export const parseHostname = (text: string, file: string): Parsed<string> => {
  const found = scanLines(text, (line, lineNo) => {
    const t = line.trim()
    if (t === "" || t.startsWith("#")) return undefined
    return { name: t, lineNo }
  })
  if (found === undefined) return parseFail(file, 0, "no hostname")
  if (found.name.length > 253 || !HOSTNAME.test(found.name)) {
    return parseFail(file, found.lineNo, `${describeToken(found.name)} is not a hostname`)
  }
  return Result.succeed(found.name)
}
