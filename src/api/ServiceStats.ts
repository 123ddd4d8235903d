import { Schema } from "effect"
import { IsoTimestamp, NonNegative } from "./common.ts"

export const ProbeKind = Schema.Literals(["http", "https", "tcp", "postgres"])
export type ProbeKind = typeof ProbeKind.Type

export const ServiceHealth = Schema.Struct({
  name: Schema.String,
  kind: ProbeKind,
  target: Schema.String,
  healthy: Schema.Boolean,
  latencyMs: Schema.NullOr(NonNegative),
  statusCode: Schema.optionalKey(Schema.Int),
  error: Schema.optionalKey(Schema.String),
  checkedAt: IsoTimestamp
})
export type ServiceHealth = typeof ServiceHealth.Type

export const ServiceHealthStats = Schema.Struct({
  sampledAt: IsoTimestamp,
  services: Schema.Array(ServiceHealth),
  allHealthy: Schema.Boolean
}).annotate({ identifier: "ServiceHealthStats" })
export type ServiceHealthStats = typeof ServiceHealthStats.Type
