// HOST_PROC, HOST_SYS and HOST_ROOT on crafted trees (test/doctor/support.ts): the host's, the
// container's own, and not mounted at all.
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { checkHostProc, checkHostRoot, checkHostSys } from "../../src/doctor/mounts.ts"
import { CONTAINER_ID, inContainer, inputFor, onHost, piTree, remove, tempTree, write } from "./support.ts"

/** Turns proc/ into what a container's own /proc looks like from inside it. */
const asContainerProc = (dir: string, init: string) => {
  write(dir, "proc/1/comm", `${init}\n`)
  remove(dir, "proc/self")
  fs.symlinkSync(String(inContainer.pid), path.join(dir, "proc/self"))
}

describe("host-proc", () => {
  it.effect("ok when PID 1 is the host's init", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const found = yield* checkHostProc(inputFor(dir))
      expect(found).toMatchObject({ status: "ok", fix: null })
      expect(found.finding).toContain("systemd")
    })
  )

  it.effect("fails on the container's own /proc: PID 1 is node and self names this process's own pid", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      asContainerProc(dir, "node")
      const found = yield* checkHostProc(inputFor(dir))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("this container's own /proc")
      expect(found.finding).toContain("node")
      expect(found.fix).toContain("/proc:/host/proc:ro")
    })
  )

  it.effect("warns when PID 1 is no usual init and the tree is another namespace's", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      // The build VM's own PID 1, seen through a host /proc mounted in a container.
      write(dir, "proc/1/comm", "process_api\n")
      const found = yield* checkHostProc(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("process_api")
    })
  )

  it.effect("warns, not fails, on the same tree outside a container", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      asContainerProc(dir, "node")
      const found = yield* checkHostProc(inputFor(dir, { ...onHost, pid: inContainer.pid }))
      expect(found.status).toBe("warn")
    })
  )

  it.effect("fails when HOST_PROC is not a /proc", () =>
    Effect.gen(function* () {
      const dir = yield* tempTree()
      const found = yield* checkHostProc(inputFor(dir))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("not a /proc")
    })
  )
})

describe("host-sys", () => {
  it.effect("ok when its interfaces are those of the host's init (a veth that came and went aside)", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const found = yield* checkHostSys(inputFor(dir))
      expect(found.status).toBe("ok")
    })
  )

  it.effect("warns on a container's own /sys, which lists only the container's interfaces", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      for (const name of ["eth0", "ifb0", "ifb1", "wlan0", "docker0"]) remove(dir, `sys/class/net/${name}`)
      const found = yield* checkHostSys(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("wlan0")
      expect(found.finding).not.toContain("veth")
      expect(found.fix).toContain("/sys:/host/sys:ro")
    })
  )

  it.effect("warns that nothing can be told while HOST_PROC is the container's own too", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      asContainerProc(dir, "MainThread")
      // Both trees are the container's (--network none): they agree on a lone lo.
      for (const name of ["eth0", "ifb0", "ifb1", "wlan0", "docker0"]) remove(dir, `sys/class/net/${name}`)
      write(dir, "proc/1/net/dev", "Inter-|   Receive\n face |bytes\n    lo: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
      const found = yield* checkHostSys(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("cannot be told")
      // The same trees on a bare machine are the host's own.
      expect((yield* checkHostSys(inputFor(dir, { ...onHost, pid: inContainer.pid }))).status).toBe("ok")
    })
  )

  it.effect("fails when HOST_SYS does not exist, or is not a sysfs", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const missing = yield* checkHostSys(
        inputFor(dir, inContainer, { paths: { ...inputFor(dir).paths, sys: path.join(dir, "nothing") } })
      )
      expect(missing.status).toBe("fail")
      expect(missing.finding).toContain("does not exist")
      remove(dir, "sys/devices")
      const notSysfs = yield* checkHostSys(inputFor(dir))
      expect(notSysfs.status).toBe("fail")
      expect(notSysfs.finding).toContain("not a /sys")
    })
  )
})

describe("host-root", () => {
  it.effect("ok with the host's hostname", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      const found = yield* checkHostRoot(inputFor(dir))
      expect(found.status).toBe("ok")
      expect(found.finding).toContain("the host is pi")
    })
  )

  it.effect("fails inside a container when the hostname is the container's id", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      write(dir, "root/etc/hostname", `${CONTAINER_ID}\n`)
      const found = yield* checkHostRoot(inputFor(dir))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain(CONTAINER_ID)
      expect(found.fix).toContain("/:/host/root:ro")
      // The same file on a bare machine is its own name, and right.
      expect((yield* checkHostRoot(inputFor(dir, { ...onHost, hostname: CONTAINER_ID }))).status).toBe("ok")
    })
  )

  it.effect("warns without etc/hostname, naming the hostname shown instead", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "root/etc/hostname")
      const found = yield* checkHostRoot(inputFor(dir))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain(CONTAINER_ID)
    })
  )

  it.effect("fails when HOST_ROOT does not exist or has no etc/", () =>
    Effect.gen(function* () {
      const dir = yield* piTree
      remove(dir, "root/etc")
      expect((yield* checkHostRoot(inputFor(dir))).finding).toContain("not a root filesystem")
      remove(dir, "root")
      const found = yield* checkHostRoot(inputFor(dir))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("does not exist")
    })
  )
})
