import type { Effect } from "effect"
import { Result } from "effect"
import { type KernelFs, procPath, sysPath } from "./fs.ts"
import { type Parsed, parseFail, trimNul } from "./parse.ts"
import { LIMIT } from "./read.ts"
import { readFirstParsed, type SourceError } from "./source.ts"

/** device-tree/model: a NUL-terminated string such as "Raspberry Pi 4 Model B Rev 1.4". */
export const parseDeviceTreeModel = (text: string, file: string): Parsed<string> => {
  const model = trimNul(text).trim()
  if (model === "") return parseFail(file, 1, "empty model")
  if (model.includes("\0") || model.includes("\n")) return parseFail(file, 1, "more than one string")
  return Result.succeed(model)
}

// HOST_PROC/device-tree is an absolute link to /sys/firmware/devicetree/base, which inside a
// container resolves in the container's /sys: the HOST_SYS path is tried first for that reason.
/** The device-tree model: part of the firmware's tree, fixed until the next boot. */
export const readModel = (fs: KernelFs): Effect.Effect<string | undefined, SourceError> =>
  readFirstParsed(
    [sysPath(fs, "firmware/devicetree/base/model"), procPath(fs, "device-tree/model")],
    parseDeviceTreeModel,
    LIMIT.value
  )
