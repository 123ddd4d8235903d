// The API's JSON of every section from the sampler's readings: GET /stats, /host, /containers,
// /services and each stream event. A failure becomes the contract's CollectorFailure here, the
// only place that knows its wire shape.

import { Result } from "effect"
import type { CollectorFailure, FailureReason } from "../api/errors.ts"
import type { Stats } from "../api/Stats.ts"
import type { SampleError, SampleErrorReason } from "../domain/SampleError.ts"
import type { Readings, Sampled } from "../sampling/Sampler.ts"
import { containersView } from "./containers.ts"
import { hostView } from "./host.ts"
import { servicesView } from "./services.ts"
import { isoTime } from "./units.ts"

const REASONS: { readonly [K in SampleErrorReason["_tag"]]: FailureReason } = {
  NotSampledYet: "not-sampled-yet",
  SourceUnavailable: "unavailable",
  PermissionDenied: "permission-denied",
  TimedOut: "timeout",
  BadResponse: "bad-response",
  Unparsable: "parse-error",
  Internal: "internal"
}

export const failureView = (error: SampleError, at: number): CollectorFailure => ({
  collector: error.section,
  reason: REASONS[error.reason._tag],
  error:
    error.reason._tag === "NotSampledYet"
      ? `the ${error.section} collector has not finished its first sample`
      : error.reason.message,
  sampledAt: isoTime(at)
})

/** A section's view, or its failure. */
export const sectionView = <R, A>(
  sampled: Sampled<R>,
  view: (current: R, previous: R | undefined) => A
): A | CollectorFailure =>
  Result.isSuccess(sampled.current)
    ? view(sampled.current.success, sampled.previous)
    : failureView(sampled.current.failure, sampled.at)

/** GET /stats. */
export const statsView = (r: Readings): Stats => ({
  timestamp: isoTime(r.at),
  host: sectionView(r.host, hostView),
  containers: sectionView(r.containers, containersView),
  services: sectionView(r.services, servicesView)
})
