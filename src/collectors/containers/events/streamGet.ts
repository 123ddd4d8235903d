// A GET whose answer is a stream that never ends on its own (Docker's /events), beside
// DockerClient's one-shot GETs: the same endpoint and error classification, but the timeout
// covers only the answer's headers, and the body is handed over as it arrives.

import { Duration, Effect, Stream } from "effect"
import { constTrue } from "effect/Function"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { DockerEndpoint } from "../../../config/dockerHost.ts"
import { describeEndpoint } from "../DockerClient.ts"
import { classifyTransport, DockerError, errorCode } from "../DockerError.ts"
import { EventStreamCut } from "./DockerEventsError.ts"

const baseUrl = (endpoint: DockerEndpoint): string =>
  endpoint._tag === "unix"
    ? "http://docker" // the host only sets the Host header; the socket is dialled
    : `http://${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`

/**
 * GETs `path` on the daemon and succeeds, once the daemon has answered 200, with the body as a
 * stream of chunks. The stream ends when the daemon or a proxy closes it, and fails with
 * EventStreamCut when the connection breaks mid-way; ending or interrupting it closes the
 * connection. `what` names the call in errors (a path template, never a value).
 */
export const streamGet = Effect.fnUntraced(function* (
  endpoint: DockerEndpoint,
  path: string,
  what: string,
  timeout: Duration.Duration
) {
  const http = yield* HttpClient.HttpClient
  const where = describeEndpoint(endpoint)
  const response = yield* http.execute(HttpClientRequest.get(`${baseUrl(endpoint)}${path}`)).pipe(
    Effect.catchTag("HttpClientError", (error) => Effect.fail(classifyTransport(error.reason, what, endpoint))),
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () =>
        Effect.fail(
          new DockerError({
            reason: "timeout",
            detail: `the Docker daemon at ${where} did not answer ${what} within ${Duration.format(timeout)}`
          })
        )
    }),
    // As DockerClient: no client span, no trace headers sent to the daemon.
    Effect.provideService(HttpClient.TracerDisabledWhen, constTrue)
  )
  if (response.status !== 200) {
    // The body is dropped unread: a daemon's error message may quote a container's configuration.
    yield* Effect.ignore(Effect.timeout(response.text, timeout))
    return yield* Effect.fail(DockerError.status(response.status, what, where))
  }
  return response.stream.pipe(
    Stream.mapError((error) => {
      const code = errorCode(error.reason.cause)
      return new EventStreamCut({
        endpoint: where,
        detail: `broke while ${what} was open${code === undefined ? "" : ` (${code})`}`
      })
    })
  )
})
