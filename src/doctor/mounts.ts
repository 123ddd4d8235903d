// Are HOST_PROC, HOST_SYS and HOST_ROOT the host's trees, or this container's own? A wrong one
// does not fail loudly: the figures come out, but they are the container's (its two processes,
// its network, its hostname), or a group silently goes missing (temperatures).

import { Effect, Result } from "effect"
import { under } from "../kernel/fs.ts"
import { parseHostname } from "../kernel/hostname.ts"
import { parseNetDev } from "../kernel/netDev.ts"
import { readDirOptional, readKernelOptional, readOptional } from "../kernel/read.ts"
import { type DoctorInput, fail, MOUNT_FIX, ok, warn } from "./Check.ts"
import { readLinkOptional, statOptional } from "./files.ts"

// The comm of PID 1 on a host: systemd, or "init" (sysvinit, busybox, WSL), or OpenRC's, runit's,
// OpenWrt's. In a container, PID 1 is the service itself (node: its comm reads MainThread), or
// docker-init, tini, dumb-init.
const HOST_INITS = new Set(["systemd", "init", "openrc-init", "runit", "procd"])

/** PID 1's comm and whether HOST_PROC names this process by its own pid (its own pid namespace). */
const readProc = Effect.fn("doctor.readProc")(function* (input: DoctorInput) {
  const comm = yield* readKernelOptional(under(input.paths.proc, "1/comm"))
  const selfLink = yield* readLinkOptional(under(input.paths.proc, "self"))
  return { init: comm?.trim(), ownNamespace: selfLink === String(input.self.pid) }
})

/**
 * HOST_PROC is the host's when its PID 1 is the host's init. The heuristic, in order:
 * - no `1/comm`: not a procfs at all (fail);
 * - PID 1's comm is a host init (systemd, init...): the host's (ok), also with `pid: host`;
 * - otherwise, where `HOST_PROC/self` names this process by the pid it has in its own namespace,
 *   HOST_PROC is a procfs of this process's own pid namespace. Inside a container (/.dockerenv)
 *   that is the container's /proc, whose PID 1 is node or docker-init (fail). A host procfs
 *   mounted into a container names this process by its host pid instead, never its container pid.
 * - anything else (an unusual init, or no container marker) cannot be told apart (warn).
 */
export const checkHostProc = Effect.fn("doctor.hostProc")(function* (input: DoctorInput) {
  const { proc } = input.paths
  const { init, ownNamespace } = yield* readProc(input)
  if (init === undefined) {
    return fail(`HOST_PROC (${proc}) has no 1/comm: it is not a /proc`, MOUNT_FIX.proc)
  }
  if (HOST_INITS.has(init)) return ok(`PID 1 of ${proc} is ${init}, the host's init`)
  if (ownNamespace && input.self.inContainer) {
    return fail(
      `HOST_PROC (${proc}) is this container's own /proc: its PID 1 is ${init}, not the host's init; processes, network counters and PSI are the container's`,
      MOUNT_FIX.proc
    )
  }
  return warn(
    `PID 1 of ${proc} is ${init}, not a usual host init (${[...HOST_INITS].join(", ")}): HOST_PROC may not be the host's /proc`,
    `if this runs in a container, ${MOUNT_FIX.proc}; on a host whose init is ${init}, nothing to do`
  )
})

// veth pairs come and go with containers: one may appear between the two listings.
const isTransient = (name: string) => name.startsWith("veth")

/**
 * HOST_SYS must be a sysfs (class/ and devices/). Docker mounts a container's own /sys tagged
 * with the container's network namespace: its class/net lists the container's interfaces, while
 * HOST_PROC/1/net/dev (the host init's namespace) lists the host's. Host interfaces missing from
 * HOST_SYS/class/net mean HOST_SYS is another namespace's sysfs: the container's own (warn: the
 * temperatures are still right, the cgroup figures of containers are not found there). The
 * comparison needs HOST_PROC to be the host's: inside a container whose HOST_PROC is its own
 * (see checkHostProc), both trees show the container and agree, so nothing can be told (warn).
 */
export const checkHostSys = Effect.fn("doctor.hostSys")(function* (input: DoctorInput) {
  const { sys, proc } = input.paths
  const top = yield* statOptional(sys)
  if (top === undefined) {
    return fail(
      `HOST_SYS (${sys}) does not exist: temperatures, the board and container figures from cgroupfs are missing`,
      MOUNT_FIX.sys
    )
  }
  const entries = yield* readDirOptional(sys)
  if (!entries.includes("class") || !entries.includes("devices")) {
    return fail(`HOST_SYS (${sys}) has no class/ or devices/: it is not a /sys`, MOUNT_FIX.sys)
  }
  const procView = yield* Effect.result(readProc(input))
  if (
    input.self.inContainer &&
    Result.isSuccess(procView) &&
    procView.success.ownNamespace &&
    !HOST_INITS.has(procView.success.init ?? "")
  ) {
    return warn(
      `${sys} is a sysfs, but whether it is the host's cannot be told while HOST_PROC (${proc}) is this container's own /proc`,
      `fix host-proc first; then, if this still warns, ${MOUNT_FIX.sys}`
    )
  }
  const sysNet = yield* readDirOptional(under(sys, "class/net"))
  const netDev = yield* Effect.result(readKernelOptional(under(proc, "1/net/dev")))
  const parsed = Result.isSuccess(netDev) && netDev.success !== undefined ? parseNetDev(netDev.success, "") : undefined
  if (parsed === undefined || Result.isFailure(parsed)) {
    return ok(`${sys} is a sysfs (its network namespace was not compared: ${proc}/1/net/dev is not readable)`)
  }
  const missing = parsed.success.map((i) => i.name).filter((n) => !sysNet.includes(n) && !isTransient(n))
  if (missing.length > 0) {
    return warn(
      `${sys} lists the network interfaces ${sysNet.join(", ") || "(none)"}, but the host also has ${missing.join(", ")}: it is another network namespace's /sys, this container's own; cgroupfs figures of containers are not found there`,
      MOUNT_FIX.sys
    )
  }
  return ok(`${sys} is the host's sysfs (its network interfaces are the host's)`)
})

/**
 * HOST_ROOT gives the hostname (etc/hostname) and the root disk. Docker writes the container's
 * id into the container's own /etc/hostname and makes it the kernel hostname too: inside a
 * container, a HOST_ROOT whose hostname is this process's own is the container's root (fail).
 * A compose `hostname:` equal to the host's own name would hide it, and is not told apart.
 */
export const checkHostRoot = Effect.fn("doctor.hostRoot")(function* (input: DoctorInput) {
  const { root } = input.paths
  const top = yield* statOptional(root)
  if (top === undefined) {
    return fail(
      `HOST_ROOT (${root}) does not exist: the hostname is the container's id and the root disk is the container's`,
      MOUNT_FIX.root
    )
  }
  if ((yield* statOptional(under(root, "etc"))) === undefined) {
    return fail(`HOST_ROOT (${root}) has no etc/: it is not a root filesystem`, MOUNT_FIX.root)
  }
  const file = under(root, "etc/hostname")
  const text = yield* readOptional(file)
  if (text === undefined) {
    return warn(
      `${file} does not exist: the hostname shown is this process's own, ${input.self.hostname}`,
      `if this runs in a container, ${MOUNT_FIX.root}; a host without /etc/hostname needs nothing`
    )
  }
  const hostname = parseHostname(text, file)
  if (Result.isFailure(hostname)) {
    return warn(
      `${hostname.failure.message}: the hostname shown is this process's own, ${input.self.hostname}`,
      `write the host's name on the first line of /etc/hostname (sudo hostnamectl set-hostname <name>)`
    )
  }
  if (input.self.inContainer && hostname.success === input.self.hostname) {
    return fail(
      `HOST_ROOT (${root}) is this container's own root: its hostname is ${hostname.success}, the container's; the root disk figures are the container's too`,
      MOUNT_FIX.root
    )
  }
  return ok(`the host is ${hostname.success} (${file})`)
})
