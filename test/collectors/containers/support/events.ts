// ContainerEvents in a runtime of its own for a suite: on a given DOCKER_HOST and stack label,
// with every log line and every event `changes` gave (with the time it arrived) recorded.

import { Effect, Layer, Logger, ManagedRuntime, Stream } from "effect"
import type { ContainerEvent } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import {
  ContainerEvents,
  type ContainerEventsOptions
} from "../../../../src/collectors/containers/events/ContainerEvents.ts"
import { EventStore } from "../../../../src/collectors/containers/events/EventStore.ts"
import { layerTest } from "../../../../src/config/AppConfig.ts"

export interface Arrival {
  readonly event: ContainerEvent
  /** Date.now() when `changes` gave it. */
  readonly at: number
}

export type EventsUnderTest = Awaited<ReturnType<typeof startEvents>>

export const startEvents = async (settings: {
  readonly dockerHost: string
  readonly stackLabel: string
  readonly options?: Partial<ContainerEventsOptions>
  readonly store?: Layer.Layer<EventStore>
}) => {
  const logs: Array<string> = []
  const capture = Logger.layer([Logger.make((o) => logs.push(Logger.formatJson.log(o)))])
  const runtime = ManagedRuntime.make(
    ContainerEvents.layerLive(settings.options).pipe(
      Layer.provide(settings.store ?? EventStore.layerMemory()),
      Layer.provide(layerTest({ DOCKER_HOST: settings.dockerHost, SYSTEM_PROFILER_STACK_LABEL: settings.stackLabel })),
      Layer.provide(capture)
    )
  )
  const service = await runtime.runPromise(Effect.service(ContainerEvents))
  const arrivals: Array<Arrival> = []
  // Started at once, so that it has subscribed when this returns: no event can slip past it.
  await runtime.runPromise(
    Effect.forkDetach(
      Stream.runForEach(service.changes, (event) => Effect.sync(() => arrivals.push({ event, at: Date.now() }))),
      { startImmediately: true }
    )
  )
  return {
    runtime,
    service,
    logs,
    arrivals,
    timeline: (windowMillis = 3_600_000) => runtime.runPromise(service.timeline(windowMillis)),
    crashLoops: (windowMillis = 3_600_000) => runtime.runPromise(service.crashLoops(windowMillis)),
    status: () => runtime.runPromise(service.status),
    dispose: () => runtime.dispose()
  }
}

/** Any value as JSON, bigints as strings: to search a value for a string. */
export const asText = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v))
