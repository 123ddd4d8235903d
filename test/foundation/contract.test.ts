// The web app imports the contract and the client; neither may pull in server code, or a
// Next.js build would bundle collectors, node:fs and the config loader.

import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const src = fileURLToPath(new URL("../../src/", import.meta.url))

const importsOf = (file: string): Array<string> =>
  [...readFileSync(file, "utf8").matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)].map((m) => m[1]!)

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  )

describe("the contract stays apart from the implementation", () => {
  for (const folder of ["api", "client"]) {
    it(`src/${folder} imports only effect and the contract`, () => {
      const files = filesUnder(join(src, folder))
      assert.isNotEmpty(files)
      for (const file of files) {
        for (const spec of importsOf(file)) {
          if (spec.startsWith(".")) {
            const target = resolve(join(file, ".."), spec)
            assert.isTrue(
              target.startsWith(join(src, "api")) || target.startsWith(join(src, "client")),
              `${file} -> ${spec}`
            )
          } else {
            assert.match(spec, /^effect(\/|$)/, `${file} imports ${spec}`)
          }
        }
      }
    })
  }
})
