// Rounding and unit conversions, in one place for every view.

/** Two decimals: what the API shows of every percentage and rate. */
export const round2 = (n: number): number => Math.round(n * 100) / 100

/** A share in percent, 0-100, two decimals; 0 when the whole is 0. */
export const percentOf = (part: number, whole: number): number =>
  whole > 0 ? round2(Math.min(100, (part / whole) * 100)) : 0

export const isoTime = (millis: number): string => new Date(millis).toISOString()

/** A ratio (0-1) of a percentage, without float noise: 25.78 % is 0.2578, not 0.25780000000000003. */
export const ratioOfPercent = (percent: number): number => Number((percent / 100).toPrecision(12))
