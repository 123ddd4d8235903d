import { Config, Duration, Effect, Option } from "effect"
import { type Env, readDuration, readInteger } from "../config/values.ts"
import { type Destination, parseDestinations } from "./Destination.ts"
import type { DeliverySettings } from "./deliver.ts"

export const NOTIFY_VARIABLE = "SYSTEM_PROFILER_NOTIFY"
export const TIMEOUT_VARIABLE = "SYSTEM_PROFILER_NOTIFY_TIMEOUT"
export const RETRIES_VARIABLE = "SYSTEM_PROFILER_NOTIFY_RETRIES"
export const BACKOFF_VARIABLE = "SYSTEM_PROFILER_NOTIFY_BACKOFF"
export const QUEUE_VARIABLE = "SYSTEM_PROFILER_NOTIFY_QUEUE"

export interface NotifySettings extends DeliverySettings {
  /** Messages waiting per destination; past it the oldest waiting one is dropped. */
  readonly queueCapacity: number
}

export interface NotifyConfig {
  readonly destinations: ReadonlyArray<Destination>
  readonly settings: NotifySettings
}

export const DEFAULT_SETTINGS: NotifySettings = {
  timeout: Duration.seconds(10),
  retries: 3,
  backoff: Duration.seconds(2),
  queueCapacity: 64
}

/** Timeout, retries, backoff and queue size from environment values; each bad one is a ConfigInvalid naming it. */
export const parseNotifySettings = (env: Env) =>
  Effect.gen(function* () {
    return {
      timeout: yield* readDuration(env, TIMEOUT_VARIABLE, DEFAULT_SETTINGS.timeout, {
        min: Duration.millis(100),
        max: Duration.minutes(2)
      }),
      retries: yield* readInteger(env, RETRIES_VARIABLE, DEFAULT_SETTINGS.retries, 0, 10),
      backoff: yield* readDuration(env, BACKOFF_VARIABLE, DEFAULT_SETTINGS.backoff, {
        min: Duration.millis(10),
        max: Duration.minutes(10)
      }),
      queueCapacity: yield* readInteger(env, QUEUE_VARIABLE, DEFAULT_SETTINGS.queueCapacity, 1, 10_000)
    } satisfies NotifySettings
  })

/** The notifier's configuration from environment values; each bad one is a typed error naming it. */
export const parseNotifyConfig = (env: Env) =>
  Effect.gen(function* () {
    const destinations = yield* parseDestinations(env[NOTIFY_VARIABLE] ?? "", NOTIFY_VARIABLE)
    const settings = yield* parseNotifySettings(env)
    return { destinations, settings } satisfies NotifyConfig
  })

const VARIABLES = [NOTIFY_VARIABLE, TIMEOUT_VARIABLE, RETRIES_VARIABLE, BACKOFF_VARIABLE, QUEUE_VARIABLE] as const

/**
 * The same, read through Effect's Config (the ConfigProvider in context: the environment in the
 * service, a map in tests). Durations keep the syntax of every other variable here (500ms, 10s, 2m).
 */
export const notifyConfig = Effect.gen(function* () {
  const env: Record<string, string | undefined> = {}
  for (const name of VARIABLES) env[name] = Option.getOrUndefined(yield* Config.option(Config.String(name)))
  return yield* parseNotifyConfig(env)
})
