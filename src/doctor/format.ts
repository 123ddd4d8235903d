// The report as text for a terminal (`npm run doctor`): one line per check, the fix indented
// under it, and a last line that sums it up.

import type { DoctorReport } from "./Check.ts"

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

export const formatReport = (report: DoctorReport): string => {
  const width = Math.max(...report.checks.map((c) => c.name.length))
  const lines = report.checks.flatMap((c) => [
    `${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.finding}`,
    ...(c.fix === null ? [] : [`${" ".repeat(width + 8)}fix: ${c.fix}`])
  ])
  const failed = report.checks.filter((c) => c.status === "fail").length
  const warned = report.checks.filter((c) => c.status === "warn").length
  const summary =
    failed === 0 && warned === 0
      ? `all ${plural(report.checks.length, "check")} ok`
      : `${plural(failed, "check")} failed, ${plural(warned, "warning")}`
  return `${lines.join("\n")}\n\n${summary}\n`
}
