import { open } from "node:fs/promises"
import { Effect } from "effect"
import type { parseDocument } from "yaml"
import { AlertRulesInvalid, RulesFileSyntax, RulesFileUnreadable, RulesRejected } from "./AlertRulesInvalid.ts"
import { DEFAULT_RULES, decodeRulesDocument, type Rule } from "./rules.ts"

export const ALERTS_FILE_VARIABLE = "SYSTEM_PROFILER_ALERTS_FILE"

// A rules file is a few kilobytes; a bound keeps a wrong path (a log, a device) from being read whole.
const MAX_FILE_BYTES = 256 * 1024

const readBounded = (path: string) =>
  Effect.tryPromise({
    try: async () => {
      const handle = await open(path, "r")
      try {
        const { size } = await handle.stat()
        if (size > MAX_FILE_BYTES) return { tooLarge: size } as const
        const buffer = Buffer.alloc(MAX_FILE_BYTES + 1)
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
        if (bytesRead > MAX_FILE_BYTES) return { tooLarge: bytesRead } as const
        return { text: buffer.subarray(0, bytesRead).toString("utf8") } as const
      } finally {
        await handle.close()
      }
    },
    catch: (cause) => {
      const code = (cause as NodeJS.ErrnoException).code
      const detail =
        code === "ENOENT"
          ? "no such file"
          : code === "EACCES"
            ? "permission denied"
            : code === "EISDIR"
              ? "it is a directory"
              : (code ?? String(cause))
      return new RulesFileUnreadable({ detail })
    }
  }).pipe(
    Effect.flatMap((r) =>
      "tooLarge" in r
        ? Effect.fail(
            new RulesFileUnreadable({
              detail: `it holds ${r.tooLarge} bytes, more than the ${MAX_FILE_BYTES} accepted`
            })
          )
        : Effect.succeed(r.text)
    )
  )

/**
 * The document of a rules file. One parser for both formats: JSON is YAML 1.2 flow syntax, and
 * Node's JSON.parse quotes the text around an error, which may be a destination's token. YAML 1.2's
 * core schema reads `no` and `off` as strings, not false, and aliases are capped.
 */
export const parseRulesText = (
  parse: typeof parseDocument,
  text: string,
  format: "YAML" | "JSON"
): unknown | RulesFileSyntax => {
  const doc = parse(text, { uniqueKeys: true, prettyErrors: true, logLevel: "silent" })
  const error = doc.errors[0]
  if (error !== undefined) {
    const position = error.linePos?.[0]
    // Only the first sentence: the rest quotes the offending line, which may hold a token.
    const detail = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")
    return new RulesFileSyntax({
      format,
      line: position?.line ?? null,
      column: position?.col ?? null,
      detail: `${detail} (${error.code})`
    })
  }
  try {
    return doc.toJS({ maxAliasCount: 100 })
  } catch {
    return new RulesFileSyntax({ format, line: null, column: null, detail: "its aliases expand too far" })
  }
}

/** The rules in force: the defaults, changed and added to by the file at `path` when one is given. */
export const loadRules = Effect.fn("Alerts.loadRules")(function* (
  path: string | undefined
): Effect.fn.Return<ReadonlyArray<Rule>, AlertRulesInvalid> {
  if (path === undefined || path.trim() === "") return DEFAULT_RULES
  const fail = (reason: AlertRulesInvalid["reason"]) =>
    new AlertRulesInvalid({ variable: ALERTS_FILE_VARIABLE, file: path, reason })
  const text = yield* readBounded(path).pipe(Effect.mapError(fail))
  // Loaded only here: most services read no rules file, and yaml costs over a megabyte once loaded.
  const { parseDocument } = yield* Effect.promise(() => import("yaml"))
  const document = parseRulesText(parseDocument, text, path.toLowerCase().endsWith(".json") ? "JSON" : "YAML")
  if (document instanceof RulesFileSyntax) return yield* fail(document)
  const decoded = decodeRulesDocument(document)
  if ("problems" in decoded) return yield* fail(new RulesRejected({ problems: decoded.problems }))
  return decoded.rules
})
