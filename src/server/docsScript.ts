// Where the /docs page's script lives on disk. Node builtins only: scripts/build.ts imports this
// to copy the file beside the bundle.
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The name of the copy beside the production bundle (dist/), made by scripts/build.ts. */
export const BUNDLED_SCALAR_FILE = "scalar-api-reference.js"

/**
 * effect ships Scalar's standalone browser build (the one its `HttpApiScalar.layer` inlines) as
 * an ES module whose one export, `javascript`, is the script's text. The service sends that file
 * to the browser as it is, from disk, and never imports it: in Node its 3 MB string would stay in
 * the heap for good. The path is internal to effect (its exports map hides it), so a test holds it
 * to this shape, and effect is pinned to an exact version.
 */
export const installedScalarModule = (): string =>
  join(
    dirname(createRequire(import.meta.url).resolve("effect/package.json")),
    "dist/http-api/internal/httpApiScalar.js"
  )

/**
 * The script for `moduleUrl` (the module that serves it): the copy beside it when it is the
 * bundle, else the installed effect package's; undefined when neither exists.
 */
export const locateScalarModule = (moduleUrl: string = import.meta.url): string | undefined => {
  const bundled = fileURLToPath(new URL(`./${BUNDLED_SCALAR_FILE}`, moduleUrl))
  if (existsSync(bundled)) return bundled
  try {
    const installed = installedScalarModule()
    return existsSync(installed) ? installed : undefined
  } catch {
    // No node_modules (the image): only the bundled copy could have been used.
    return undefined
  }
}
