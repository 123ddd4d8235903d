// The service as the image runs it: the bundle of scripts/build.ts, built into a directory of its
// own beside a copy of package.json (src/version.ts reads ../package.json), and the node flags of
// the Dockerfile's CMD. Shared by bench/docs.ts and the tests that run the bundle.
import { execFile } from "node:child_process"
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const ROOT = fileURLToPath(new URL("..", import.meta.url))

export interface Bundle {
  /** The directory holding package.json and dist/. */
  readonly dir: string
  /** dist/main.js. */
  readonly main: string
  /** The node flags of the Dockerfile's CMD, before the script. */
  readonly nodeFlags: ReadonlyArray<string>
  readonly remove: () => void
}

/** The node flags of the Dockerfile's `CMD ["node", ...flags, "dist/main.js"]`. */
export const dockerfileNodeFlags = (): ReadonlyArray<string> => {
  const cmd = /^CMD (\[.*\])\s*$/m.exec(readFileSync(join(ROOT, "Dockerfile"), "utf8"))?.[1]
  if (cmd === undefined) throw new Error("the Dockerfile has no CMD [...] line")
  const [node, ...args] = JSON.parse(cmd) as Array<string>
  if (node !== "node" || args.at(-1) !== "dist/main.js") {
    throw new Error(`the Dockerfile's CMD is not node <flags> dist/main.js: ${cmd}`)
  }
  return args.slice(0, -1)
}

/** Builds the bundle with `node` (Node 24) into a new temporary directory. */
export const buildBundle = (node: string = process.execPath): Promise<Bundle> =>
  new Promise((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), "sp-bundle-"))
    execFile(node, [join(ROOT, "scripts", "build.ts"), join(dir, "dist")], { cwd: ROOT }, (error, _stdout, stderr) => {
      if (error !== null) {
        rmSync(dir, { recursive: true, force: true })
        reject(new Error(`scripts/build.ts failed: ${stderr || error.message}`))
        return
      }
      copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"))
      resolve({
        dir,
        main: join(dir, "dist", "main.js"),
        nodeFlags: dockerfileNodeFlags(),
        remove: () => rmSync(dir, { recursive: true, force: true })
      })
    })
  })
