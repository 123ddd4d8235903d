// The data directory on crafted trees: there and writable, to be created, on the container's own
// layer, and in the way of a file. Permission refusals need a non-root user: test/doctor/cli.test.ts
// runs the doctor as one.
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { checkDataDir, dataDirFrom } from "../../src/doctor/dataDir.ts"
import { inContainer, inputFor, onHost, tempTree, write } from "./support.ts"

describe("data-dir", () => {
  it.effect("ok when it exists and is writable, or can be created", () =>
    Effect.gen(function* () {
      const dir = yield* tempTree()
      const missing = yield* checkDataDir(inputFor(dir, onHost, { dataDir: path.join(dir, "a/b/data") }))
      expect(missing.status).toBe("ok")
      expect(missing.finding).toContain(`can be created in ${dir}`)
      fs.mkdirSync(path.join(dir, "data"))
      const there = yield* checkDataDir(inputFor(dir, onHost))
      expect(there).toEqual({ status: "ok", finding: `${path.join(dir, "data")} is writable`, fix: null })
    })
  )

  it.effect("warns in a container when it is on the container's own filesystem", () =>
    Effect.gen(function* () {
      const dir = yield* tempTree()
      const sameDevice = { ...inContainer, rootDevice: fs.statSync(dir).dev }
      const found = yield* checkDataDir(inputFor(dir, sameDevice))
      expect(found.status).toBe("warn")
      expect(found.finding).toContain("lost when the container is recreated")
      // A volume is another device than the container's root.
      expect((yield* checkDataDir(inputFor(dir, inContainer))).status).toBe("ok")
    })
  )

  it.effect("fails when it is a file, or a file stands where a parent would be", () =>
    Effect.gen(function* () {
      const dir = yield* tempTree()
      write(dir, "data", "not a directory\n")
      const file = yield* checkDataDir(inputFor(dir, onHost))
      expect(file.status).toBe("fail")
      expect(file.finding).toContain("is a file")
      const below = yield* checkDataDir(inputFor(dir, onHost, { dataDir: path.join(dir, "data/history") }))
      expect(below.status).toBe("fail")
      expect(below.finding).toContain(`${path.join(dir, "data")} is not a directory`)
    })
  )
})

describe("dataDirFrom", () => {
  it("is SYSTEM_PROFILER_DATA_DIR, else /data in a container and ./data elsewhere", () => {
    expect(dataDirFrom("/srv/profiler", true, "/app")).toBe("/srv/profiler")
    expect(dataDirFrom("state", false, "/home/pi/system-profiler")).toBe("/home/pi/system-profiler/state")
    expect(dataDirFrom(undefined, true, "/app")).toBe("/data")
    expect(dataDirFrom(" ", false, "/home/pi/system-profiler")).toBe("/home/pi/system-profiler/data")
  })
})
