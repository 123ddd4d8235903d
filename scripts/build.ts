// The production bundle (see scripts/build.sh, which runs this): src/main.ts, src/healthcheck.ts
// and src/doctor/main.ts with every dependency inlined, into one directory of ESM JavaScript.
import { copyFileSync } from "node:fs"
import { builtinModules, createRequire } from "node:module"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build, type Plugin } from "rolldown"
import { BUNDLED_SCALAR_FILE, installedScalarModule } from "../src/server/docsScript.ts"

const root = fileURLToPath(new URL("..", import.meta.url))
const outDir = process.argv[2] ?? `${root}dist`

// An ESM import of a Node builtin builds a facade that reads every export once, lazy getters
// included: node:http's WebSocket, CloseEvent and MessageEvent then load Node's internal undici
// (750 KB of JavaScript), about 13 MB of RSS for an API the service never touches; the facade of
// node:tls builds every root certificate. A `require` returns the object as it is, so each
// builtin the bundle imports becomes a small module that requires it and re-exports its
// properties, without the getters below. Importing one of those fails the build (see onLog).
const UNTOUCHED_GETTERS: Readonly<Record<string, ReadonlyArray<string>>> = {
  http: ["WebSocket", "CloseEvent", "MessageEvent"],
  tls: ["rootCertificates"],
  crypto: ["webcrypto", "subtle", "getRandomValues"]
}
const BUILTIN_PREFIX = "\0builtin:"

const requireBuiltins: Plugin = {
  name: "require-builtins",
  resolveId(source, _importer, { kind }) {
    // A CommonJS require of a builtin already stays a plain require in the bundle.
    if (kind !== "import-statement") return null
    const name = source.startsWith("node:") ? source.slice(5) : source
    // node:module, which every replacement imports for createRequire, stays an import.
    if (name === "module") return { id: "node:module", external: true }
    return builtinModules.includes(name) ? `${BUILTIN_PREFIX}${name}` : null
  },
  load(id) {
    if (!id.startsWith(BUILTIN_PREFIX)) return null
    const name = id.slice(BUILTIN_PREFIX.length)
    const exported = createRequire(import.meta.url)(`node:${name}`) as Record<string, unknown>
    const untouched = UNTOUCHED_GETTERS[name] ?? []
    const names = Object.keys(exported).filter(
      (key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default" && !untouched.includes(key)
    )
    return [
      `import { createRequire } from "node:module"`,
      `const builtin = createRequire(import.meta.url)("node:${name}")`,
      "export default builtin",
      names.length === 0 ? "" : `export const { ${names.join(", ")} } = builtin`
    ].join("\n")
  }
}

await build({
  input: {
    main: `${root}src/main.ts`,
    healthcheck: `${root}src/healthcheck.ts`,
    doctor: `${root}src/doctor/main.ts`
  },
  platform: "node",
  plugins: [requireBuiltins],
  // Class and function names stay: errors and logs name them (DockerError, ...).
  transform: { keepNames: true },
  output: { dir: outDir, format: "esm", minify: true, cleanDir: true },
  logLevel: "warn",
  onLog(level, log, handler) {
    // An import the bundle resolves to undefined would fail only when it runs.
    if (log.code === "IMPORT_IS_UNDEFINED") throw new Error(log.message)
    handler(level, log)
  }
})

// The /docs page's script, which the service streams from disk (src/server/docsScript.ts): the
// image has no node_modules, so it travels beside the bundle.
copyFileSync(installedScalarModule(), join(outDir, BUNDLED_SCALAR_FILE))
