// Dropping root at start. The container starts as root for one reason: to learn which group owns
// the Docker socket (its gid differs from host to host: 107 on this Debian VM, 994 or 999 on a Pi)
// and keep that one group while giving up everything else. It runs before the rest of the
// service, synchronously: clear the supplementary groups root got from /etc/group, add the
// socket's group, then setgid and setuid to the unprivileged user. After setuid the kernel clears
// every capability, so nothing can be taken back.
//
// It only happens when SYSTEM_PROFILER_RUN_AS asks for it (the image sets it): on a bare machine,
// who runs the service is the operator's choice. A process that starts unprivileged
// (`docker run --user 1000:1000 --group-add <gid>`, or node on a workstation) is left as it is.
import { statSync } from "node:fs"

export const RUN_AS_ENV = "SYSTEM_PROFILER_RUN_AS"
/** The `node` user of node:24-alpine (and of the stand-in base image). */
export const DEFAULT_RUN_AS = "1000:1000"
const DEFAULT_SOCKET = "/var/run/docker.sock"

export type PrivilegeOutcome =
  | { readonly _tag: "Dropped"; readonly uid: number; readonly gid: number; readonly socketGid: number | null }
  | { readonly _tag: "AlreadyUnprivileged"; readonly uid: number; readonly gid: number }
  | { readonly _tag: "NotRequested" }
  | { readonly _tag: "Unsupported" }

export class PrivilegeDropFailed extends Error {
  readonly _tag = "PrivilegeDropFailed"
}

/** What the drop needs from the process and the filesystem, so tests can stand in for both. */
export interface PrivilegeSystem {
  readonly getuid?: (() => number) | undefined
  readonly getgid?: (() => number) | undefined
  readonly setgroups?: ((groups: Array<number>) => void) | undefined
  readonly setgid?: ((id: number) => void) | undefined
  readonly setuid?: ((id: number) => void) | undefined
  /** The owning gid of a path, or null when it does not exist. */
  readonly ownerGid: (path: string) => number | null
}

const ownerGid = (path: string): number | null => {
  try {
    return statSync(path).gid
  } catch {
    return null
  }
}

export const nodeSystem: PrivilegeSystem = {
  getuid: process.getuid,
  getgid: process.getgid,
  setgroups: process.setgroups,
  setgid: process.setgid,
  setuid: process.setuid,
  ownerGid
}

/** `uid:gid` (or `uid`, then gid = uid), both numeric and non-zero. */
export const parseRunAs = (raw: string | undefined): { readonly uid: number; readonly gid: number } => {
  const value = raw === undefined || raw.trim() === "" ? DEFAULT_RUN_AS : raw.trim()
  const match = /^(\d+)(?::(\d+))?$/.exec(value)
  const uid = match === null ? Number.NaN : Number(match[1])
  const gid = match === null ? Number.NaN : Number(match[2] ?? match[1])
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || uid === 0 || gid === 0) {
    throw new PrivilegeDropFailed(
      `${RUN_AS_ENV}="${value}" must be a numeric uid:gid other than root (the default is ${DEFAULT_RUN_AS})`
    )
  }
  return { uid, gid }
}

/** The Docker socket this process will use, or null when DOCKER_HOST is not a unix socket. */
export const dockerSocketPath = (dockerHost: string | undefined): string | null => {
  const raw = dockerHost?.trim() || `unix://${DEFAULT_SOCKET}`
  return raw.startsWith("unix://") ? raw.slice("unix://".length) : null
}

const rootOwnedSocket = (socket: string): string =>
  `the Docker socket ${socket} belongs to group 0 (root), and ${RUN_AS_ENV} would keep that group: ` +
  'give the socket a group of its own on the host (dockerd\'s --group option, or "group" in ' +
  "/etc/docker/daemon.json, e.g. docker; the docker package does this), or reach Docker through " +
  "the GET-only socket proxy (docker-compose.socket-proxy.yml, DOCKER_HOST=tcp://socket-proxy:2375)"

export const dropPrivileges = (
  env: Readonly<Record<string, string | undefined>>,
  system: PrivilegeSystem = nodeSystem
): PrivilegeOutcome => {
  const { getuid, getgid, setgroups, setgid, setuid } = system
  // Windows has none of these; there is nothing to drop.
  if (getuid === undefined || getgid === undefined) return { _tag: "Unsupported" }
  if (getuid() !== 0) return { _tag: "AlreadyUnprivileged", uid: getuid(), gid: getgid() }
  if ((env[RUN_AS_ENV] ?? "").trim() === "") return { _tag: "NotRequested" }
  if (setgroups === undefined || setgid === undefined || setuid === undefined) return { _tag: "Unsupported" }
  const target = parseRunAs(env[RUN_AS_ENV])
  const socket = dockerSocketPath(env.DOCKER_HOST)
  const socketGid = socket === null ? null : system.ownerGid(socket)
  // Keeping the socket's group is the point of the drop; when that group is root's own, keeping
  // it would leave the process in group 0, with every file root's group may read or write.
  if (socketGid === 0) throw new PrivilegeDropFailed(rootOwnedSocket(socket ?? DEFAULT_SOCKET))
  try {
    // Order matters: groups and gid can only be changed while still root.
    setgroups(socketGid === null || socketGid === target.gid ? [] : [socketGid])
    setgid(target.gid)
    setuid(target.uid)
  } catch (cause) {
    throw new PrivilegeDropFailed(
      `could not switch to ${target.uid}:${target.gid}: ${cause instanceof Error ? cause.message : String(cause)}` +
        " (with cap_drop: ALL, keep SETUID and SETGID)"
    )
  }
  // Trust but verify: a silent no-op here would leave the service running as root.
  if (getuid() === 0) throw new PrivilegeDropFailed("still running as root after setuid")
  return { _tag: "Dropped", uid: target.uid, gid: target.gid, socketGid }
}

/** A one-line description for the start-up log. */
export const describePrivileges = (outcome: PrivilegeOutcome): string => {
  switch (outcome._tag) {
    case "Dropped":
      return `dropped root to ${outcome.uid}:${outcome.gid}${
        outcome.socketGid === null
          ? " (no Docker socket found)"
          : ` with the Docker socket's group ${outcome.socketGid}`
      }`
    case "AlreadyUnprivileged":
      return `started as ${outcome.uid}:${outcome.gid}`
    case "NotRequested":
      return `running as root: set ${RUN_AS_ENV} to switch to an unprivileged user`
    case "Unsupported":
      return "no uid/gid on this platform"
  }
}
