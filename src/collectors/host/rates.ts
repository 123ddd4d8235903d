import { round2 } from "./source.ts"

/**
 * Bytes per second between two readings of a counter that only grows. null when there is no
 * earlier reading, when no time passed, or when the counter went backwards: the interface or
 * device was re-created, and a negative or huge rate would be an invented figure.
 */
export const counterRate = (previous: number | undefined, current: number, elapsedSeconds: number): number | null => {
  if (previous === undefined || elapsedSeconds <= 0 || current < previous) return null
  return round2((current - previous) / elapsedSeconds)
}
