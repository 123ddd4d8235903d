// Shared plumbing of the groups: where the host's trees are, and read-then-parse.

import * as path from "node:path"
import { Effect } from "effect"
import type { HostParseError, Parsed } from "./parsers/text.ts"
import { type HostReadError, readKernelOptional, readKernelText, readOptional } from "./reader.ts"

/** Where the host's /proc, /sys and / are seen from this process (HOST_PROC, HOST_SYS, HOST_ROOT). */
export interface HostPaths {
  readonly proc: string
  readonly sys: string
  readonly root: string
}

export const under = (base: string, ...rest: ReadonlyArray<string>): string => path.join(base, ...rest)

export type SourceError = HostReadError | HostParseError

type Parser<A> = (text: string, file: string) => Parsed<A>

// Read with `read`, then parse: the one shape behind every read*Parsed below.
const parsedBy =
  (read: (file: string) => Effect.Effect<string, HostReadError>) =>
  <A>(file: string, parse: Parser<A>): Effect.Effect<A, SourceError> =>
    Effect.flatMap(read(file), (text) => Effect.fromResult(parse(text, file)))

// undefined when the file does not exist: an optional source that this host does not have.
const parsedOptionalBy =
  (read: (file: string) => Effect.Effect<string | undefined, HostReadError>) =>
  <A>(file: string, parse: Parser<A>): Effect.Effect<A | undefined, SourceError> =>
    Effect.flatMap(read(file), (text) =>
      text === undefined ? Effect.succeed(undefined) : Effect.fromResult(parse(text, file))
    )

export const readParsedOptional = parsedOptionalBy(readOptional)
/** A parsed procfs file (see readKernelText). */
export const readKernelParsed = parsedBy(readKernelText)
/** readParsedOptional for a procfs file (see readKernelText). */
export const readKernelParsedOptional = parsedOptionalBy(readKernelOptional)

/** The first of several candidate files that exists, parsed; undefined when none does. */
export const readFirstParsed = <A>(
  files: ReadonlyArray<string>,
  parse: Parser<A>
): Effect.Effect<A | undefined, SourceError> =>
  Effect.gen(function* () {
    for (const file of files) {
      const text = yield* readOptional(file)
      if (text !== undefined) return yield* Effect.fromResult(parse(text, file))
    }
    return undefined
  })

export const round2 = (n: number): number => Math.round(n * 100) / 100

/** What an optional group reports for a failed source: nothing when the source does not exist. */
export const groupError = (error: SourceError): string | null =>
  error._tag === "HostReadError" && error.kind === "not-found" ? null : error.message
