// A token that no request can ever present is a configuration error, found at start rather than
// as a service that refuses every client. HTTP strips the whitespace around a header value, and
// a header carries bytes that Node reads as Latin-1: a token with spaces at either end, or with
// a letter outside ASCII typed as UTF-8, can never match what a client sends.

/** Why `raw` can never match a presented token, or undefined when it can. Never quotes it. */
export const tokenProblem = (raw: string): string | undefined => {
  if (raw.trim() === "") return "it holds only whitespace"
  if (raw !== raw.trim()) {
    return "it begins or ends with whitespace, which HTTP strips from a header value, so no request could present it"
  }
  // Printable ASCII only: no control characters or tabs, no letters outside ASCII.
  if (/[^\x20-\x7e]/.test(raw)) {
    return "it holds a character outside printable ASCII (a control character, or a letter such as é), which an HTTP header does not carry as typed, so no request could present it"
  }
  return undefined
}
