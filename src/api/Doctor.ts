import { Schema } from "effect"

// GET /doctor: the prerequisites of a live deployment, each checked on the machine the service
// runs on; a check that cannot run is a warning. The lists of names and statuses are the one
// place both the contract and the doctor (src/doctor/Check.ts) take them from: the contract
// imports nothing but effect (test/foundation/contract.test.ts), so they live here.

export const CHECK_NAMES = [
  "host-proc",
  "host-sys",
  "host-root",
  "docker",
  "cgroup-memory",
  "psi",
  "thermal",
  "under-voltage",
  "data-dir",
  "clock",
  "port"
] as const

export const CHECK_STATUSES = ["ok", "warn", "fail"] as const

export const DoctorCheckName = Schema.Literals(CHECK_NAMES).annotate({ description: "What is checked" })

export const DoctorCheckStatus = Schema.Literals(CHECK_STATUSES).annotate({
  description: "ok; warn: works, but something is missing or unknown; fail: the service cannot do its job here"
})

export const DoctorCheck = Schema.Struct({
  name: DoctorCheckName,
  status: DoctorCheckStatus,
  finding: Schema.String.annotate({ description: "What was found, in one line" }),
  fix: Schema.NullOr(Schema.String).annotate({ description: "What to do about it, in plain words; null when ok" })
}).annotate({ identifier: "DoctorCheck" })
export type DoctorCheck = typeof DoctorCheck.Type

export const DoctorReport = Schema.Struct({
  checks: Schema.Array(DoctorCheck),
  ok: Schema.Boolean.annotate({ description: "false when any check fails; warnings do not count" })
}).annotate({ identifier: "DoctorReport" })
export type DoctorReport = typeof DoctorReport.Type
