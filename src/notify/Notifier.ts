import { Cause, Clock, Context, Effect, Exit, Layer, Queue, Ref, Schema, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import { type Destination, DestinationKind } from "./Destination.ts"
import { type DeliverySettings, deliver, httpLayer } from "./deliver.ts"
import { PUBLIC_HOSTS, type ServiceHosts } from "./formats.ts"
import type { Message, Stamped } from "./Message.ts"
import { type NotifySettings, notifyConfig } from "./settings.ts"

/** The last delivery to one destination, as the owner may see it: display form, never the URL. */
export const DeliveryStatus = Schema.Struct({
  destination: Schema.String.annotate({ description: "The destination's display form: no credentials, no query" }),
  kind: DestinationKind,
  result: Schema.Literals(["never", "ok", "error"]).annotate({
    description: "never: nothing sent yet; ok or error: the outcome of the last message"
  }),
  at: Schema.NullOr(Schema.String).annotate({
    description: "ISO 8601: when the last message was delivered or given up"
  }),
  attempts: Schema.Int.annotate({ description: "Attempts the last message took" }),
  error: Schema.NullOr(Schema.String).annotate({ description: "Why the last message failed, for a person to read" }),
  alertname: Schema.NullOr(Schema.String).annotate({ description: "The alert of the last message" }),
  queued: Schema.Int.annotate({ description: "Messages waiting for this destination" }),
  dropped: Schema.Int.annotate({ description: "Messages dropped since start because the queue was full" })
}).annotate({ identifier: "DeliveryStatus" })
export type DeliveryStatus = typeof DeliveryStatus.Type

export interface NotifierShape {
  /** The display form of every destination, in configured order. */
  readonly destinations: ReadonlyArray<string>
  /**
   * Queues `message` for every destination, or only for those whose display form is in `only`,
   * and returns at once: each destination has its own bounded queue and fiber, so a failing or
   * hanging one delays neither the others nor the caller.
   */
  readonly send: (message: Message, only?: ReadonlyArray<string>) => Effect.Effect<void>
  /** The last delivery result per destination, in configured order. */
  readonly status: Effect.Effect<ReadonlyArray<DeliveryStatus>>
}

export interface NotifierOptions {
  readonly destinations: ReadonlyArray<Destination>
  readonly settings: NotifySettings
  /** Where Discord, Slack and Telegram are; only tests change it, to point them at loopback. */
  readonly hosts?: ServiceHosts
}

interface Slot {
  readonly destination: Destination
  readonly queue: Queue.Queue<Stamped>
  readonly last: Ref.Ref<DeliveryStatus>
}

const initial = (destination: Destination): DeliveryStatus => ({
  destination: destination.display,
  kind: destination._tag,
  result: "never",
  at: null,
  attempts: 0,
  error: null,
  alertname: null,
  queued: 0,
  dropped: 0
})

// One destination's fiber: takes a message, delivers it with retries, records the outcome. A
// defect is recorded as an error too, so the fiber never dies and the queue never stalls.
const work = (slot: Slot, settings: DeliverySettings, hosts: ServiceHosts) =>
  Effect.gen(function* () {
    const stamped = yield* Queue.take(slot.queue)
    const exit = yield* Effect.exit(deliver(slot.destination, stamped, settings, hosts))
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const what = {
      destination: slot.destination.display,
      alertname: stamped.message.alertname,
      state: stamped.message.state
    }
    if (Exit.isSuccess(exit)) {
      yield* Ref.update(slot.last, (s) => ({
        ...s,
        result: "ok" as const,
        at,
        attempts: exit.value.attempts,
        error: null,
        alertname: what.alertname
      }))
      yield* Effect.logDebug("notification delivered").pipe(
        Effect.annotateLogs({ event: "notify", ...what, attempts: exit.value.attempts })
      )
      return
    }
    const failure = Cause.findErrorOption(exit.cause)
    // A defect's text is not shown: it could come from anywhere, and quote anything.
    const error = failure._tag === "Some" ? failure.value.reason.message : "an internal error"
    const attempts = failure._tag === "Some" ? failure.value.attempts : 0
    yield* Ref.update(slot.last, (s) => ({
      ...s,
      result: "error" as const,
      at,
      attempts,
      error,
      alertname: what.alertname
    }))
    yield* Effect.logWarning("notification failed").pipe(
      Effect.annotateLogs({ event: "notify", ...what, attempts, error })
    )
  }).pipe(Effect.forever)

const make = (options: NotifierOptions): Effect.Effect<NotifierShape, never, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function* () {
    const hosts = options.hosts ?? PUBLIC_HOSTS
    const { settings } = options
    const slots: Array<Slot> = []
    for (const destination of options.destinations) {
      const slot: Slot = {
        destination,
        // Sliding: when a destination has been down for long, the newest messages (the latest
        // state of each alert) are the ones worth keeping.
        queue: yield* Queue.sliding<Stamped>(settings.queueCapacity),
        last: yield* Ref.make(initial(destination))
      }
      yield* Effect.forkScoped(work(slot, settings, hosts))
      slots.push(slot)
    }

    const send = Effect.fn("Notifier.send")(function* (message: Message, only?: ReadonlyArray<string>) {
      const stamped: Stamped = { message, at: new Date(yield* Clock.currentTimeMillis) }
      for (const slot of slots) {
        if (only !== undefined && !only.includes(slot.destination.display)) continue
        if ((yield* Queue.size(slot.queue)) >= settings.queueCapacity) {
          yield* Ref.update(slot.last, (s) => ({ ...s, dropped: s.dropped + 1 }))
        }
        yield* Queue.offer(slot.queue, stamped)
      }
    })

    const status = Effect.forEach(slots, (slot) =>
      Effect.gen(function* () {
        const last = yield* Ref.get(slot.last)
        return { ...last, queued: yield* Queue.size(slot.queue) }
      })
    )

    return { destinations: options.destinations.map((d) => d.display), send, status }
  })

export class Notifier extends Context.Service<Notifier, NotifierShape>()("system-profiler/notify/Notifier") {
  /** A notifier for the given destinations and settings, with its own HTTP client. */
  static readonly layerWith = (options: NotifierOptions): Layer.Layer<Notifier> =>
    Layer.effect(Notifier, Effect.map(make(options), Notifier.of)).pipe(Layer.provide(httpLayer))

  /**
   * The notifier configured by SYSTEM_PROFILER_NOTIFY and its settings, read through Config.
   * A bad URL or setting fails the layer with a typed error that never holds a credential.
   */
  static readonly layer = Layer.unwrap(Effect.map(notifyConfig, (config) => Notifier.layerWith(config)))

  /** A notifier with no destination: send does nothing, status is empty. */
  static readonly layerNone: Layer.Layer<Notifier> = Layer.succeed(
    Notifier,
    Notifier.of({ destinations: [], send: () => Effect.void, status: Effect.succeed([]) })
  )
}
