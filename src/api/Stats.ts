import { Schema } from "effect"
import { ContainerStats } from "./ContainerStats.ts"
import { IsoTimestamp } from "./common.ts"
import { CollectorFailure } from "./errors.ts"
import { HostStats } from "./HostStats.ts"
import { ServiceHealthStats } from "./ServiceStats.ts"

// Each section is its figures or, when its collector failed, that failure: one failing
// collector never takes the others down.
export const HostSection = Schema.Union([HostStats, CollectorFailure])
export const ContainersSection = Schema.Union([ContainerStats, CollectorFailure])
export const ServicesSection = Schema.Union([ServiceHealthStats, CollectorFailure])

export const Stats = Schema.Struct({
  timestamp: IsoTimestamp,
  host: HostSection,
  containers: ContainersSection,
  services: ServicesSection
}).annotate({ identifier: "Stats" })
export type Stats = typeof Stats.Type

export const Health = Schema.Struct({
  ok: Schema.Boolean,
  mockMode: Schema.Boolean,
  version: Schema.String
}).annotate({ identifier: "Health" })
export type Health = typeof Health.Type
