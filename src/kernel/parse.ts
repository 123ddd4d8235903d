// What every parser shares: the typed error and allocation-light scanning helpers. The parsers
// run every few seconds on a Raspberry Pi, so they scan with indexOf and fixed-shape patterns:
// no pattern here can backtrack more than linearly on hostile input.

import { Result, Schema } from "effect"

export class HostParseError extends Schema.TaggedError<HostParseError>()("HostParseError", {
  file: Schema.String,
  line: Schema.Int.annotate({ description: "1-based; 0 when the problem is not on one line (a key is missing)" }),
  reason: Schema.String
}) {
  override get message(): string {
    return this.line > 0 ? `${this.file} line ${this.line}: ${this.reason}` : `${this.file}: ${this.reason}`
  }
}

export type Parsed<A> = Result.Result<A, HostParseError>

export const parseFail = (file: string, line: number, reason: string): Parsed<never> =>
  Result.fail(new HostParseError({ file, line, reason }))

/**
 * Calls `f` with every line (without its newline) and its 1-based number, until `f` returns a
 * value other than undefined, which is returned.
 */
export const scanLines = <R>(text: string, f: (line: string, lineNo: number) => R | undefined): R | undefined => {
  let start = 0
  let lineNo = 1
  while (start <= text.length) {
    let end = text.indexOf("\n", start)
    if (end === -1) end = text.length
    // A final newline ends the last line; it does not start an empty one.
    if (start === text.length && end === start) return undefined
    const out = f(text.slice(start, end), lineNo)
    if (out !== undefined) return out
    start = end + 1
    lineNo++
  }
  return undefined
}

/**
 * As scanLines, for "key value" files: a line that is one key of printable ASCII, one space and
 * 1 to 20 digits (every line the kernel prints in them) goes to `pair` as its key and count,
 * without the array and regular expression of `fields`; any other line, to `other` as it is.
 * The count is what Number gives for the digits (rounded past 2^53).
 */
export const scanKeyedCounts = <R>(
  text: string,
  pair: (key: string, value: number, lineNo: number) => R | undefined,
  other: (line: string, lineNo: number) => R | undefined
): R | undefined => {
  let start = 0
  let lineNo = 1
  while (start < text.length) {
    let end = text.indexOf("\n", start)
    if (end === -1) end = text.length
    const space = keyEnd(text, start, end)
    const digits = space === -1 ? 0 : end - space - 1
    let value = digits >= 1 && digits <= 20 ? 0 : -1
    for (let i = space + 1; value !== -1 && i < end; i++) {
      const c = text.charCodeAt(i) - 48
      if (c < 0 || c > 9) value = -1
      else value = value * 10 + c
    }
    const out =
      value === -1
        ? other(text.slice(start, end), lineNo)
        : pair(text.slice(start, space), digits > 15 ? Number(text.slice(space + 1, end)) : value, lineNo)
    if (out !== undefined) return out
    start = end + 1
    lineNo++
  }
  return undefined
}

/** Where the key of a line ends at its one space, or -1 when it is not a key of printable ASCII. */
const keyEnd = (text: string, start: number, end: number): number => {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 32) return i > start ? i : -1
    if (c < 33 || c > 126) return -1
  }
  return -1
}

/** Whitespace-separated fields; a linear split. */
export const fields = (line: string): Array<string> => {
  const t = line.trim()
  return t === "" ? [] : t.split(/\s+/)
}

const unsignedPattern = /^\d{1,20}$/
const decimalPattern = /^\d{1,20}(\.\d{1,20})?$/
const signedPattern = /^-?\d{1,20}$/

/** A non-negative integer that a JS number holds exactly, or undefined. */
export const toCount = (token: string | undefined): number | undefined => {
  if (token === undefined || !unsignedPattern.test(token)) return undefined
  const n = Number(token)
  return Number.isSafeInteger(n) ? n : undefined
}

/** A non-negative decimal such as 0.05 or 6325.67, or undefined. */
export const toDecimal = (token: string | undefined): number | undefined => {
  if (token === undefined || !decimalPattern.test(token)) return undefined
  const n = Number(token)
  return Number.isFinite(n) ? n : undefined
}

/** An integer that may be negative (a temperature in millidegrees), or undefined. */
export const toSigned = (token: string | undefined): number | undefined => {
  if (token === undefined || !signedPattern.test(token)) return undefined
  const n = Number(token)
  return Number.isSafeInteger(n) ? n : undefined
}

/** The first line of a one-value sysfs/procfs file, without surrounding whitespace or NULs. */
export const singleLine = (text: string): string => {
  const nl = text.indexOf("\n")
  const first = nl === -1 ? text : text.slice(0, nl)
  return trimNul(first).trim()
}

// Device-tree strings end with a NUL byte; String.prototype.trim does not remove it.
export const trimNul = (s: string): string => {
  let end = s.length
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--
  return end === s.length ? s : s.slice(0, end)
}

export const describeToken = (token: string): string => {
  const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token
  return JSON.stringify(shown)
}
