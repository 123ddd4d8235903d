// The kernel's switches (memory cgroup, PSI) and the board's sensors (thermal zones, rpi_volt)
// on crafted trees (test/doctor/support.ts).
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { checkThermal, checkUnderVoltage } from "../../src/doctor/board.ts"
import { checkCgroupMemory, checkPsi, memoryEnabledIn } from "../../src/doctor/kernel.ts"
import { inputFor, PI_CGROUPS, piTree, remove, write } from "./support.ts"

describe("cgroup-memory", () => {
  it.effect("ok on cgroup v2 with memory among the root's controllers", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const found = yield* checkCgroupMemory(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("cgroup v2")
    })
  )

  it.effect("ok on cgroup v1 from /proc/cgroups alone", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "sys/fs/cgroup")
      const found = yield* checkCgroupMemory(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("cgroup v1")
    })
  )

  it.effect("fails when the kernel command line turned it off, naming cmdline.txt", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      write(dir, "proc/cgroups", PI_CGROUPS.replace("memory\t0\t97\t1", "memory\t0\t97\t0"))
      write(dir, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io pids\n")
      const found = yield* checkCgroupMemory(inputFor(dir))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("memory enabled 0")
      expect(found.fix).toContain("cgroup_enable=memory")
      expect(found.fix).toContain("cmdline.txt")
    })
  )

  it.effect("fails on cgroup v2 whose root lacks the memory controller", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "proc/cgroups")
      write(dir, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io pids\n")
      expect((yield* checkCgroupMemory(inputFor(dir))).status).toBe("fail")
    })
  )

  it.effect("warns when neither source can be read", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "proc/cgroups")
      remove(dir, "sys/fs/cgroup")
      const found = yield* checkCgroupMemory(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("unknown")
    })
  )

  it("reads the enabled column of the memory row only", () => {
    expect(memoryEnabledIn(PI_CGROUPS)).toBe(true)
    expect(memoryEnabledIn(PI_CGROUPS.replace("memory\t0\t97\t1", "memory\t0\t97\t0"))).toBe(false)
    expect(memoryEnabledIn("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t1\t1\n")).toBeUndefined()
  })
})

describe("psi", () => {
  it.effect("ok with HOST_PROC/pressure/cpu", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const found = yield* checkPsi(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("some avg10=")
    })
  )

  it.effect("warns without it, with psi=1 as the fix (nothing reported needs it yet)", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "proc/pressure")
      const found = yield* checkPsi(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.fix).toContain("psi=1")
    })
  )
})

describe("thermal", () => {
  it.effect("ok with the CPU zone's reading", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const found = yield* checkThermal(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("47.236 °C")
      expect(found.finding).toContain("cpu-thermal")
    })
  )

  it.effect("warns with zones but none of the CPU's", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      write(dir, "sys/class/thermal/thermal_zone0/type", "acpitz\n")
      const found = yield* checkThermal(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("thermal_zone0 acpitz")
    })
  )

  it.effect("warns without any zone on a board that is not a Pi (a VM)", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "sys/class/thermal")
      remove(dir, "sys/firmware")
      const found = yield* checkThermal(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("no thermal zone")
    })
  )

  it.effect("fails without any zone on a Raspberry Pi, where HOST_SYS must be wrong", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "sys/class/thermal")
      const found = yield* checkThermal(inputFor(dir))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("Raspberry Pi 4 Model B Rev 1.4")
      expect(found.fix).toContain("/sys:/host/sys:ro")
    })
  )
})

describe("under-voltage", () => {
  it.effect("ok on a Pi with the rpi_volt hwmon and no alarm", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const found = yield* checkUnderVoltage(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("in0_lcrit_alarm")
    })
  )

  it.effect("ok on a board that is not a Pi: nothing to read", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      write(dir, "sys/firmware/devicetree/base/model", "Pine64 RockPro64 v2.1\0")
      remove(dir, "sys/class/hwmon")
      const found = yield* checkUnderVoltage(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("not a Raspberry Pi (Pine64 RockPro64 v2.1)")
    })
  )

  it.effect("warns on a Pi without the rpi_volt hwmon", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      write(dir, "sys/class/hwmon/hwmon0/name", "cpu_thermal\n")
      const found = yield* checkUnderVoltage(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("without the rpi_volt hwmon")
      expect(found.fix).toContain("raspberrypi_hwmon")
    })
  )

  it.effect("warns while the alarm is raised", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      write(dir, "sys/class/hwmon/hwmon0/in0_lcrit_alarm", "1\n")
      const found = yield* checkUnderVoltage(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.fix).toContain("power supply")
    })
  )
})
