import { Schema } from "effect"

// ISO 8601 in UTC as Date.prototype.toISOString prints it; kept a string so that the web app
// can use it as it comes, without a decoding step.
export const IsoTimestamp = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
).annotate({ description: "ISO 8601 timestamp (UTC)", examples: ["2026-11-25T06:00:00.000Z"] })

export const ByteCount = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).annotate({
  description: "A count of bytes (non-negative integer)"
})

export const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

// Finite rather than Number: Number would encode NaN and Infinity as strings.
export const Percent = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)).annotate({
  description: "A percentage (0-100; container CPU may exceed 100 on several cores)"
})

export const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
