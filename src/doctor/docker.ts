// Can this process read the Docker Engine API, the way the containers collector does: the same
// GET /version through the same client, classified into the same reasons, and for each reason
// what to change (which group to add, which mount is missing, what the proxy must allow).

import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Result } from "effect"
import { negotiate } from "../collectors/containers/apiVersion.ts"
import { describeEndpoint, make } from "../collectors/containers/DockerClient.ts"
import type { DockerError } from "../collectors/containers/DockerError.ts"
import { VERSION_CALL } from "../collectors/containers/dockerCalls.ts"
import { DockerVersion } from "../collectors/containers/dockerSchemas.ts"
import type { DockerEndpoint } from "../config/dockerHost.ts"
import { type DoctorInput, fail, ok, warn } from "./Check.ts"
import { statOptional } from "./files.ts"

const SOCKET_MOUNT = "`- /var/run/docker.sock:/var/run/docker.sock:ro` under the service's volumes"

/**
 * A client for one check: no keep-alive, so nothing stays connected to the daemon between two
 * runs of the doctor (the collector keeps its own pool).
 */
const httpLayer = (endpoint: DockerEndpoint) =>
  NodeHttpClient.layerNodeHttpOptions(
    endpoint._tag === "unix" ? { keepAlive: false, socketPath: endpoint.socketPath } : { keepAlive: false }
  )

const who = (input: DoctorInput) =>
  input.self.user === null
    ? ""
    : ` This process runs as ${input.self.user.uid}:${input.self.user.gid} with groups ${input.self.user.groups.join(",") || "(none)"}.`

const fixFor = (error: DockerError, input: DoctorInput, socketGid: number | undefined): string => {
  const endpoint = input.docker
  switch (error.reason) {
    case "permission-denied":
      if (endpoint._tag === "tcp") {
        return "let the socket proxy allow GET /version and GET /containers (tecnativa/docker-socket-proxy: VERSION=1, CONTAINERS=1)"
      }
      return socketGid === undefined
        ? `give this process read and write access to ${endpoint.socketPath}.${who(input)}`
        : `add the socket's group ${socketGid} to the service: \`group_add: ["${socketGid}"]\` in compose (\`docker run --group-add ${socketGid}\`), or start the image as root with SYSTEM_PROFILER_RUN_AS, which adds it itself.${who(input)}`
    case "unavailable":
      return endpoint._tag === "unix"
        ? `start the Docker daemon (\`sudo systemctl start docker\`); in a container, ${SOCKET_MOUNT}`
        : `start the socket proxy, and check that DOCKER_HOST (${describeEndpoint(endpoint)}) names it`
    case "timeout":
      return "the daemon is overloaded or hung: `sudo systemctl status docker` on the host"
    default:
      return `check that DOCKER_HOST (${describeEndpoint(endpoint)}) is the Docker daemon or a socket proxy in front of it`
  }
}

/**
 * The socket first (it exists, it is a socket, its group), then GET /version: ok with the API
 * version; warn for an API older than 1.41 (per-container figures through the stats API then
 * wait a second each); fail for anything the collector would fail on.
 */
export const checkDocker = Effect.fn("doctor.docker")(function* (input: DoctorInput) {
  const endpoint = input.docker
  const where = describeEndpoint(endpoint)
  let socketGid: number | undefined
  if (endpoint._tag === "unix") {
    // A stat that fails for another reason than absence (EACCES on a directory above) is left to
    // the request below, which names the reason.
    const stat = yield* Effect.result(statOptional(endpoint.socketPath))
    const st = Result.isSuccess(stat) ? stat.success : undefined
    if (Result.isSuccess(stat) && st === undefined) {
      return fail(`no Docker socket at ${endpoint.socketPath}`, `${SOCKET_MOUNT}, or set DOCKER_HOST`)
    }
    if (st !== undefined && !st.isSocket()) {
      return fail(
        `${endpoint.socketPath} is a ${st.isDirectory() ? "directory" : "file"}, not a socket${st.isDirectory() ? ": Docker creates one where a mounted host path does not exist" : ""}`,
        `mount the daemon's socket: ${SOCKET_MOUNT} (the host path must be the daemon's socket)`
      )
    }
    socketGid = st?.gid
  }
  const answer = yield* make(endpoint, input.dockerTimeout).pipe(
    Effect.flatMap((client) => client.get("/version", DockerVersion, VERSION_CALL)),
    Effect.provide(httpLayer(endpoint)),
    Effect.result
  )
  if (answer._tag === "Failure") {
    return fail(answer.failure.detail, fixFor(answer.failure, input, socketGid))
  }
  const version = answer.success
  const negotiated = negotiate(version)
  if (negotiated._tag === "Unsupported") {
    return fail(`${where}: ${negotiated.problem}`, "upgrade system-profiler to a version that speaks this daemon's API")
  }
  if (!negotiated.negotiated.oneShot) {
    return warn(
      `${where} speaks Docker API ${version.ApiVersion}, older than 1.41: per-container figures through the stats API wait about a second each`,
      "upgrade Docker Engine to 20.10 or later"
    )
  }
  return ok(`the Docker daemon at ${where} answers GET /version (API ${version.ApiVersion})`)
})
