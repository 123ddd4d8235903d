// Why a section has no reading: one tagged error with a tagged reason (Effect's reason errors),
// so that a handler picks a reason by its tag and every reason carries its own facts. Every
// message must be safe to show to an API client: never a secret, an env var or a command.

import { Schema } from "effect"

export const Section = Schema.Literals(["host", "containers", "services"])
export type Section = typeof Section.Type

export class NotSampledYet extends Schema.TaggedError<NotSampledYet>()("NotSampledYet", {}) {
  override get message() {
    return "has not finished its first sample"
  }
}

export class SourceUnavailable extends Schema.TaggedError<SourceUnavailable>()("SourceUnavailable", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

export class TimedOut extends Schema.TaggedError<TimedOut>()("TimedOut", { detail: Schema.String }) {
  override get message() {
    return this.detail
  }
}

export class BadResponse extends Schema.TaggedError<BadResponse>()("BadResponse", { detail: Schema.String }) {
  override get message() {
    return this.detail
  }
}

export class Unparsable extends Schema.TaggedError<Unparsable>()("Unparsable", { detail: Schema.String }) {
  override get message() {
    return this.detail
  }
}

/** A bug: a collector crashed, or returned figures outside the contract. */
export class Internal extends Schema.TaggedError<Internal>()("Internal", { detail: Schema.String }) {
  override get message() {
    return this.detail
  }
}

export const SampleErrorReason = Schema.Union([
  NotSampledYet,
  SourceUnavailable,
  PermissionDenied,
  TimedOut,
  BadResponse,
  Unparsable,
  Internal
])
export type SampleErrorReason = typeof SampleErrorReason.Type

export class SampleError extends Schema.TaggedError<SampleError>()("SampleError", {
  section: Section,
  reason: SampleErrorReason
}) {
  override get message(): string {
    return `${this.section} collector: ${this.reason.message}`
  }
}
