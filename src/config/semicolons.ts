// SYSTEM_PROFILER_SERVICES separates its entries with ",". A ";" in its place makes one entry of
// two, and the first URL quietly swallows the rest as its path ("http://web:3000/;db=postgres://db"
// is a valid URL): the second probe would never run, and nothing would say why.

// A ";" followed by what starts an entry, name=scheme://. No password can be cut there unless it
// holds that very text: name and scheme admit no "@", so this is never inside a URL's user info.
const ENTRY_AFTER_SEMICOLON = /;(?=\s*[A-Za-z0-9][A-Za-z0-9_.-]*\s*=\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)/

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(.*)$/s

// Everything between "://" and the last "@" is user info, whatever it holds ("/" included, which a
// URL parser would take for the end of the host): it is replaced as a whole.
const redactUrl = (raw: string): string => {
  const match = SCHEME.exec(raw)
  if (match === null) return "<not a URL>"
  const [, scheme, rest] = match as unknown as [string, string, string]
  const at = rest.lastIndexOf("@")
  if (at >= 0) return `${scheme}***@${rest.slice(at + 1)}`
  // Without "@" there is no password, unless the text is no URL at all: then none of it is shown.
  return URL.canParse(raw) ? raw : "<not a valid URL>"
}

/** The entry as it may be shown in an error: every URL without its user info (`***@` in its place). */
export const redactEntry = (entry: string): string =>
  entry
    .split(ENTRY_AFTER_SEMICOLON)
    .map((piece) => {
      const eq = piece.indexOf("=")
      return eq <= 0 ? "<not name=url>" : `${piece.slice(0, eq).trim()}=${redactUrl(piece.slice(eq + 1).trim())}`
    })
    .join(";")

/** Why `entry` is two entries joined by ";", or undefined when it is not. */
export const semicolonProblem = (entry: string): string | undefined =>
  ENTRY_AFTER_SEMICOLON.test(entry)
    ? `entry "${redactEntry(entry)}" joins entries with ";"; separate them with ","`
    : undefined
