// The board's sensors: a CPU thermal zone, and on a Raspberry Pi the firmware's under-voltage
// alarm. Both live under HOST_SYS, so a wrong HOST_SYS shows up here as a sensor gone missing.

import { Effect } from "effect"
import { readZones } from "../collectors/host/collector.ts"
import { readModel } from "../kernel/deviceTreeModel.ts"
import type { KernelFs } from "../kernel/fs.ts"
import { under } from "../kernel/fs.ts"
import { findUnderVoltageAlarm, parseHwmonAlarm } from "../kernel/hwmonAlarm.ts"
import { readParsedOptional } from "../kernel/source.ts"
import { cpuZoneIndex, listThermalZones } from "../kernel/thermal.ts"

/** Every thermal zone read now, and the errors of those that could not be read. */
const readTemperature = (fs: KernelFs) =>
  Effect.map(Effect.flatMap(listThermalZones(fs), readZones), (zones) => {
    const errors = zones.flatMap((z) => (z.error === null ? [] : [z.error]))
    return { zones, error: errors.length > 0 ? errors.join("; ") : null }
  })

import { type DoctorInput, fail, MOUNT_FIX, ok, warn } from "./Check.ts"

const isRaspberryPi = (model: string | undefined): model is string => model?.startsWith("Raspberry Pi") === true

// A board whose model cannot be read is treated as not a Pi: the model is informative only.
const modelOf = (input: DoctorInput) => readModel(input.paths).pipe(Effect.orElseSucceed(() => undefined))

/**
 * A CPU zone under HOST_SYS/class/thermal with a reading (ok). Zones without a CPU one, or none
 * at all, are normal on a VM or some boards (warn); none on a Raspberry Pi, which always has
 * cpu-thermal, means HOST_SYS is not the host's /sys (fail).
 */
export const checkThermal = Effect.fn("doctor.thermal")(function* (input: DoctorInput) {
  const dir = under(input.paths.sys, "class/thermal")
  const temperature = yield* readTemperature(input.paths)
  const cpu = temperature.zones[cpuZoneIndex(temperature.zones.map((z) => z.type))]
  if (cpu !== undefined && cpu.celsius !== null) {
    return ok(`CPU temperature ${cpu.celsius} °C from ${dir}/${cpu.zone} (${cpu.type})`)
  }
  if (temperature.zones.length > 0) {
    const types = temperature.zones.map((z) => `${z.zone} ${z.type ?? "(no type)"}`).join(", ")
    return warn(
      `no CPU temperature: ${dir} has ${types}${temperature.error === null ? "" : `; ${temperature.error}`}`,
      "nothing to do when this board has no CPU sensor; otherwise load its thermal driver"
    )
  }
  const model = yield* modelOf(input)
  if (isRaspberryPi(model)) {
    return fail(
      `no thermal zone under ${dir} on a ${model}: HOST_SYS is not the host's /sys, and the temperature is missing`,
      MOUNT_FIX.sys
    )
  }
  return warn(
    `no thermal zone under ${dir}: the temperature is missing (normal in a virtual machine)`,
    `in a container, ${MOUNT_FIX.sys}; a machine without sensors needs nothing`
  )
})

/**
 * On a Raspberry Pi (device-tree model), the rpi_volt hwmon from the firmware driver is where
 * the under-voltage alarm is read: absent, the alarm is never reported (warn). A raised alarm is
 * a warning too: the board throttles and may corrupt its SD card. Other boards need nothing (ok).
 */
export const checkUnderVoltage = Effect.fn("doctor.underVoltage")(function* (input: DoctorInput) {
  const model = yield* modelOf(input)
  if (!isRaspberryPi(model)) {
    return ok(
      `not a Raspberry Pi (${model === undefined ? "no device-tree model" : model}): no under-voltage sensor to read`
    )
  }
  const alarm = yield* findUnderVoltageAlarm(input.paths)
  if (alarm === undefined) {
    return warn(
      `a ${model} without the rpi_volt hwmon under ${under(input.paths.sys, "class/hwmon")}: under-voltage is never reported`,
      `load the firmware's hwmon driver (\`sudo modprobe raspberrypi_hwmon\`, in the Raspberry Pi OS kernel), and check that HOST_SYS is the host's /sys`
    )
  }
  const raised = yield* readParsedOptional(alarm, parseHwmonAlarm)
  if (raised === true) {
    return warn(
      `under-voltage now on the ${model} (${alarm} is 1): the board throttles its CPU`,
      "use a power supply that holds 5.1 V under load (the official one for this model) and a short, thick cable"
    )
  }
  return ok(`the ${model}'s under-voltage alarm is read from ${alarm} (no under-voltage now)`)
})
