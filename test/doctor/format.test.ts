// The terminal form of a report: aligned names, the fix under its check, and the summary line.
import { describe, expect, it } from "vitest"
import type { DoctorReport } from "../../src/doctor/Check.ts"
import { formatReport } from "../../src/doctor/format.ts"

const report = (statuses: ReadonlyArray<"ok" | "warn" | "fail">): DoctorReport => {
  const names = ["host-proc", "psi", "docker"] as const
  const checks = statuses.map((status, i) => ({
    name: names[i]!,
    status,
    finding: `finding ${i}`,
    fix: status === "ok" ? null : `fix ${i}`
  }))
  return { checks, ok: !statuses.includes("fail") }
}

describe("formatReport", () => {
  it("puts each fix under its check, aligned after the name", () => {
    expect(formatReport(report(["ok", "warn", "fail"]))).toBe(
      [
        "ok    host-proc  finding 0",
        "warn  psi        finding 1",
        "                 fix: fix 1",
        "fail  docker     finding 2",
        "                 fix: fix 2",
        "",
        "1 check failed, 1 warning",
        ""
      ].join("\n")
    )
  })

  it("sums up", () => {
    expect(formatReport(report(["ok", "ok", "ok"]))).toMatch(/\n\nall 3 checks ok\n$/)
    expect(formatReport(report(["fail", "fail", "warn"]))).toMatch(/\n\n2 checks failed, 1 warning\n$/)
  })
})
