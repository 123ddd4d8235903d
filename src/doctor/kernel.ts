// What the kernel was booted with: the memory cgroup controller (container memory figures and
// compose's memory limit) and pressure stall information. Raspberry Pi kernels ship both off or
// optional, switched on from the kernel command line.

import { Effect } from "effect"
import { under } from "../kernel/fs.ts"
import { fields, scanLines, singleLine } from "../kernel/parse.ts"
import { readKernelOptional } from "../kernel/read.ts"
import { CMDLINE, type DoctorInput, fail, ok, warn } from "./Check.ts"

/** /proc/cgroups: `#subsys_name hierarchy num_cgroups enabled`, one controller a line. */
export const memoryEnabledIn = (text: string): boolean | undefined =>
  scanLines(text, (line) => {
    const f = fields(line)
    return f[0] === "memory" && f.length >= 4 ? f[3] === "1" : undefined
  })

const MEMORY_FIX = `append \`cgroup_enable=memory cgroup_memory=1\` to the single line of ${CMDLINE} and reboot; elsewhere, remove \`cgroup_disable=memory\` from the kernel command line`

/**
 * The memory controller, from both places the kernel states it: HOST_PROC/cgroups (v1 and v2;
 * `enabled` is 0 when the command line disabled it) and HOST_SYS/fs/cgroup/cgroup.controllers
 * (the v2 root's controllers). Neither readable is unknown (warn).
 */
export const checkCgroupMemory = Effect.fn("doctor.cgroupMemory")(function* (input: DoctorInput) {
  const cgroupsFile = under(input.paths.proc, "cgroups")
  const controllersFile = under(input.paths.sys, "fs/cgroup/cgroup.controllers")
  const cgroups = yield* readKernelOptional(cgroupsFile)
  const controllers = yield* readKernelOptional(controllersFile)
  const enabled = cgroups === undefined ? undefined : memoryEnabledIn(cgroups)
  if (enabled === false) {
    return fail(
      `the kernel's memory cgroup controller is off (${cgroupsFile}: memory enabled 0): no container memory figures, and compose's memory limit is not enforced`,
      MEMORY_FIX
    )
  }
  if (controllers !== undefined) {
    return fields(singleLine(controllers)).includes("memory")
      ? ok(`the memory controller is on (cgroup v2: ${controllersFile})`)
      : fail(`cgroup v2 without the memory controller (${controllersFile} lacks memory)`, MEMORY_FIX)
  }
  if (enabled === true) return ok(`the memory controller is on (cgroup v1: ${cgroupsFile})`)
  return warn(
    `unknown: neither ${cgroupsFile} nor ${controllersFile} says whether the memory controller is on`,
    `check HOST_PROC and HOST_SYS (the host-proc and host-sys checks), then \`grep -w memory /proc/cgroups\` on the host: the last column must be 1`
  )
})

/**
 * Pressure stall information: HOST_PROC/pressure/ exists only when the kernel runs with PSI on.
 * Raspberry Pi kernels are built with it off unless `psi=1` is given; some kernels keep the files
 * and answer EOPNOTSUPP. Nothing the service reports needs it yet, so it is a warning.
 */
export const checkPsi = Effect.fn("doctor.psi")(function* (input: DoctorInput) {
  const file = under(input.paths.proc, "pressure/cpu")
  const fix = `append \`psi=1\` to the single line of ${CMDLINE} and reboot; elsewhere, add it to the kernel command line`
  const text = yield* readKernelOptional(file).pipe(
    Effect.catchIf(
      (e) => e.code === "EOPNOTSUPP",
      () => Effect.succeed(undefined)
    )
  )
  if (text === undefined) {
    return warn(`${file} is missing or refused: the kernel runs without pressure stall information (PSI)`, fix)
  }
  return ok(`PSI is on (${file}: ${singleLine(text)})`)
})
