import * as path from "node:path"
import { Effect, Result } from "effect"
import { blockingCalls } from "./blocking.ts"
import { type KernelFs, rootPath } from "./fs.ts"
import { type Parsed, parseFail, scanLines } from "./parse.ts"
import { InFlight, toReadError } from "./read.ts"
import { readFirstParsed, type SourceError } from "./source.ts"

const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

// Shell-style value: double quotes allow \" \\ \$ \` escapes, single quotes none.
const unquote = (raw: string): string | undefined => {
  const v = raw.trim()
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1)
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    let out = ""
    const inner = v.slice(1, -1)
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i]!
      if (c === "\\" && i + 1 < inner.length) {
        out += inner[i + 1]
        i++
      } else out += c
    }
    return out
  }
  if (v.startsWith('"') || v.startsWith("'")) return undefined
  return v
}

/** os-release(5): KEY=value lines, comments and blank lines. Returns PRETTY_NAME, else NAME, else null. */
export const parseOsRelease = (text: string, file: string): Parsed<string | null> => {
  const values = new Map<string, string>()
  const failure = scanLines(text, (line, lineNo) => {
    const t = line.trim()
    if (t === "" || t.startsWith("#")) return undefined
    const eq = t.indexOf("=")
    const key = eq === -1 ? t : t.slice(0, eq)
    if (eq === -1 || !KEY.test(key)) return parseFail(file, lineNo, "not a KEY=value line")
    const value = unquote(t.slice(eq + 1))
    if (value === undefined) return parseFail(file, lineNo, `${key}: unbalanced quotes`)
    values.set(key, value)
    return undefined
  })
  if (failure !== undefined) return failure
  const name = values.get("PRETTY_NAME") || values.get("NAME") || null
  return Result.succeed(name)
}

/**
 * A host path that may be a symlink, resolved inside HOST_ROOT: /etc/os-release is often a
 * link, and an absolute target would otherwise be looked up in this container's own tree.
 */
const links = new InFlight<string>()

const resolveInRoot = (fs: KernelFs, hostPath: string): Effect.Effect<string> => {
  const link = rootPath(fs, hostPath)
  // Through blocking.ts, one call per link at a time: HOST_ROOT may be a dead network mount.
  return links
    .run(
      link,
      async () => {
        const answer = await blockingCalls.run({ op: "readlink", path: link })
        if (!answer.ok || typeof answer.value !== "string") throw answer
        return answer.value
      },
      toReadError(link)
    )
    .pipe(
      Effect.map((target) =>
        path.isAbsolute(target) ? rootPath(fs, target) : rootPath(fs, path.dirname(hostPath), target)
      ),
      Effect.orElseSucceed(() => link)
    )
}

/** PRETTY_NAME (or NAME) of the host's os-release; undefined when the host has none. */
export const readOsRelease = (fs: KernelFs): Effect.Effect<string | null | undefined, SourceError> =>
  Effect.flatMap(
    Effect.all([resolveInRoot(fs, "/etc/os-release"), resolveInRoot(fs, "/usr/lib/os-release")]),
    (files) => readFirstParsed(files, parseOsRelease)
  )
