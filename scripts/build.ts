// The production bundle (see scripts/build.sh, which runs this): src/main.ts and
// src/healthcheck.ts with every dependency inlined, into one directory of ESM JavaScript.
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { build, type Plugin } from "rolldown"

const root = fileURLToPath(new URL("..", import.meta.url))
const outDir = process.argv[2] ?? `${root}dist`

// @effect/platform-node's Undici.js is `export * from "undici"` over a CommonJS package. Node
// finds undici's export names by scanning its source; a bundler cannot, so the bundled module
// would export nothing but `default` and `new Agent(...)` would fail at start. This replaces
// that one module with explicit exports, listed from the installed undici itself so that they
// follow its version. (The service reaches no undici today; this keeps a future use working.)
const undiciNamedExports: Plugin = {
  name: "undici-named-exports",
  load(id) {
    if (!/[\\/]@effect[\\/]platform-node[\\/]dist[\\/]Undici\.js$/.test(id)) return null
    const undici = createRequire(id)("undici") as Record<string, unknown>
    const names = Object.keys(undici).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== "default")
    return [
      `import Undici from "undici"`,
      "export default Undici",
      `export const { ${names.join(", ")} } = Undici`
    ].join("\n")
  }
}

await build({
  input: { main: `${root}src/main.ts`, healthcheck: `${root}src/healthcheck.ts` },
  platform: "node",
  plugins: [undiciNamedExports],
  // Class and function names stay: errors and logs name them (DockerError, ...).
  transform: { keepNames: true },
  output: { dir: outDir, format: "esm", minify: true, cleanDir: true },
  logLevel: "warn"
})
