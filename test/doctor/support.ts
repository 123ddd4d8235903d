// Crafted host trees for the doctor's checks: a temporary directory holding proc/, sys/ and root/
// as a Raspberry Pi's host trees look from the profiler's container, which each test then breaks
// in one way. Where the shapes come from:
// - proc/1/net/dev is the live-vm fixture (test/fixtures/procfs/live-vm, captured on the build
//   VM) with a Pi's wlan0 and Docker's docker0 and a veth added;
// - proc/cgroups, proc/pressure/cpu, sys/fs/cgroup/cgroup.controllers, thermal_zone0,
//   the device-tree model and the rpi_volt hwmon follow Raspberry Pi OS Bookworm on a Pi 4
//   (kernel 6.6), in the formats of Documentation/admin-guide (cgroup-v2, psi) and sysfs-class-hwmon;
// - the container view (pid 1, hostname a 12-hex id, /.dockerenv) and "HOST_PROC/self names the
//   host pid" were checked with a busybox container on the build VM (`readlink /host/proc/self`
//   gave 27221 while the shell was pid 1; `/sys/class/net` inside listed only lo).

import * as fs from "node:fs"
import * as path from "node:path"
import { Duration, Effect } from "effect"
import type { DoctorInput, ProcessView } from "../../src/doctor/Check.ts"
import { LIVE_VM, tempTree, write } from "../kernel/support.ts"

export { tempTree, write } from "../kernel/support.ts"

export const HOST_PID_OF_SELF = "27221"
export const CONTAINER_ID = "151573d57e8c"

/** This process inside the profiler's container: PID 1 of its namespace, named by its id. */
export const inContainer: ProcessView = {
  pid: 1,
  hostname: CONTAINER_ID,
  inContainer: true,
  rootDevice: -1,
  user: null
}

/** This process on the host itself, no container. */
export const onHost: ProcessView = { pid: 4242, hostname: "pi", inContainer: false, rootDevice: -1, user: null }

const netDev = () =>
  `${fs.readFileSync(path.join(LIVE_VM, "proc/net/dev"), "utf8")}` +
  "  wlan0: 81234567   60123    0    0    0     0          0         0  9876543   40111    0    0    0     0       0          0\n" +
  "docker0:  123456     789    0    0    0     0          0         0   654321     987    0    0    0     0       0          0\n" +
  "veth1a2b3c4:   2048      16    0    0    0     0          0         0     4096      32    0    0    0     0       0          0\n"

export const PI_CGROUPS = `#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t0\t97\t1
cpu\t0\t97\t1
cpuacct\t0\t97\t1
blkio\t0\t97\t1
memory\t0\t97\t1
devices\t0\t97\t1
freezer\t0\t97\t1
net_cls\t0\t97\t1
perf_event\t0\t97\t1
net_prio\t0\t97\t1
pids\t0\t97\t1
`

/** A healthy Raspberry Pi's trees under dir: every check is ok on them. */
export const writePiHost = (dir: string) => {
  write(dir, "proc/1/comm", "systemd\n")
  fs.symlinkSync(HOST_PID_OF_SELF, path.join(dir, "proc/self"))
  write(dir, "proc/1/net/dev", netDev())
  write(dir, "proc/cgroups", PI_CGROUPS)
  write(dir, "proc/pressure/cpu", fs.readFileSync(path.join(LIVE_VM, "proc/pressure/cpu"), "utf8"))
  for (const name of ["lo", "eth0", "ifb0", "ifb1", "wlan0", "docker0"]) {
    fs.mkdirSync(path.join(dir, "sys/class/net", name), { recursive: true })
  }
  fs.mkdirSync(path.join(dir, "sys/devices/system/cpu"), { recursive: true })
  write(dir, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")
  write(dir, "sys/class/thermal/thermal_zone0/type", "cpu-thermal\n")
  write(dir, "sys/class/thermal/thermal_zone0/temp", "47236\n")
  write(dir, "sys/firmware/devicetree/base/model", "Raspberry Pi 4 Model B Rev 1.4\0")
  write(dir, "sys/class/hwmon/hwmon0/name", "rpi_volt\n")
  write(dir, "sys/class/hwmon/hwmon0/in0_lcrit_alarm", "0\n")
  write(dir, "root/etc/hostname", "pi\n")
  write(dir, "root/run/systemd/timesync/synchronized", "")
}

/** A temporary directory holding writePiHost's trees, removed with the test's scope. */
export const piTree = Effect.tap(tempTree(), (dir) => Effect.sync(() => writePiHost(dir)))

export const remove = (dir: string, file: string) => fs.rmSync(path.join(dir, file), { recursive: true, force: true })

/** The doctor's input over the trees in dir, as seen by `self`. */
export const inputFor = (
  dir: string,
  self: ProcessView = inContainer,
  over: Partial<DoctorInput> = {}
): DoctorInput => ({
  paths: { proc: path.join(dir, "proc"), sys: path.join(dir, "sys"), root: path.join(dir, "root") },
  self,
  docker: { _tag: "unix", socketPath: path.join(dir, "docker.sock") },
  dockerTimeout: Duration.seconds(2),
  dataDir: path.join(dir, "data"),
  port: 8787,
  ...over
})
