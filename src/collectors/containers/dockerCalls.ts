// The Docker calls this service makes, each with the most bytes its answer may have. A timeout
// bounds how long an answer takes, not how big it is: a daemon (or whatever answers on its socket)
// that sends hundreds of MB, or an endless chunked body, at full speed would otherwise be read
// whole and kill the process at its heap limit. Each limit is sized to what the real daemon can
// put in that answer, with room to spare, and an answer past it is cut off and reported as a
// bad-response that names the endpoint and the call.

const KiB = 1024
const MiB = 1024 * KiB

export interface DockerCall {
  /** The call as messages name it: a method and a path template, never a value from a container. */
  readonly what: string
  /** The most bytes its answer may have. */
  readonly maxBytes: number
  /** What an answer past it most likely means, for the message. */
  readonly hint?: string
}

/** `GET /version`: about 1 KB on Docker 28, components included. */
export const VERSION_CALL: DockerCall = { what: "GET /version", maxBytes: 64 * KiB }

/**
 * `GET /containers/{id}/json`: the one answer that carries a container's whole configuration.
 * Env and Cmd must fit in the kernel's ARG_MAX (2 MiB by default) to start at all; labels,
 * mounts and the rest are a few KB.
 */
export const INSPECT_CALL: DockerCall = { what: "GET /containers/{id}/json", maxBytes: 4 * MiB }

/**
 * `GET /containers/{id}/stats`: 2 to 4 KB; per-CPU arrays and one block per network interface
 * make it grow with the machine, never past a few tens of KB.
 */
export const STATS_CALL: DockerCall = { what: "GET /containers/{id}/stats", maxBytes: 256 * KiB }

/** What an error answer (a 404, a proxy's 403) may have: its text is drained, never kept. */
export const ERROR_BODY_MAX_BYTES = 64 * KiB

/**
 * An entry of `GET /containers/json` is about 1 KB (names, image, labels, ports, mounts);
 * this allows 8 KiB per container up to the maximum kept, and 2 MiB more for one whose command
 * line fills ARG_MAX.
 */
export const LIST_BYTES_PER_CONTAINER = 8 * KiB
export const LIST_EXTRA_BYTES = 2 * MiB

/** `GET /containers/json` for a list of at most `maxContainers` containers. */
export const listCall = (maxContainers: number): DockerCall => ({
  what: "GET /containers/json",
  maxBytes: LIST_EXTRA_BYTES + maxContainers * LIST_BYTES_PER_CONTAINER,
  hint: `more containers carry the label than the ${maxContainers} this service follows (SYSTEM_PROFILER_MAX_CONTAINERS)?`
})

/** A byte count as messages show it: 64 KiB, 4 MiB. */
export const formatBytes = (bytes: number): string =>
  bytes >= MiB && bytes % MiB === 0
    ? `${bytes / MiB} MiB`
    : bytes >= KiB && bytes % KiB === 0
      ? `${bytes / KiB} KiB`
      : `${bytes} bytes`
