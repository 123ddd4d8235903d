import { Schema } from "effect"
import { CollectorName, FailureReason } from "../api/errors.ts"

// What every collector fails with. The sampler turns it into the section's CollectorFailure,
// so `detail` must be safe to show to an API client: never a secret, an env var or a command.
export class CollectorError extends Schema.TaggedError<CollectorError>()("CollectorError", {
  collector: CollectorName,
  reason: FailureReason,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.collector} collector: ${this.reason}: ${this.detail}`
  }
}
