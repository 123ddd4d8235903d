import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { parseCpufreq } from "../parsers/cpufreq.ts"
import { parseDeviceTreeModel } from "../parsers/deviceTreeModel.ts"
import { parseHwmonAlarm, parseHwmonName } from "../parsers/hwmonAlarm.ts"
import { readDirOptional, readOptional } from "../reader.ts"
import { type HostPaths, readFirstParsed, readParsedOptional, type SourceError, under } from "../source.ts"

// The Raspberry Pi firmware driver registers its under-voltage sensor as this hwmon device.
const RPI_VOLT = "rpi_volt"

// HOST_PROC/device-tree is an absolute link to /sys/firmware/devicetree/base, which inside a
// container resolves in the container's /sys: the HOST_SYS path is tried first for that reason.
const modelFiles = (paths: HostPaths) => [
  under(paths.sys, "firmware/devicetree/base/model"),
  under(paths.proc, "device-tree/model")
]

// cpu0/cpufreq is a link to cpufreq/policyN. scaling_cur_freq is what the governor set;
// cpuinfo_cur_freq (root-only on some kernels) is the hardware's own reading.
const frequencyFiles = (paths: HostPaths) => [
  under(paths.sys, "devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"),
  under(paths.sys, "devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq")
]

/** The device-tree model: part of the firmware's tree, fixed until the next boot. */
export const readModel = (paths: HostPaths): Effect.Effect<string | undefined, SourceError> =>
  readFirstParsed(modelFiles(paths), parseDeviceTreeModel)

/** The alarm file of the rpi_volt hwmon, or undefined without one. hwmonN numbers follow probe order. */
export const findUnderVoltageAlarm = (paths: HostPaths): Effect.Effect<string | undefined, SourceError> =>
  Effect.gen(function* () {
    const dir = under(paths.sys, "class/hwmon")
    for (const entry of yield* readDirOptional(dir)) {
      const name = yield* readOptional(under(dir, entry, "name"))
      if (name !== undefined && parseHwmonName(name) === RPI_VOLT) return under(dir, entry, "in0_lcrit_alarm")
    }
    return undefined
  })

const readUnderVoltage = (alarm: Effect.Effect<string | undefined, SourceError>) =>
  Effect.flatMap(alarm, (file) =>
    file === undefined ? Effect.succeed(undefined) : readParsedOptional(file, parseHwmonAlarm)
  )

/**
 * Each extra on its own: a Pi without the hwmon still reports its model and frequency. The model
 * and the alarm's location come from the caller, which may keep them; the figures are read now.
 */
export const readBoardWith = (
  paths: HostPaths,
  model: Effect.Effect<string | undefined, SourceError>,
  alarm: Effect.Effect<string | undefined, SourceError>
): Effect.Effect<HostStats["board"]> =>
  Effect.all(
    [
      Effect.result(model),
      Effect.result(readFirstParsed(frequencyFiles(paths), parseCpufreq)),
      Effect.result(readUnderVoltage(alarm))
    ],
    { concurrency: "unbounded" }
  ).pipe(
    Effect.map(([model, frequency, underVoltage]) => ({
      model: model._tag === "Success" ? (model.success ?? null) : null,
      cpuFrequencyMhz: frequency._tag === "Success" ? (frequency.success ?? null) : null,
      underVoltage: underVoltage._tag === "Success" ? (underVoltage.success ?? null) : null,
      errors: [model, frequency, underVoltage].flatMap((r) => (r._tag === "Failure" ? [r.failure.message] : []))
    }))
  )

/** Every source read now. */
export const readBoard = (paths: HostPaths): Effect.Effect<HostStats["board"]> =>
  readBoardWith(paths, readModel(paths), findUnderVoltageAlarm(paths))
