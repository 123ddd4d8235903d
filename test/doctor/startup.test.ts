// The start-up log: the service started on crafted trees (the live-vm fixture's /proc with a
// container's own PID 1, test/doctor/support.ts) logs each failing and warning check once, as
// one JSON line with its fix, and GET /doctor does not log them again.

import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { waitFor } from "../collectors/containers/support/docker.ts"
import { LIVE_VM } from "../kernel/support.ts"
import { type Service, startService } from "../support/service.ts"
import { inContainer, remove, write, writePiHost } from "./support.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-start-"))
let service: Service | undefined
afterAll(async () => {
  await service?.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

interface LogLine {
  readonly message: string
  readonly level: string
  readonly annotations: Record<string, string>
}

const doctorLines = (output: string): Array<LogLine> =>
  output
    .split("\n")
    .filter((l) => l.includes('"event":"doctor"'))
    .map((l) => JSON.parse(l) as LogLine)

describe("the start-up log", () => {
  it("names each failing and warning check once, with its fix", async () => {
    fs.cpSync(LIVE_VM, dir, { recursive: true })
    writePiHost(dir)
    write(dir, "proc/1/comm", "node\n")
    remove(dir, "proc/self")
    fs.symlinkSync(String(inContainer.pid), path.join(dir, "proc/self"))
    remove(dir, "proc/pressure")
    service = await startService(
      {
        HOST_PROC: path.join(dir, "proc"),
        HOST_SYS: path.join(dir, "sys"),
        HOST_ROOT: path.join(dir, "root"),
        DOCKER_HOST: `unix://${path.join(dir, "none.sock")}`,
        SYSTEM_PROFILER_DATA_DIR: path.join(dir, "data")
      },
      "doctor-start-token"
    )
    const s = service
    // Logged in the order of the checks: psi comes after docker.
    const psi = await waitFor("the doctor's psi line", async () =>
      doctorLines(s.output()).find((l) => l.annotations.check === "psi")
    )
    expect(psi.level).toBe("WARN")
    expect(psi.annotations.fix).toContain("psi=1")
    const docker = doctorLines(s.output()).find((l) => l.annotations.check === "docker")
    expect(docker?.level).toBe("ERROR")
    expect(docker?.annotations.status).toBe("fail")
    expect(docker?.message).toContain(`no Docker socket at ${path.join(dir, "none.sock")}`)
    expect(docker?.annotations.fix).toContain("/var/run/docker.sock")
    // An ok check is not logged.
    expect(doctorLines(s.output()).some((l) => l.annotations.check === "cgroup-memory")).toBe(false)

    const answer = await s.get("/doctor")
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body).ok).toBe(false)
    const logged = doctorLines(s.output()).map((l) => l.annotations.check)
    expect(logged.filter((c) => c === "docker")).toHaveLength(1)
    expect(logged.filter((c) => c === "psi")).toHaveLength(1)
  })
})
