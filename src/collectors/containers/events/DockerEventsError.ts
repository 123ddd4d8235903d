import { Schema } from "effect"
import { DockerError } from "../DockerError.ts"

// Why one connection to Docker's event stream ended. Every message names the endpoint and the
// call; none quotes a byte of what the daemon sent (an event line holds the container's labels).

/** A line of the stream was longer than the limit: skipped, or (never ending) the connection dropped. */
export class EventLineTooLong extends Schema.TaggedError<EventLineTooLong>()("EventLineTooLong", {
  endpoint: Schema.String,
  limitBytes: Schema.Int,
  bytes: Schema.Int,
  ended: Schema.Boolean
}) {
  override get message(): string {
    return this.ended
      ? `an event line from ${this.endpoint} was ${this.bytes} bytes, past the ${this.limitBytes}-byte limit: skipped`
      : `an event line from ${this.endpoint} went on past ${this.bytes} bytes without ending (limit ${this.limitBytes}): connection dropped`
  }
}

/** The daemon or a proxy closed the stream, or it broke in the middle. */
export class EventStreamCut extends Schema.TaggedError<EventStreamCut>()("EventStreamCut", {
  endpoint: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `the event stream from ${this.endpoint} ${this.detail}`
  }
}

export class DockerEventsError extends Schema.TaggedError<DockerEventsError>()("DockerEventsError", {
  reason: Schema.Union([DockerError, EventLineTooLong, EventStreamCut])
}) {
  override get message(): string {
    return this.reason._tag === "DockerError" ? this.reason.detail : this.reason.message
  }
}
