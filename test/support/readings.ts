// The collectors as the API shows them: a collector's readers composed with their views, for
// tests that assert on the JSON a client gets from a given kernel tree, daemon or probe.
import { Duration, Effect, Result } from "effect"
import { ContainerCollector } from "../../src/collectors/containers/ContainerCollector.ts"
import { makeHostReader } from "../../src/collectors/host/collector.ts"
import { mockHostReading } from "../../src/collectors/host/mock.ts"
import type { Probe } from "../../src/collectors/services/check.ts"
import { type CollectorSettings, makeServiceReader } from "../../src/collectors/services/collector.ts"
import type { ContainersReading } from "../../src/domain/ContainerReading.ts"
import type { HostReading } from "../../src/domain/HostReading.ts"
import type { ServicesReading } from "../../src/domain/ProbeResult.ts"
import { SampleError, type Section, SourceUnavailable } from "../../src/domain/SampleError.ts"
import type { KernelFs } from "../../src/kernel/fs.ts"
import type { Readings, Sampled } from "../../src/sampling/Sampler.ts"
import { containersView } from "../../src/views/containers.ts"
import { hostView } from "../../src/views/host.ts"
import { servicesView } from "../../src/views/services.ts"

const BUDGET = Duration.seconds(29)

/** The host's reader and its view, keeping the previous reading as the sampler does. */
export const makeHostSampler = (options: {
  readonly paths: KernelFs
  readonly networkExclude: ReadonlyArray<string>
  readonly extraDisks: ReadonlyArray<string>
}) =>
  Effect.gen(function* () {
    const read = yield* makeHostReader({ ...options, fs: options.paths })
    let previous: HostReading | undefined
    return Effect.gen(function* () {
      const current = yield* read(BUDGET)
      const stats = hostView(current, previous)
      previous = current
      return stats
    })
  })

/** The mock host as the API shows it at `now`, its rates over the 5 s before. */
export const mockHostStats = (now: number) => hostView(mockHostReading(now), mockHostReading(now - 5000))

/** The probes' reader and its view. */
export const makeServiceCollector = (
  settings: CollectorSettings & { readonly budget?: Duration.Duration },
  probe?: Probe
) => {
  const { read } = makeServiceReader(settings, probe)
  return { sample: Effect.map(read(settings.budget ?? BUDGET), servicesView) }
}

// The previous reading of each collector instance, as the sampler keeps it.
const previousContainers = new WeakMap<object, ContainersReading>()

/** One reading of the ContainerCollector as GET /containers shows it, with CPU % against the collector's previous one. */
export const sampleContainers = Effect.flatMap(ContainerCollector, (collector) =>
  Effect.map(collector.read(), (current) => {
    const stats = containersView(current, previousContainers.get(collector))
    previousContainers.set(collector, current)
    return stats
  })
)

const sampled = <R>(current: Result.Result<R, SampleError>, previous: R | undefined, at: number): Sampled<R> => ({
  current,
  previous,
  at
})

/** Readings of every section, the way the sampler holds them: a reading (with the one before), or a failure. */
export const readingsOf = (
  at: number,
  sections: {
    readonly host: HostReading | SampleError
    readonly previousHost?: HostReading | undefined
    readonly containers: ContainersReading | SampleError
    readonly previousContainers?: ContainersReading | undefined
    readonly services: ServicesReading | SampleError
  }
): Readings => {
  const of = <R>(r: R | SampleError): Result.Result<R, SampleError> =>
    r instanceof SampleError ? Result.fail(r) : Result.succeed(r)
  return {
    at,
    host: sampled(of(sections.host), sections.previousHost, at),
    containers: sampled(of(sections.containers), sections.previousContainers, at),
    services: sampled(of(sections.services), undefined, at)
  }
}

/** A failed section, as a collector fails it. */
export const failedSection = (section: Section) =>
  new SampleError({ section, reason: new SourceUnavailable({ detail: "down" }) })
