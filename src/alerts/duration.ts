// The duration grammar of the environment variables (src/config/values.ts): a number and one of
// ms, s, m, h. Rule files use the same one, so that an owner learns a single way to write "2m".

export { parseDuration } from "../config/duration.ts"

/**
 * Milliseconds as Prometheus writes a duration ("1h30m", "90s" is "1m30s", "0s"): its own
 * grammar, which both promtool and this service's parser (for the whole-unit forms) accept.
 */
export const formatDuration = (millis: number): string => {
  if (millis <= 0) return "0s"
  let rest = Math.round(millis)
  let out = ""
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1]
  ] as const) {
    const n = Math.floor(rest / size)
    if (n > 0) out += `${n}${unit}`
    rest -= n * size
  }
  return out
}
