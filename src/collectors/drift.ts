// Smooth, deterministic movement for mock figures: a function of the clock, so that a test that
// moves the TestClock sees the figures change, and a dashboard shows believable motion.
export const wave = (nowMillis: number, periodSeconds: number, phase = 0): number =>
  Math.sin((2 * Math.PI * nowMillis) / (periodSeconds * 1000) + phase)

/** A value around `mid` that moves by up to ±`amplitude`, made of two waves so it looks irregular. */
export const drift = (nowMillis: number, mid: number, amplitude: number, periodSeconds: number, phase = 0): number =>
  mid +
  amplitude * (0.7 * wave(nowMillis, periodSeconds, phase) + 0.3 * wave(nowMillis, periodSeconds / 3.7, phase * 2))

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
