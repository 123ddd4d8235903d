// The root-dropping step, against a stand-in process that records the calls and enforces what
// the kernel enforces (only root may change groups and ids). The real drop is proven in
// test/container: the service's process in the container runs as 1000:1000 with the socket's gid.
import { describe, expect, it } from "vitest"
import {
  DEFAULT_RUN_AS,
  dockerSocketPath,
  dropPrivileges,
  type PrivilegeSystem,
  parseRunAs,
  RUN_AS_ENV
} from "../src/privileges.ts"

const fakeProcess = (start: { uid: number; gid: number }, sockets: Record<string, number>) => {
  const state = { uid: start.uid, gid: start.gid, groups: [0, 1, 2, 10] as Array<number>, calls: [] as Array<string> }
  const requireRoot = (what: string) => {
    if (state.uid !== 0) throw new Error(`EPERM: ${what}`)
  }
  const system: PrivilegeSystem = {
    getuid: () => state.uid,
    getgid: () => state.gid,
    setgroups: (groups) => {
      requireRoot("setgroups")
      state.calls.push(`setgroups(${groups.join(",")})`)
      state.groups = [...groups]
    },
    setgid: (id) => {
      requireRoot("setgid")
      state.calls.push(`setgid(${id})`)
      state.gid = id
    },
    setuid: (id) => {
      requireRoot("setuid")
      state.calls.push(`setuid(${id})`)
      state.uid = id
    },
    ownerGid: (path) => sockets[path] ?? null
  }
  return { state, system }
}

describe("dropPrivileges", () => {
  it("keeps only the socket's group, then gid, then uid (the order the kernel allows)", () => {
    const { state, system } = fakeProcess({ uid: 0, gid: 0 }, { "/var/run/docker.sock": 994 })
    const outcome = dropPrivileges({ [RUN_AS_ENV]: DEFAULT_RUN_AS }, system)
    expect(outcome).toEqual({ _tag: "Dropped", uid: 1000, gid: 1000, socketGid: 994 })
    expect(state.calls).toEqual(["setgroups(994)", "setgid(1000)", "setuid(1000)"])
    // root's supplementary groups (disk, wheel...) are gone.
    expect(state.groups).toEqual([994])
  })

  it("follows DOCKER_HOST to the socket it names, and SYSTEM_PROFILER_RUN_AS to the user", () => {
    const { state, system } = fakeProcess({ uid: 0, gid: 0 }, { "/run/user/docker.sock": 120 })
    const outcome = dropPrivileges({ DOCKER_HOST: "unix:///run/user/docker.sock", [RUN_AS_ENV]: "2000:3000" }, system)
    expect(outcome).toEqual({ _tag: "Dropped", uid: 2000, gid: 3000, socketGid: 120 })
    expect(state).toMatchObject({ uid: 2000, gid: 3000, groups: [120] })
  })

  it("adds no group without a socket: a TCP proxy, or no socket mounted", () => {
    for (const env of [
      { DOCKER_HOST: "tcp://socket-proxy:2375", [RUN_AS_ENV]: DEFAULT_RUN_AS },
      { [RUN_AS_ENV]: "1000" }
    ]) {
      const { state, system } = fakeProcess({ uid: 0, gid: 0 }, {})
      expect(dropPrivileges(env, system)).toEqual({ _tag: "Dropped", uid: 1000, gid: 1000, socketGid: null })
      expect(state.groups).toEqual([])
    }
  })

  it("keeps root on a bare machine where SYSTEM_PROFILER_RUN_AS is not set", () => {
    const { state, system } = fakeProcess({ uid: 0, gid: 0 }, { "/var/run/docker.sock": 994 })
    expect(dropPrivileges({}, system)).toEqual({ _tag: "NotRequested" })
    expect(dropPrivileges({ [RUN_AS_ENV]: " " }, system)).toEqual({ _tag: "NotRequested" })
    expect(state.calls).toEqual([])
  })

  it("leaves an unprivileged process as it is", () => {
    const { state, system } = fakeProcess({ uid: 1000, gid: 107 }, { "/var/run/docker.sock": 107 })
    expect(dropPrivileges({}, system)).toEqual({ _tag: "AlreadyUnprivileged", uid: 1000, gid: 107 })
    expect(state.calls).toEqual([])
  })

  it("refuses to keep the socket's group when it is root's, naming the fix, before changing anything", () => {
    const { state, system } = fakeProcess({ uid: 0, gid: 0 }, { "/var/run/docker.sock": 0 })
    expect(() => dropPrivileges({ [RUN_AS_ENV]: DEFAULT_RUN_AS }, system)).toThrow(
      /\/var\/run\/docker\.sock belongs to group 0 .*SYSTEM_PROFILER_RUN_AS.*--group.*socket proxy/
    )
    expect(state.calls).toEqual([])
    // A TCP proxy needs no group, whoever owns a socket file that happens to be there.
    const proxied = fakeProcess({ uid: 0, gid: 0 }, { "/var/run/docker.sock": 0 })
    expect(
      dropPrivileges({ DOCKER_HOST: "tcp://socket-proxy:2375", [RUN_AS_ENV]: DEFAULT_RUN_AS }, proxied.system)
    ).toEqual({ _tag: "Dropped", uid: 1000, gid: 1000, socketGid: null })
  })

  it("fails rather than run as root when the switch is refused", () => {
    const { system } = fakeProcess({ uid: 0, gid: 0 }, {})
    const refusing: PrivilegeSystem = {
      ...system,
      setuid: () => {
        throw new Error("EPERM, Operation not permitted")
      }
    }
    expect(() => dropPrivileges({ [RUN_AS_ENV]: DEFAULT_RUN_AS }, refusing)).toThrow(
      /could not switch to 1000:1000.*SETUID and SETGID/
    )
    const silent: PrivilegeSystem = { ...system, setuid: () => {} }
    expect(() => dropPrivileges({ [RUN_AS_ENV]: DEFAULT_RUN_AS }, silent)).toThrow(/still running as root/)
  })
})

describe("parseRunAs", () => {
  it("reads uid:gid or a lone uid, and defaults to the node user", () => {
    expect(parseRunAs(undefined)).toEqual(parseRunAs(DEFAULT_RUN_AS))
    expect(parseRunAs(" 1000:1000 ")).toEqual({ uid: 1000, gid: 1000 })
    expect(parseRunAs("1234")).toEqual({ uid: 1234, gid: 1234 })
  })

  it("refuses root and names", () => {
    for (const bad of ["0:0", "0", "1000:0", "node", "node:node", "-1", "1000:"]) {
      expect(() => parseRunAs(bad), bad).toThrow(RUN_AS_ENV)
    }
  })
})

describe("dockerSocketPath", () => {
  it("is the unix socket of DOCKER_HOST, the default socket, or none for tcp", () => {
    expect(dockerSocketPath(undefined)).toBe("/var/run/docker.sock")
    expect(dockerSocketPath(" ")).toBe("/var/run/docker.sock")
    expect(dockerSocketPath("unix:///tmp/d.sock")).toBe("/tmp/d.sock")
    expect(dockerSocketPath("tcp://socket-proxy:2375")).toBeNull()
  })
})
