import { Duration, Effect, Layer, Logger, References } from "effect"
import type { ServiceHosts } from "../../src/notify/formats.ts"
import type { Message } from "../../src/notify/Message.ts"
import { type DeliveryStatus, Notifier, type NotifierShape } from "../../src/notify/Notifier.ts"
import { type NotifySettings, parseNotifyConfig } from "../../src/notify/settings.ts"

export const firing: Message = {
  alertname: "CpuTemperatureHigh",
  severity: "critical",
  state: "firing",
  host: "pi-site",
  subject: null,
  figure: "CPU temperature",
  value: "81.3 °C",
  threshold: "≥ 80 °C for 2m",
  since: "2026-12-02T10:00:00.000Z",
  summary: "The CPU is hot"
}

export const resolved: Message = {
  alertname: "ContainerDown",
  severity: "warning",
  state: "resolved",
  host: "pi-site",
  subject: "web",
  figure: "container state",
  value: "running",
  threshold: "not running for 1m",
  since: "2026-12-02T09:00:00.000Z",
  summary: "The container web is running again"
}

// Short delays so that a whole retry policy runs in well under a second.
export const fastSettings: NotifySettings = {
  timeout: Duration.seconds(30),
  retries: 3,
  backoff: Duration.millis(10),
  queueCapacity: 16
}

/** Every line logged at any level, as JSON, for the tests that look for leaked secrets. */
export const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    lines.push(Logger.formatJson.log(options))
  })
  const layer = Layer.mergeAll(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "Trace"))
  return { lines, layer }
}

/**
 * Runs `body` with a notifier for `urls` (parsed as SYSTEM_PROFILER_NOTIFY is), the fixed
 * service hosts pointed at `hosts`, and the given log layer around its fibers.
 */
export const withNotifier = <A, E>(
  urls: ReadonlyArray<string>,
  options: {
    readonly hosts: ServiceHosts
    readonly settings?: Partial<NotifySettings>
    readonly logs?: Layer.Layer<never>
  },
  body: (notifier: NotifierShape) => Effect.Effect<A, E>
) =>
  Effect.gen(function* () {
    const { destinations } = yield* parseNotifyConfig({ SYSTEM_PROFILER_NOTIFY: urls.join(",") })
    const layer = Notifier.layerWith({
      destinations,
      settings: { ...fastSettings, ...options.settings },
      hosts: options.hosts
    }).pipe(Layer.provide(options.logs ?? Layer.empty))
    return yield* Effect.gen(function* () {
      return yield* body(yield* Notifier)
    }).pipe(Effect.provide(layer))
  })

/** Polls the notifier's status until `done` holds for it; the test's timeout bounds the wait. */
export const statusWhen = (notifier: NotifierShape, done: (status: ReadonlyArray<DeliveryStatus>) => boolean) =>
  Effect.gen(function* () {
    for (;;) {
      const status = yield* notifier.status
      if (done(status)) return status
      yield* Effect.sleep(Duration.millis(20))
    }
  })
