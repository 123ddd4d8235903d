import { Duration, Effect, Result, Schedule } from "effect"
import type { ProbeTarget } from "../../config/services.ts"
import { httpProbe } from "./httpProbe.ts"
import { type ProbeError, ProbeTimeout } from "./ProbeError.ts"
import { postgresProbe } from "./postgresProbe.ts"
import type { ProbeSuccess } from "./socketProbe.ts"
import { tcpProbe } from "./tcpProbe.ts"

/** One attempt at a target, with no timeout or retry of its own. */
export type Probe = (target: ProbeTarget) => Effect.Effect<ProbeSuccess, ProbeError>

export const liveProbe: Probe = (target) => {
  switch (target.kind) {
    case "http":
    case "https":
      return httpProbe(target)
    case "tcp":
      return tcpProbe(target)
    case "postgres":
      return postgresProbe(target)
  }
}

export interface CheckSettings {
  /** Per attempt. */
  readonly timeout: Duration.Duration
  readonly retries: number
  /** The first delay between attempts; each next one doubles. */
  readonly retryBase: Duration.Duration
  /** The whole check, retries included, ends by then, so that it fits in one sample. */
  readonly budget: Duration.Duration
}

export interface CheckResult {
  readonly healthy: boolean
  readonly latencyMs: number | null
  readonly statusCode: number | undefined
  /** The notAfter of the certificate the last attempt was shown, Unix ms (https only). */
  readonly tlsNotAfter: number | undefined
  readonly error: ProbeError | undefined
  readonly attempts: number
}

/** Worst-case duration of a check: every attempt times out, with every backoff delay between. */
export const worstCase = (settings: Omit<CheckSettings, "budget">): Duration.Duration =>
  Duration.millis(
    Duration.toMillis(settings.timeout) * (settings.retries + 1) +
      Duration.toMillis(settings.retryBase) * (2 ** settings.retries - 1)
  )

/**
 * Runs a probe with a timeout per attempt and exponential backoff between attempts; never
 * fails. A timed-out attempt is interrupted, which destroys its socket.
 */
export const check = (target: ProbeTarget, settings: CheckSettings, probe: Probe = liveProbe) =>
  Effect.gen(function* () {
    const timeout = target.timeout ?? settings.timeout
    const retries = target.retries ?? settings.retries
    const timedOut = new ProbeTimeout({ timeoutMs: Duration.toMillis(timeout) })
    let attempts = 0
    const attempt = Effect.suspend(() => {
      attempts++
      return probe(target)
    }).pipe(Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(timedOut) }))
    const result = yield* attempt.pipe(
      // No jitter: a handful of probes cannot stampede a server, and fixed delays keep the
      // worst case of a check known.
      Effect.retry({ schedule: Schedule.exponential(settings.retryBase), times: retries }),
      Effect.timeoutOrElse({ duration: settings.budget, orElse: () => Effect.fail(timedOut) }),
      Effect.result
    )
    if (Result.isSuccess(result)) {
      const { latencyMs, statusCode, tlsNotAfter } = result.success
      return { healthy: true, latencyMs, statusCode, tlsNotAfter, error: undefined, attempts } satisfies CheckResult
    }
    const error = result.failure
    const answered = error._tag === "BadStatus" || error._tag === "BodyMismatch"
    return {
      healthy: false,
      latencyMs: answered ? error.latencyMs : null,
      statusCode: answered || error._tag === "TooManyRedirects" ? error.statusCode : undefined,
      tlsNotAfter: answered ? error.tlsNotAfter : undefined,
      error,
      attempts
    } satisfies CheckResult
  })
