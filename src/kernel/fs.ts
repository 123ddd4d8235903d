// Where this process sees the host's kernel trees, as one value (prometheus/procfs's FS): every
// reader takes it, so a test points the whole library at a fixture tree by passing another one.

import * as path from "node:path"

/** HOST_PROC, HOST_SYS and HOST_ROOT: /proc, /sys and / on a bare machine, /host/* in the container. */
export interface KernelFs {
  readonly proc: string
  readonly sys: string
  readonly root: string
}

/** Every path helper in one place (node_exporter's paths.go). */
export const procPath = (fs: KernelFs, ...rest: ReadonlyArray<string>): string => path.join(fs.proc, ...rest)
export const sysPath = (fs: KernelFs, ...rest: ReadonlyArray<string>): string => path.join(fs.sys, ...rest)
export const rootPath = (fs: KernelFs, ...rest: ReadonlyArray<string>): string => path.join(fs.root, ...rest)
export const under = (base: string, ...rest: ReadonlyArray<string>): string => path.join(base, ...rest)
