// Is the clock synchronised? Node cannot call adjtimex(2), which holds the kernel's own answer,
// so the doctor reads what the time daemons leave under HOST_ROOT/run (a Docker bind mount of /
// is recursive: the host's /run tmpfs is seen there). Only systemd-timesyncd, Raspberry Pi
// OS's default, states its synchronisation in a file; chronyd and ntpd are found but their
// state is unknown (warn), as is a host with none of them.

import { Clock, Effect } from "effect"
import { under } from "../kernel/fs.ts"
import { type DoctorInput, fail, MOUNT_FIX, ok, warn } from "./Check.ts"
import { statOptional } from "./files.ts"

// A clock before this date was never set: this code did not exist yet. A Raspberry Pi has no
// real-time clock and boots at the time it last saved (fake-hwclock), or at 1970.
export const EARLIEST_PLAUSIBLE = Date.UTC(2026, 0, 1)

// systemd-timesyncd polls every 34 minutes at most (PollIntervalMaxSec=2048) and touches the
// file at every synchronisation: hours without one mean it no longer reaches a server.
export const STALE_SYNC_MS = 6 * 3_600_000

const iso = (ms: number) => new Date(ms).toISOString()

const TIMESYNCD_FIX = "check the host's network and NTP servers: `timedatectl timesync-status` on the host"

export const checkClock = Effect.fn("doctor.clock")(function* (input: DoctorInput) {
  const now = yield* Clock.currentTimeMillis
  if (now < EARLIEST_PLAUSIBLE) {
    return fail(
      `the clock says ${iso(now)}, a date before this version of system-profiler existed: it was never set`,
      "give the host a network and time synchronisation (`sudo timedatectl set-ntp true`); a Raspberry Pi has no battery clock and starts at its last saved time"
    )
  }
  const run = under(input.paths.root, "run")
  const synchronized = under(run, "systemd/timesync/synchronized")
  const synced = yield* statOptional(synchronized)
  if (synced !== undefined) {
    if (now - synced.mtimeMs > STALE_SYNC_MS) {
      return warn(
        `systemd-timesyncd last synchronised the clock at ${iso(synced.mtimeMs)}, ${Math.floor((now - synced.mtimeMs) / 3_600_000)} h ago (${synchronized})`,
        TIMESYNCD_FIX
      )
    }
    return ok(`systemd-timesyncd synchronised the clock at ${iso(synced.mtimeMs)} (${synchronized})`)
  }
  if ((yield* statOptional(under(run, "systemd/timesync"))) !== undefined) {
    return warn(
      `systemd-timesyncd runs but has not synchronised the clock since boot (no ${synchronized})`,
      TIMESYNCD_FIX
    )
  }
  for (const pidFile of ["chrony/chronyd.pid", "chronyd.pid"]) {
    if ((yield* statOptional(under(run, pidFile))) !== undefined) {
      return warn(
        `chronyd runs (${under(run, pidFile)}); whether it has synchronised the clock is not in any file: unknown`,
        "run `chronyc tracking` on the host: `Leap status : Normal` means synchronised"
      )
    }
  }
  if ((yield* statOptional(under(run, "ntpd.pid"))) !== undefined) {
    return warn(
      `ntpd runs (${under(run, "ntpd.pid")}); whether it has synchronised the clock is not in any file: unknown`,
      "run `ntpq -p` on the host: a line starting with `*` is the server it follows"
    )
  }
  return warn(
    `unknown: no time synchronisation (systemd-timesyncd, chronyd, ntpd) found under ${run}`,
    `enable one on the host (\`sudo timedatectl set-ntp true\` starts systemd-timesyncd); in a container, ${MOUNT_FIX.root}`
  )
})
