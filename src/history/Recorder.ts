// Follows the one Sampler and hands the stored history every new sample of a section: the host
// at each host reading, the containers at each container reading, a probe at each of its checks.
// Recording only folds numbers into the store's open minute (the store writes on its own flush
// schedule), so at idle this costs a few object allocations per reading.

import { Cause, Context, Effect, Layer, Result, Stream } from "effect"
import type { ServicesReading } from "../domain/ProbeResult.ts"
import { type Readings, Sampler } from "../sampling/Sampler.ts"
import { containerSamples, hostSample, probeSamples } from "../views/stored.ts"
import { HistoryStore } from "./store/HistoryStore.ts"

export interface HistoryRecorderShape {
  /** Samples handed to the store since start. */
  readonly recorded: Effect.Effect<number>
}

export class HistoryRecorder extends Context.Service<HistoryRecorder, HistoryRecorderShape>()(
  "system-profiler/history/HistoryRecorder"
) {
  static readonly layer = Layer.effect(
    HistoryRecorder,
    Effect.gen(function* () {
      const sampler = yield* Sampler
      const store = yield* HistoryStore
      let recorded = 0
      // The section objects last seen: a change of another section leaves these the same object.
      let host: Readings["host"] | undefined
      let containers: Readings["containers"] | undefined
      let services: Readings["services"] | undefined
      // The probes' reading last recorded, not the sampler's previous one: a check is recorded once
      // even when the stream of changes skipped a reading in between.
      let lastServices: ServicesReading | undefined

      const samplesOf = (r: Readings) => {
        const out = []
        if (r.host !== host) {
          host = r.host
          if (Result.isSuccess(r.host.current)) out.push(hostSample(r.host.current.success, r.host.previous))
        }
        if (r.containers !== containers) {
          containers = r.containers
          if (Result.isSuccess(r.containers.current)) {
            out.push(...containerSamples(r.containers.current.success, r.containers.previous))
          }
        }
        if (r.services !== services) {
          services = r.services
          if (Result.isSuccess(r.services.current)) {
            out.push(...probeSamples(r.services.current.success, lastServices))
            lastServices = r.services.current.success
          }
        }
        return out
      }

      const record = (r: Readings) =>
        Effect.suspend(() => {
          const samples = samplesOf(r)
          if (samples.length === 0) return Effect.void
          recorded += samples.length
          return store.record(samples)
        }).pipe(
          // A reading the view cannot turn into samples costs its samples, never the recording.
          Effect.catchCause((cause) => Effect.logWarning("stored history: samples dropped", Cause.pretty(cause)))
        )

      yield* sampler.changes.pipe(Stream.runForEach(record), Effect.forkScoped)
      return HistoryRecorder.of({ recorded: Effect.sync(() => recorded) })
    })
  )
}
