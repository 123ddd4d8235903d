// Generators for the property tests (Effect's Arbitrary, which is what it.prop runs): arbitrary
// text that looks enough like procfs to reach deep into the parsers, and the pieces of
// well-formed files built from known numbers.
import { Arbitrary, Schema } from "effect"

export const int = (minimum: number, maximum: number): Arbitrary.Arbitrary<number> =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })))

export const pick = <const T extends ReadonlyArray<string>>(values: T): Arbitrary.Arbitrary<T[number]> =>
  Arbitrary.schema(Schema.Literals(values))

/** One of several arbitraries, chosen uniformly. */
export const oneOf = <A>(...choices: ReadonlyArray<Arbitrary.Arbitrary<A>>): Arbitrary.Arbitrary<A> =>
  Arbitrary.flatMap(int(0, choices.length - 1), (i) => choices[i]!)

export const count = int(0, Number.MAX_SAFE_INTEGER)
export const bool = Arbitrary.schema(Schema.Boolean)
export const anyString = Arbitrary.schema(Schema.String)

const procToken = pick([
  "cpu",
  "cpu0",
  "cpu12",
  "cpux",
  " ",
  "  ",
  "\t",
  "\n",
  "\n",
  ":",
  "kB",
  "MB",
  "0",
  "1",
  "42",
  "18446744073709551615",
  "99999999999999999999999",
  "-",
  "-5",
  ".",
  "0.5",
  "|",
  "\0",
  "MemTotal",
  "MemFree",
  "MemAvailable",
  "SwapTotal",
  "Cached",
  "eth0",
  "eth0:1",
  "=",
  '"',
  "'",
  "\\",
  "#",
  "NAME",
  "PRETTY_NAME",
  "sda",
  "mmcblk0p1",
  "é",
  "\r",
  "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
  "cpu  1 2 3 4 5 6 7 8 9 10\n"
])

const tokens = Arbitrary.array(Arbitrary.array(oneOf(procToken, procToken, anyString)))

// Small real files: edited a little, they stay close to valid and reach the parsers' late checks.
const seeds = pick([
  "cpu  67106 0 60801 1126658 1165 0 4002 0 0 0\ncpu0 33511 0 30399 563337 586 0 2086 0 0 0\ncpu1 33594 0 30401 563320 578 0 1915 0 0 0\nintr 1 2 3\nctxt 10620626\n",
  "MemTotal:       24683620 kB\nMemFree:        23772700 kB\nMemAvailable:   24265380 kB\nBuffers:            2372 kB\nCached:           646516 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nHugePages_Total:       0\n",
  "0.10 0.50 0.39 1/126 11137\n",
  "6325.67 11266.60\n",
  "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo: 2013735948 3681192    0    0    0     0          0         0 2013735948 3681192    0    0    0     0       0          0\nvethf345468:     648       8    0    0    0     0          0         0      438       5    0    0    0     0       0          0\n",
  " 254       0 vda 128416 16744 6389666 52676 60738 51678 6207224 35965 0 25552 97469 15738 72 302184 3842 12045 4984\n   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0\n",
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n',
  "49925\n",
  "cpu-thermal\n",
  "raspberrypi\n",
  "Raspberry Pi 4 Model B Rev 1.4\u0000",
  "1800000\n",
  "0\n",
  "6.6.51+rpt-rpi-v8\n"
])

const edit = Arbitrary.all([int(0, 1000), pick(["insert", "delete", "replace"]), procToken])
const mutated = Arbitrary.map(Arbitrary.all([seeds, Arbitrary.array(edit, { maxLength: 4 })]), ([seed, edits]) =>
  edits.reduce<string>((text, [at, op, token]) => {
    const i = text.length === 0 ? 0 : at % text.length
    if (op === "insert") return text.slice(0, i) + token + text.slice(i)
    if (op === "delete") return text.slice(0, i) + text.slice(i + 1 + (at % 7))
    return text.slice(0, i) + token + text.slice(i + token.length)
  }, seed)
)

/** Text made of procfs-like tokens, edited real files and arbitrary strings. */
export const procLikeText = oneOf(
  Arbitrary.map(tokens, (lines) => lines.map((parts) => parts.join("")).join("")),
  Arbitrary.map(tokens, (lines) => lines.map((parts) => parts.join(" ")).join("\n")),
  mutated,
  mutated,
  anyString
)

/** A number with exactly two decimals, as the kernel prints loadavg and uptime. */
export const centi = Arbitrary.map(int(0, 10_000_000), (n) => ({ value: n / 100, text: (n / 100).toFixed(2) }))

export const spaces = Arbitrary.map(int(1, 4), (n) => " ".repeat(n))

const lower = pick(["a", "b", "c", "x", "y", "z", "q"])
export const letters = (min: number, max: number) =>
  Arbitrary.map(Arbitrary.array(lower, { minLength: min, maxLength: max }), (xs) => xs.join(""))
