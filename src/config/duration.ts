// The one duration grammar of this service: a number and a unit, as in 500ms, 5s, 2m, 1h, 7d.
// Environment variables, rules files and query windows all read it, so an owner learns one way
// to write "two minutes".

export const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
export type DurationUnit = keyof typeof DURATION_UNITS

const PATTERN = /^(\d{1,12}(?:\.\d{1,9})?)\s*(ms|s|m|h|d)$/

/**
 * Milliseconds, or undefined when the text is not in the grammar. `bare` is the unit of a
 * number written without one (query windows take "90" as seconds); without it a unit is needed.
 */
export const parseDuration = (text: string, bare?: DurationUnit): number | undefined => {
  const t = text.trim()
  const match = PATTERN.exec(t) ?? (bare !== undefined && /^\d{1,12}$/.test(t) ? [t, t, bare] : null)
  if (match === null) return undefined
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] as DurationUnit])
}
