// The package a web app installs (npm pack, prepack runs this): the contract (src/api/) and the
// client (src/client/) compiled by tsc into lib/ as ESM JavaScript with .d.ts files, so that any
// bundler (Next.js's Turbopack or webpack) takes it as it is, without transpilePackages.
//
// The sources import each other with .ts suffixes, which Node's type stripping needs; tsc
// rewrites them to .js in the JavaScript (rewriteRelativeImportExtensions) but leaves them in the
// .d.ts files (microsoft/TypeScript#61037), so this script rewrites those too. It then checks
// what the package will hold: no relative specifier ending in .ts, and no import of anything but
// effect and lib's own files, since the web app is promised nothing of the server.
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const lib = join(root, "lib")

const tscPackage = createRequire(import.meta.url).resolve("typescript/package.json")
const tscBin = (JSON.parse(readFileSync(tscPackage, "utf8")) as { bin: Record<string, string> }).bin.tsc!

rmSync(lib, { recursive: true, force: true })
execFileSync(process.execPath, [join(dirname(tscPackage), tscBin), "-p", join(root, "tsconfig.lib.json")], {
  stdio: "inherit"
})

const files = readdirSync(lib, { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".js") || file.endsWith(".d.ts"))
  .map((file) => join(lib, file))

// The module specifiers of import and export statements, and of import("...") types.
const specifiers =
  /^(?:import|export)\s[^;=(]*?\bfrom\s*(["'])([^"']+)\1|^import\s*(["'])([^"']+)\3|\bimport\(\s*(["'])([^"']+)\5\s*\)/gm
const relativeTs = /^(\.\.?\/.*)\.ts$/

const problems: Array<string> = []
for (const file of files) {
  let text = readFileSync(file, "utf8")
  if (file.endsWith(".d.ts")) {
    text = text.replace(specifiers, (statement: string, ...groups: Array<string | undefined>) => {
      const specifier = groups[1] ?? groups[3] ?? groups[5]!
      const rewritten = specifier.replace(relativeTs, "$1.js")
      return rewritten === specifier ? statement : statement.replace(`${specifier}`, rewritten)
    })
    writeFileSync(file, text)
  }
  for (const match of text.matchAll(specifiers)) {
    const specifier = match[2] ?? match[4] ?? match[6]!
    const allowed = specifier.startsWith(".")
      ? specifier.endsWith(".js")
      : specifier === "effect" || specifier.startsWith("effect/")
    if (!allowed) problems.push(`${relative(root, file)}: imports "${specifier}"`)
  }
}
if (problems.length > 0) {
  console.error(`build-lib: the package must import only effect and its own .js files:\n${problems.join("\n")}`)
  process.exit(1)
}
console.error(`build-lib: ${files.length} files in ${relative(root, lib)}/`)
