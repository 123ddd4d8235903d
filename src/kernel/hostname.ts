import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath, rootPath } from "./fs.ts"
import { describeToken, type Parsed, parseFail, scanLines } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readFirstParsed, type SourceError } from "./source.ts"

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

// Inside a container the kernel's hostname is the container's id: /etc/hostname of the host
// comes first, the kernel's only when the host has no such file.
export const readHostname = (fs: KernelFs): Effect.Effect<string | undefined, SourceError> =>
  readFirstParsed([rootPath(fs, "etc/hostname"), procPath(fs, "sys/kernel/hostname")], parseHostname, LIMIT.value)
