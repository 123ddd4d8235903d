import { Effect } from "effect"
import { ConfigInvalid } from "./ConfigInvalid.ts"
import { mayHoldCredentials, redactUrl } from "./redact.ts"
import type { Env } from "./values.ts"

export type DockerEndpoint =
  | { readonly _tag: "unix"; readonly socketPath: string }
  | { readonly _tag: "tcp"; readonly host: string; readonly port: number }

const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"

// Docker's own convention: unix:///path for the socket, tcp://host:port for a (GET-only) proxy.
const parseDockerHost = (raw: string) =>
  Effect.gen(function* () {
    const fail = (problem: string) =>
      new ConfigInvalid({
        variable: "DOCKER_HOST",
        accepts: "unix:///path/to/docker.sock or tcp://host:port (TLS is not supported)",
        problem
      })
    if (raw.startsWith("unix://")) {
      const socketPath = raw.slice("unix://".length)
      if (!socketPath.startsWith("/")) return yield* fail(`"${raw}" has no absolute socket path`)
      return { _tag: "unix", socketPath } as DockerEndpoint
    }
    if (raw.startsWith("tcp://")) {
      // A proxy URL may carry user info: it is shown only as redactUrl shows it.
      const shown = mayHoldCredentials(raw.slice("tcp://".length)) ? redactUrl(raw) : raw
      let url: URL
      try {
        url = new URL(raw)
      } catch {
        return yield* fail(`"${shown}" is not a valid URL`)
      }
      const port = Number(url.port === "" ? "2375" : url.port)
      if (url.hostname === "" || (url.pathname !== "" && url.pathname !== "/")) {
        return yield* fail(`"${shown}" must be tcp://host:port with no path`)
      }
      return { _tag: "tcp", host: url.hostname.replace(/^\[|\]$/g, ""), port } as DockerEndpoint
    }
    return yield* fail(`"${mayHoldCredentials(raw) ? redactUrl(raw) : raw}" has an unsupported scheme`)
  })

export const readDockerHost = (env: Env) => parseDockerHost(env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_HOST)
