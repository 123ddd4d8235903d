// The directory the service keeps its data in (SYSTEM_PROFILER_DATA_DIR): it must be a directory
// this process can write, or one it can create. In the image, compose's `read_only: true` makes
// everything but a mounted volume read-only, which is the usual way this goes wrong.

import * as path from "node:path"
import { Effect } from "effect"
import { type DoctorInput, fail, ok, warn } from "./Check.ts"
import { statOptional, writable } from "./files.ts"

export const DATA_DIR_ENV = "SYSTEM_PROFILER_DATA_DIR"

/** SYSTEM_PROFILER_DATA_DIR, else /data in a container (the image's volume) and ./data elsewhere. */
export const dataDirFrom = (raw: string | undefined, inContainer: boolean, cwd: string): string => {
  const set = raw?.trim() ?? ""
  return path.resolve(cwd, set !== "" ? set : inContainer ? "/data" : "data")
}

const why = (code: string) =>
  code === "EROFS"
    ? "a read-only filesystem (compose's `read_only: true`)"
    : code === "EACCES" || code === "EPERM"
      ? "permission denied"
      : code

const volumeFix = (dir: string) =>
  `mount a volume or a host directory writable by the service's user (1000:1000 in the image) at ${dir}, e.g. \`- system-profiler-data:${dir}\` under the service's volumes, or set ${DATA_DIR_ENV} to a writable directory`

/**
 * An existing directory is checked with access(2) for this process's uid and groups; a missing
 * one by its nearest existing parent, where it would be created. Inside a container, a
 * directory on the container's own root filesystem (same st_dev as `/`) is writable only until
 * the container is recreated, and then its data is gone (warn).
 */
export const checkDataDir = Effect.fn("doctor.dataDir")(function* (input: DoctorInput) {
  const dir = input.dataDir
  const onContainerLayer = (dev: number) => input.self.inContainer && dev === input.self.rootDevice
  const ephemeral = (what: string) =>
    warn(
      `${what}, but on the container's own filesystem: what is stored there is lost when the container is recreated`,
      volumeFix(dir)
    )
  const st = yield* statOptional(dir)
  if (st !== undefined) {
    if (!st.isDirectory()) {
      return fail(
        `${dir} (${DATA_DIR_ENV}) is a file, not a directory`,
        `remove it, or set ${DATA_DIR_ENV} to a directory`
      )
    }
    const access = yield* writable(dir)
    if (!access.ok) return fail(`${dir} is not writable by this process: ${why(access.code)}`, volumeFix(dir))
    return onContainerLayer(st.dev) ? ephemeral(`${dir} is writable`) : ok(`${dir} is writable`)
  }
  // The nearest existing ancestor: where mkdir -p would start.
  let parent = path.dirname(dir)
  let parentStat = yield* statOptional(parent)
  while (parentStat === undefined && parent !== path.dirname(parent)) {
    parent = path.dirname(parent)
    parentStat = yield* statOptional(parent)
  }
  if (parentStat === undefined || !parentStat.isDirectory()) {
    return fail(`${dir} cannot be created: ${parent} is not a directory`, `set ${DATA_DIR_ENV} to a directory path`)
  }
  const access = yield* writable(parent)
  if (!access.ok) {
    return fail(`${dir} does not exist and cannot be created in ${parent}: ${why(access.code)}`, volumeFix(dir))
  }
  const creatable = `${dir} does not exist yet and can be created in ${parent}`
  return onContainerLayer(parentStat.dev) ? ephemeral(creatable) : ok(creatable)
})
