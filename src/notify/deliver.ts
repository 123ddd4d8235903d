// Delivering one message to one destination: an attempt has a timeout, transient failures are
// retried with exponential backoff, and the result says how many attempts it took.

import { NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, Layer, Redacted, Schedule, type Scope } from "effect"
import { constTrue } from "effect/Function"
import { HttpClient, type HttpClientError, HttpClientRequest } from "effect/http"
import { VERSION } from "../version.ts"
import {
  ConnectionFailed,
  DeliveryFailed,
  type DeliveryReason,
  DeliveryTimeout,
  errorCode,
  HttpStatus,
  isTransient,
  SmtpFailed
} from "./DeliveryError.ts"
import type { Destination, Smtp } from "./Destination.ts"
import { emailContent, type HttpCall, httpCalls, type ServiceHosts } from "./formats.ts"
import type { Stamped } from "./Message.ts"

export interface DeliverySettings {
  /** How long one attempt may take, connection to answer. */
  readonly timeout: Duration.Duration
  /** Attempts after the first, for transient failures only. */
  readonly retries: number
  /** The delay before the first retry; each next one doubles. */
  readonly backoff: Duration.Duration
}

/**
 * The HTTP client of the notifier: node's http/https without keep-alive. A notification is
 * rare, so a pooled socket would only sit idle; a fresh connection also leaves nothing behind
 * when a receiver hangs and the attempt is cut.
 *
 * Fresh: every layerNodeHttpOptions shares one inner client layer, which a layer graph builds
 * once. In the service, the Docker client's (whose agent speaks to the Docker socket) is built
 * first, and without this the notifier's requests went to dockerd.
 */
export const httpLayer = Layer.fresh(NodeHttpClient.layerNodeHttpOptions({ keepAlive: false }))

const classify = (error: HttpClientError.HttpClientError): DeliveryReason => {
  const reason = error.reason
  if (reason._tag === "StatusCodeError") return new HttpStatus({ status: reason.response.status })
  if (reason._tag === "TransportError") return new ConnectionFailed({ code: errorCode(reason.cause) })
  return new ConnectionFailed({ code: reason._tag })
}

const userAgent = `system-profiler/${VERSION}`

/**
 * One POST. Only the status counts: the body is never read (a receiver may echo the request,
 * token included), and the request is aborted as soon as the status is known.
 */
const post = (client: HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>, call: HttpCall) =>
  Effect.scoped(
    Effect.gen(function* () {
      const request = HttpClientRequest.post(Redacted.value(call.url)).pipe(
        HttpClientRequest.setHeaders({ ...call.headers, "user-agent": userAgent }),
        HttpClientRequest.bodyJsonUnsafe(call.body)
      )
      const response = yield* client.execute(request)
      if (response.status < 200 || response.status > 299) return yield* new HttpStatus({ status: response.status })
    })
  ).pipe(
    Effect.catchTag("HttpClientError", (error) => Effect.fail(classify(error))),
    // No client span: its attributes would carry the URL, and with it the token.
    Effect.provideService(HttpClient.TracerDisabledWhen, constTrue)
  )

const smtpFailure = (error: unknown): SmtpFailed => {
  const responseCode = (error as { responseCode?: unknown } | null)?.responseCode
  return new SmtpFailed({
    code: errorCode(error),
    responseCode: typeof responseCode === "number" && Number.isInteger(responseCode) ? responseCode : null
  })
}

/**
 * One email through nodemailer, loaded only when an smtp:// destination sends, so that a
 * service without one never pays for it. The signal aborts the SMTP session on timeout.
 */
const mail = (destination: Smtp, stamped: Stamped, timeout: Duration.Duration) =>
  Effect.tryPromise({
    try: async (signal) => {
      const { createTransport } = await import("nodemailer")
      const ms = Duration.toMillis(timeout)
      const transport = createTransport({
        host: destination.host,
        port: destination.port,
        secure: destination.security === "tls" || (destination.security === "auto" && destination.port === 465),
        ignoreTLS: destination.security === "none",
        requireTLS: destination.security === "starttls",
        ...(destination.auth === undefined
          ? {}
          : { auth: { user: destination.auth.user, pass: Redacted.value(destination.auth.pass) } }),
        connectionTimeout: ms,
        greetingTimeout: ms,
        socketTimeout: ms,
        logger: false,
        debug: false
      })
      try {
        const { subject, text } = emailContent(stamped)
        await transport.sendMail({
          from:
            destination.fromName === undefined
              ? destination.from
              : { name: destination.fromName, address: destination.from },
          to: [...destination.to],
          subject,
          text,
          signal
        })
      } finally {
        transport.close()
      }
    },
    catch: smtpFailure
  })

export interface Delivered {
  readonly attempts: number
}

/**
 * Delivers `stamped` to `destination`. Telegram's chats are separate requests, and a retry
 * repeats only those that have not yet succeeded, so that no chat gets the message twice.
 */
export const deliver = Effect.fn("Notifier.deliver")(function* (
  destination: Destination,
  stamped: Stamped,
  settings: DeliverySettings,
  hosts: ServiceHosts
): Effect.fn.Return<Delivered, DeliveryFailed, HttpClient.HttpClient> {
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withScope)
  const timeoutMs = Duration.toMillis(settings.timeout)
  let attempts = 0
  // Calls leave this set as they succeed, so that a timeout halfway keeps what was done.
  const pending = new Set<HttpCall>(destination._tag === "smtp" ? [] : httpCalls(destination, stamped, hosts))

  const attempt: Effect.Effect<void, DeliveryReason> = Effect.gen(function* () {
    attempts++
    if (destination._tag === "smtp") return yield* mail(destination, stamped, settings.timeout)
    let firstError: DeliveryReason | undefined
    for (const call of [...pending]) {
      const outcome = yield* Effect.result(post(client, call))
      if (outcome._tag === "Success") pending.delete(call)
      else firstError ??= outcome.failure
    }
    if (firstError !== undefined) return yield* Effect.fail(firstError)
  }).pipe(
    Effect.timeoutOrElse({
      duration: settings.timeout,
      orElse: () => Effect.fail(new DeliveryTimeout({ timeoutMs }))
    })
  )

  yield* attempt.pipe(
    Effect.retry({ schedule: Schedule.exponential(settings.backoff), times: settings.retries, while: isTransient }),
    Effect.mapError((reason) => new DeliveryFailed({ destination: destination.display, attempts, reason }))
  )
  return { attempts }
})
