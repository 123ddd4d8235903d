import { Schema } from "effect"
import { CHECK_NAMES, CHECK_STATUSES } from "../doctor/names.ts"

// GET /doctor: the prerequisites of a live deployment, each checked on the machine the service
// runs on. The names and statuses are the doctor's own (src/doctor/names.ts); a check that
// cannot run is a warning.

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
