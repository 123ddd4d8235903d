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
  version: Schema.String,
  history: Schema.String.annotate({
    description:
      '"ok" while the stored history reaches its disk; "memory-only: <why>" while it cannot write there ' +
      "(a read-only or full disk, a directory the service may not write): it keeps recent minutes in memory " +
      "and writes them when the disk takes writes again"
  })
}).annotate({ identifier: "Health" })
export type Health = typeof Health.Type
