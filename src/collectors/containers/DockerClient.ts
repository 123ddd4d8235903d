import { NodeHttpClient } from "@effect/platform-node"
import { ByteSize, Context, Duration, Effect, Layer, Schema } from "effect"
import { constTrue } from "effect/Function"
import { HttpClient, type HttpClientError, HttpClientRequest, HttpIncomingMessage } from "effect/http"
import { AppConfig } from "../../config/AppConfig.ts"
import type { DockerEndpoint } from "../../config/dockerHost.ts"
import { classifyTransport, DockerError, errorCode, isBodyTooLarge } from "./DockerError.ts"
import { type DockerCall, ERROR_BODY_MAX_BYTES } from "./dockerCalls.ts"

export interface DockerClientShape {
  /** Where the daemon is, for messages: unix:///path or tcp://host:port. */
  readonly endpoint: string
  /**
   * GET `path` and decode the JSON answer with `schema`, within the configured timeout and the
   * call's byte limit (dockerCalls.ts). `call.what` names the call in errors.
   */
  readonly get: <S extends Schema.Top>(
    path: string,
    schema: S,
    call: DockerCall
  ) => Effect.Effect<S["Type"], DockerError, S["DecodingServices"]>
}

// The only thing this service can do to Docker is read: there is no method here but GET, so no
// bug elsewhere can start, stop or exec into a container, and a GET-only socket proxy suffices.
export class DockerClient extends Context.Service<DockerClient, DockerClientShape>()(
  "system-profiler/collectors/containers/DockerClient"
) {}

export const describeEndpoint = (endpoint: DockerEndpoint): string =>
  endpoint._tag === "unix" ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`

const baseUrl = (endpoint: DockerEndpoint): string =>
  endpoint._tag === "unix"
    ? "http://docker" // the host only sets the Host header; the socket is dialled
    : `http://${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`

const isStaleSocket = (error: HttpClientError.HttpClientError): boolean =>
  error.reason._tag === "TransportError" && ["ECONNRESET", "EPIPE"].includes(errorCode(error.reason.cause) ?? "")

/** A DockerClient on top of whatever HttpClient is provided (node:http in the service, fakes in tests). */
export const make = (endpoint: DockerEndpoint, timeout: Duration.Duration) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const where = describeEndpoint(endpoint)
    const base = baseUrl(endpoint)

    const get = <S extends Schema.Top>(path: string, schema: S, call: DockerCall) =>
      Effect.gen(function* () {
        const what = call.what
        const response = yield* http.execute(HttpClientRequest.get(`${base}${path}`)).pipe(
          // A kept-alive socket may be closed by the daemon (idle timeout, restart) just as it is
          // reused; that request never reached Docker, so one retry on a fresh socket is safe.
          Effect.retry({ times: 1, while: isStaleSocket })
        )
        if (response.status !== 200) {
          // Drain the body so that the connection can be reused; its text is never kept, since
          // Docker error messages may quote a container's configuration.
          yield* Effect.ignore(
            Effect.provideService(response.text, HttpIncomingMessage.MaxBodySize, ByteSize.bytes(ERROR_BODY_MAX_BYTES))
          )
          return yield* Effect.fail(DockerError.status(response.status, what, where))
        }
        // Read at most the call's limit: past it, the library stops reading and destroys the
        // socket, so an endless answer costs no more memory than a full one.
        const body = yield* response.json.pipe(
          Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(call.maxBytes)),
          Effect.mapError((error) =>
            isBodyTooLarge(error)
              ? DockerError.tooLarge(call, where)
              : new DockerError({ reason: "parse-error", detail: `${what} answered with something that is not JSON` })
          )
        )
        return yield* Effect.mapError(
          Schema.decodeUnknownEffect(schema)(body),
          () => new DockerError({ reason: "parse-error", detail: `${what} answered in an unexpected shape` })
        )
      }).pipe(
        Effect.catchTag("HttpClientError", (error) =>
          Effect.fail(classifyTransport(error.reason, call.what, endpoint))
        ),
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(
              new DockerError({
                reason: "timeout",
                detail: `the Docker daemon at ${where} did not answer ${call.what} within ${Duration.format(timeout)}`
              })
            )
        }),
        // No client span: nothing exports spans, yet building one per call (URL and header
        // attributes, b3 and traceparent headers sent to the daemon) was a tenth of the idle CPU.
        Effect.provideService(HttpClient.TracerDisabledWhen, constTrue)
      )

    return DockerClient.of({ endpoint: where, get })
  })

/**
 * An HttpClient that dials the configured endpoint: the unix socket, or tcp for a socket proxy.
 * Node's own http client with a keep-alive agent, not undici: a few small GETs every interval
 * need no more, and loading undici (750 KB of JavaScript) costs ~15 MB of RSS for the life of
 * the process. The agent's connection errors carry the same errno codes (ENOENT, EACCES,
 * ECONNREFUSED) that classifyTransport reads.
 */
export const httpLayer = (endpoint: DockerEndpoint) =>
  NodeHttpClient.layerNodeHttpOptions(
    endpoint._tag === "unix" ? { keepAlive: true, socketPath: endpoint.socketPath } : { keepAlive: true }
  )

/** The client for the configured DOCKER_HOST, with its own connection pool. */
export const layer = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return Layer.effect(DockerClient, make(config.docker, config.dockerTimeout)).pipe(
      Layer.provide(httpLayer(config.docker))
    )
  })
)
