// The doctor's model: what a check looks at, and what it says. src/api/Doctor.ts is the wire
// form of the same report; only the lists of check names and statuses come from there, so that
// the two never disagree.

import type { Duration } from "effect"
import { CHECK_NAMES, type CHECK_STATUSES } from "../api/Doctor.ts"
import type { DockerEndpoint } from "../config/dockerHost.ts"
import type { KernelFs as HostPaths } from "../kernel/fs.ts"

export { CHECK_NAMES }
export type CheckName = (typeof CHECK_NAMES)[number]
export type CheckStatus = (typeof CHECK_STATUSES)[number]

/** What one check found: `fix` says, in plain words, what to do; null when there is nothing to do. */
export interface CheckResult {
  readonly name: CheckName
  readonly status: CheckStatus
  readonly finding: string
  readonly fix: string | null
}

export interface DoctorReport {
  readonly checks: ReadonlyArray<CheckResult>
  /** False when any check fails; warnings do not count. */
  readonly ok: boolean
}

/** This process as it sees itself: what tells the host's trees from a container's own. */
export interface ProcessView {
  readonly pid: number
  /** os.hostname(): inside a container, the container's id unless compose sets `hostname:`. */
  readonly hostname: string
  /** /.dockerenv (Docker) or /run/.containerenv (Podman) exists. */
  readonly inContainer: boolean
  /** st_dev of this process's own `/`: a directory on it lives in the container's writable layer. */
  readonly rootDevice: number
  /** uid, gid and supplementary groups, for the Docker socket's message; null where there are none. */
  readonly user: { readonly uid: number; readonly gid: number; readonly groups: ReadonlyArray<number> } | null
}

/** Everything the checks read: the trees, the Docker endpoint and the data directory are values. */
export interface DoctorInput {
  readonly paths: HostPaths
  readonly self: ProcessView
  readonly docker: DockerEndpoint
  readonly dockerTimeout: Duration.Duration
  readonly dataDir: string
  /** PORT: where the service listens. */
  readonly port: number
}

/** A finding without its name: each check returns one, the runner names it. */
export type Finding = Omit<CheckResult, "name">

export const ok = (finding: string): Finding => ({ status: "ok", finding, fix: null })
export const warn = (finding: string, fix: string): Finding => ({ status: "warn", finding, fix })
export const fail = (finding: string, fix: string): Finding => ({ status: "fail", finding, fix })

// The compose lines that give the container the host's trees, as docker-compose.prod.yml has them.
export const MOUNT_FIX = {
  proc: "mount the host's /proc read-only (`- /proc:/host/proc:ro` under the service's volumes, as docker-compose.prod.yml does) and leave HOST_PROC unset, or set it to /host/proc",
  sys: "mount the host's /sys read-only (`- /sys:/host/sys:ro` under the service's volumes, as docker-compose.prod.yml does) and leave HOST_SYS unset, or set it to /host/sys",
  root: "mount the host's / read-only (`- /:/host/root:ro` under the service's volumes, as docker-compose.prod.yml does) and leave HOST_ROOT unset, or set it to /host/root"
} as const

/** Where a Raspberry Pi's kernel command line is: Bookworm moved it under /boot/firmware. */
export const CMDLINE = "/boot/firmware/cmdline.txt (/boot/cmdline.txt before Raspberry Pi OS Bookworm)"
