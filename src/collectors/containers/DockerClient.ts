import http from "node:http"
import { Context, Duration, Effect, Layer, Schema } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import type { DockerEndpoint } from "../../config/dockerHost.ts"
import { classifyCause, DockerError } from "./DockerError.ts"

export interface DockerClientShape {
  /** Where the daemon is, for messages: unix:///path or tcp://host:port. */
  readonly endpoint: string
  /**
   * GET `path` and decode the JSON answer with `schema`, within the configured timeout.
   * `what` names the call in errors (a path template, never a value from a container).
   */
  readonly get: <S extends Schema.Top>(
    path: string,
    schema: S,
    what: string
  ) => Effect.Effect<S["Type"], DockerError, S["DecodingServices"]>
}

// The only thing this service can do to Docker is read: there is no method here but GET, so no
// bug elsewhere can start, stop or exec into a container, and a GET-only socket proxy suffices.
export class DockerClient extends Context.Service<DockerClient, DockerClientShape>()(
  "system-profiler/collectors/containers/DockerClient"
) {}

export const describeEndpoint = (endpoint: DockerEndpoint): string =>
  endpoint._tag === "unix" ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`

/** What an answer is before decoding: its status, and its body when the status is 200. */
interface Answer {
  readonly status: number
  readonly body: string
}

/**
 * A DockerClient on Node's own http client, one keep-alive agent per client (closed with its
 * scope). Not effect's HttpClient, nor undici: the collector makes a dozen small GETs every
 * interval for the life of the process, and those clients' per-request machinery (a forked
 * upload fiber, a race, a span) was most of the service's idle CPU beside the calls themselves,
 * while undici's 750 KB of JavaScript cost ~15 MB of RSS. Connection errors carry the errno codes
 * (ENOENT, EACCES, ECONNREFUSED) that classifyCause reads.
 */
export const make = (endpoint: DockerEndpoint, timeout: Duration.Duration) =>
  Effect.gen(function* () {
    const where = describeEndpoint(endpoint)
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new http.Agent({ keepAlive: true })),
      (a) => Effect.sync(() => a.destroy())
    )
    const target =
      endpoint._tag === "unix"
        ? { socketPath: endpoint.socketPath, host: "docker" } // the host only sets the Host header
        : { host: endpoint.host, port: endpoint.port }

    // `fresh`: a connection the agent kept alive may have been closed by the daemon (or a proxy,
    // or a daemon restart) just as it is reused, which fails the write (EPIPE, ECONNRESET) before
    // any answer. A GET is safe to send again, once, on a new connection.
    const request = (path: string, fresh = false): Effect.Effect<Answer, DockerError> =>
      Effect.callback<Answer | "retry", DockerError>((resume, signal) => {
        const req = http.request({ ...target, agent, path, method: "GET", signal }, (res) => {
          const status = res.statusCode ?? 0
          // Any other status is drained unread so that the connection can be reused; its text is
          // never kept, since Docker error messages may quote a container's configuration.
          const chunks: Array<Buffer> = []
          if (status === 200) res.on("data", (chunk: Buffer) => chunks.push(chunk))
          else res.resume()
          res.on("end", () => resume(Effect.succeed({ status, body: Buffer.concat(chunks).toString("utf8") })))
          res.on("error", (cause) => resume(Effect.fail(classifyCause(cause, endpoint))))
        })
        req.on("error", (cause) => {
          const code = (cause as { code?: unknown }).code
          if (!fresh && req.reusedSocket && (code === "ECONNRESET" || code === "EPIPE")) resume(Effect.succeed("retry"))
          else resume(Effect.fail(classifyCause(cause, endpoint)))
        })
        if (fresh) req.shouldKeepAlive = false
        req.end()
      }).pipe(Effect.flatMap((answer) => (answer === "retry" ? request(path, true) : Effect.succeed(answer))))

    const get = <S extends Schema.Top>(path: string, schema: S, what: string) =>
      Effect.gen(function* () {
        const answer = yield* request(path)
        if (answer.status !== 200) return yield* Effect.fail(DockerError.status(answer.status, what, where))
        const body = yield* Effect.try({
          try: () => JSON.parse(answer.body) as unknown,
          catch: () =>
            new DockerError({ reason: "parse-error", detail: `${what} answered with something that is not JSON` })
        })
        return yield* Effect.mapError(
          Schema.decodeUnknownEffect(schema)(body),
          () => new DockerError({ reason: "parse-error", detail: `${what} answered in an unexpected shape` })
        )
      }).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(
              new DockerError({
                reason: "timeout",
                detail: `the Docker daemon at ${where} did not answer ${what} within ${Duration.format(timeout)}`
              })
            )
        })
      )

    return DockerClient.of({ endpoint: where, get })
  })

/** The client for the configured DOCKER_HOST (a unix socket, or tcp for a socket proxy). */
export const layer = Layer.effect(
  DockerClient,
  Effect.gen(function* () {
    const config = yield* AppConfig
    return yield* make(config.docker, config.dockerTimeout)
  })
)
