// The doctor's vocabulary, with no imports: src/api/Doctor.ts builds its schema from these lists,
// and the published contract (lib/) must not pull in the checks or anything they read.

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
  "clock"
] as const
export type CheckName = (typeof CHECK_NAMES)[number]

export const CHECK_STATUSES = ["ok", "warn", "fail"] as const
export type CheckStatus = (typeof CHECK_STATUSES)[number]
