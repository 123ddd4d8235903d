import { Schema } from "effect"

// Schema.Error rather than TaggedError: the wire body must be exactly {"error": "..."}; the
// `_tag` lives on the instance only so that Effect.catchTag still works on the client side.
export class Unauthorized extends Schema.Error<Unauthorized>("Unauthorized")(
  { error: Schema.Literals(["Missing authentication token", "Invalid authentication token"]) },
  { httpApiStatus: 401, description: "The X-Profiler-Token header is missing or wrong" }
) {
  readonly _tag = "Unauthorized"
}

export const CollectorName = Schema.Literals(["host", "containers", "services"])
export type CollectorName = typeof CollectorName.Type

// Why a collector has no figures to give. Each collector maps its own typed errors onto these.
export const FailureReason = Schema.Literals([
  "not-implemented",
  "not-sampled-yet",
  "unavailable",
  "permission-denied",
  "timeout",
  "bad-response",
  "parse-error",
  "internal"
])
export type FailureReason = typeof FailureReason.Type

const failureFields = {
  error: Schema.String.annotate({ description: "What went wrong, for a person to read" }),
  collector: CollectorName,
  reason: FailureReason,
  sampledAt: Schema.String.annotate({ description: "When the failure was seen (ISO 8601)" })
}

// What a section of /stats carries in place of its figures when its collector failed.
export const CollectorFailure = Schema.Struct(failureFields).annotate({
  identifier: "CollectorFailure",
  description: "The section's collector could not answer; the other sections are unaffected"
})
export type CollectorFailure = typeof CollectorFailure.Type

// The same failure as the 503 answer of a single-section route.
export class CollectorUnavailable extends Schema.Error<CollectorUnavailable>("CollectorUnavailable")(failureFields, {
  httpApiStatus: 503,
  description: "The collector behind this route cannot answer right now"
}) {
  readonly _tag = "CollectorUnavailable"
}

export const isCollectorFailure = (section: object): section is CollectorFailure =>
  "error" in section && "reason" in section && "collector" in section
