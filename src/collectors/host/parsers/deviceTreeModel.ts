import { Result } from "effect"
import { type Parsed, parseFail, trimNul } from "./text.ts"

/** device-tree/model: a NUL-terminated string such as "Raspberry Pi 4 Model B Rev 1.4". */
export const parseDeviceTreeModel = (text: string, file: string): Parsed<string> => {
  const model = trimNul(text).trim()
  if (model === "") return parseFail(file, 1, "empty model")
  if (model.includes("\0") || model.includes("\n")) return parseFail(file, 1, "more than one string")
  return Result.succeed(model)
}
