"use client"
// The README's hook (copied into app/useLiveStats.ts by test/client/next.test.ts), so that the
// build type-checks it against the package's types.
import { useLiveStats } from "./useLiveStats"

export default function Page() {
  const { stats, problem } = useLiveStats()
  return (
    <main>
      <p>{problem === null ? "live" : `stale: ${problem}`}</p>
      <p>{stats === null ? "no figures yet" : `figures of ${stats.timestamp}`}</p>
    </main>
  )
}
