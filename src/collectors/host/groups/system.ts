import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { parseHostname } from "../parsers/hostname.ts"
import { parseKernelRelease } from "../parsers/kernelRelease.ts"
import { parseOsRelease } from "../parsers/osRelease.ts"
import { parseUptime } from "../parsers/uptime.ts"
import {
  type HostPaths,
  readFirstParsed,
  readKernelParsed,
  readKernelParsedOptional,
  type SourceError,
  under
} from "../source.ts"

/**
 * A host path that may be a symlink, resolved inside HOST_ROOT: /etc/os-release is often a
 * link, and an absolute target would otherwise be looked up in this container's own tree.
 */
const resolveInRoot = (root: string, hostPath: string): Effect.Effect<string> =>
  Effect.tryPromise(() => fs.readlink(under(root, hostPath))).pipe(
    Effect.map((target) =>
      path.isAbsolute(target) ? under(root, target) : under(root, path.dirname(hostPath), target)
    ),
    Effect.orElseSucceed(() => under(root, hostPath))
  )

// Fixed for the life of the process; os.machine() makes a uname call every time it is asked.
const PLATFORM = os.platform()
const ARCH = os.machine()

export interface Fallback<A> {
  readonly value: A
  readonly error: string | null
}

// A figure from a file, or, when the file fails, the same figure from the running kernel: the
// kernel, its uptime and its machine name are the host's also inside a container.
const orKernel = <A>(read: Effect.Effect<A | undefined, SourceError>, kernel: () => A, note: string) =>
  read.pipe(
    Effect.map((value): Fallback<A> => ({ value: value ?? kernel(), error: null })),
    Effect.catch((e) => Effect.succeed<Fallback<A>>({ value: kernel(), error: `${e.message}; ${note}` }))
  )

/** What rarely changes: the hostname (hostnamectl) and os-release (an upgrade). */
export interface SystemIdentity {
  readonly hostname: Fallback<string>
  readonly osName: Fallback<string | null>
}

export const readIdentity = (paths: HostPaths): Effect.Effect<SystemIdentity> =>
  Effect.gen(function* () {
    const osReleaseFiles = yield* Effect.all([
      resolveInRoot(paths.root, "/etc/os-release"),
      resolveInRoot(paths.root, "/usr/lib/os-release")
    ])
    const [hostname, osName] = yield* Effect.all(
      [
        // Inside a container the kernel's hostname is the container's id: /etc/hostname of the
        // host comes first, the kernel's only when the host has no such file.
        orKernel(
          readFirstParsed([under(paths.root, "etc/hostname"), under(paths.proc, "sys/kernel/hostname")], parseHostname),
          () => os.hostname(),
          "hostname from this process's kernel namespace"
        ),
        readFirstParsed(osReleaseFiles, parseOsRelease).pipe(
          Effect.map((value): Fallback<string | null> => ({ value: value ?? null, error: null })),
          Effect.catch((e) => Effect.succeed<Fallback<string | null>>({ value: null, error: e.message }))
        )
      ],
      { concurrency: "unbounded" }
    )
    return { hostname, osName }
  })

/** The running kernel's release: the same until the host reboots, which restarts this process too. */
export const readKernel = (paths: HostPaths): Effect.Effect<Fallback<string>> =>
  orKernel(
    readKernelParsedOptional(under(paths.proc, "sys/kernel/osrelease"), parseKernelRelease),
    () => os.release(),
    "kernel from uname"
  )

/** The system group from its slow parts (cached by the sampler) and the uptime, read every time. */
export const readSystemWith = (
  paths: HostPaths,
  identity: Effect.Effect<SystemIdentity>,
  kernelRelease: Effect.Effect<Fallback<string>>
): Effect.Effect<HostStats["system"]> =>
  Effect.gen(function* () {
    const { hostname, osName } = yield* identity
    const kernel = yield* kernelRelease
    const uptime = yield* orKernel(
      readKernelParsed(under(paths.proc, "uptime"), parseUptime),
      () => os.uptime(),
      "uptime from sysinfo"
    )
    return {
      hostname: hostname.value,
      osName: osName.value,
      platform: PLATFORM,
      arch: ARCH,
      uptimeSeconds: uptime.value,
      kernelVersion: kernel.value,
      errors: [hostname, osName, kernel, uptime].flatMap((f) => (f.error === null ? [] : [f.error]))
    }
  })
