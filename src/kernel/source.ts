// Read-then-parse, the one shape behind every kernel module's reader.

import { Effect, Result } from "effect"
import type { HostParseError, Parsed } from "./parse.ts"
import { type HostReadError, readKeptParsedSync, readOptional, readText } from "./read.ts"

export type SourceError = HostReadError | HostParseError

export type Parser<A> = (text: string, file: string) => Parsed<A>

const parsedBy =
  (read: (file: string, limit?: number) => Effect.Effect<string, HostReadError>) =>
  <A>(file: string, parse: Parser<A>, limit?: number): Effect.Effect<A, SourceError> =>
    Effect.flatMap(read(file, limit), (text) => Effect.fromResult(parse(text, file)))

// undefined when the file does not exist: an optional source that this host does not have.
const parsedOptionalBy =
  (read: (file: string, limit?: number) => Effect.Effect<string | undefined, HostReadError>) =>
  <A>(file: string, parse: Parser<A>, limit?: number): Effect.Effect<A | undefined, SourceError> =>
    Effect.flatMap(read(file, limit), (text) =>
      text === undefined ? Effect.succeed(undefined) : Effect.fromResult(parse(text, file))
    )

export const readParsed = parsedBy(readText)
export const readParsedOptional = parsedOptionalBy(readOptional)
/**
 * A parsed procfs file of the host, kept open between samples, and parsed again only when its
 * bytes changed (see readKeptParsedSync).
 */
export const readKernelParsed = <A>(file: string, parse: Parser<A>, limit?: number): Effect.Effect<A, SourceError> =>
  Effect.suspend(() => Effect.fromResult(readKeptParsedSync(file, parse, limit)))

/** readKernelParsed, or undefined when the file does not exist. */
export const readKernelParsedOptional = <A>(
  file: string,
  parse: Parser<A>,
  limit?: number
): Effect.Effect<A | undefined, SourceError> =>
  Effect.suspend(() => {
    const parsed = readKeptParsedSync(file, parse, limit)
    return Result.isFailure(parsed) && parsed.failure._tag === "HostReadError" && parsed.failure.kind === "not-found"
      ? Effect.succeed(undefined)
      : Effect.fromResult(parsed)
  })

/** The first of several candidate files that exists, parsed; undefined when none does. */
export const readFirstParsed = <A>(
  files: ReadonlyArray<string>,
  parse: Parser<A>,
  limit?: number
): Effect.Effect<A | undefined, SourceError> =>
  Effect.gen(function* () {
    for (const file of files) {
      const text = yield* readOptional(file, limit)
      if (text !== undefined) return yield* Effect.fromResult(parse(text, file))
    }
    return undefined
  })
