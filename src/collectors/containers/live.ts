import { Clock, Effect, Layer } from "effect"
import type { ContainerInfo } from "../../api/ContainerStats.ts"
import { AppConfig } from "../../config/AppConfig.ts"
import { type Negotiated, negotiate } from "./apiVersion.ts"
import { ContainerCollector } from "./ContainerCollector.ts"
import { containerInfo, type PreviousCpu, summarize } from "./containerInfo.ts"
import * as DockerClient from "./DockerClient.ts"
import { DockerError } from "./DockerError.ts"
import {
  ContainerInspect,
  ContainerList,
  type ContainerListItem,
  ContainerStatsAnswer,
  DockerVersion
} from "./dockerSchemas.ts"

const vanished = <A>(effect: Effect.Effect<A, DockerError>) =>
  Effect.catchIf(
    effect,
    (e) => e.reason === "not-found",
    () => Effect.succeed(undefined)
  )

export const make = Effect.gen(function* () {
  const config = yield* AppConfig
  const docker = yield* DockerClient.DockerClient
  // Negotiated once, and again after any failure: a daemon that comes back may be a new version.
  let negotiated: Negotiated | undefined
  const previousCpu = new Map<string, PreviousCpu>()
  const labelFilter = encodeURIComponent(JSON.stringify({ label: [config.stackLabel] }))

  const apiVersion = Effect.gen(function* () {
    if (negotiated !== undefined) return negotiated
    const daemon = yield* docker.get("/version", DockerVersion, "GET /version")
    const result = negotiate(daemon)
    if (result._tag === "Unsupported") {
      return yield* new DockerError({
        reason: "bad-response",
        detail: `cannot talk to ${docker.endpoint}: ${result.problem}`
      })
    }
    negotiated = result.negotiated
    yield* Effect.logInfo("docker API negotiated").pipe(
      Effect.annotateLogs({ endpoint: docker.endpoint, apiVersion: negotiated.version, oneShot: negotiated.oneShot })
    )
    return negotiated
  })

  // A stats call that times out leaves the container in with null figures, since one wedged
  // cgroup must not hide the others. "vanished" when the container went away meanwhile.
  const statsOf = (api: Negotiated, id: string, name: string) =>
    docker
      .get(
        `/v${api.version}/containers/${id}/stats?${api.oneShot ? "stream=false&one-shot=true" : "stream=false"}`,
        ContainerStatsAnswer,
        "GET /containers/{id}/stats"
      )
      .pipe(
        Effect.map((stats): ContainerStatsAnswer | "vanished" | undefined => stats),
        Effect.catchIf(
          (e) => e.reason === "not-found",
          () => Effect.succeed("vanished" as const)
        ),
        Effect.catchIf(
          (e) => e.reason === "timeout",
          (e) =>
            Effect.as(
              Effect.logWarning("container stats timed out").pipe(
                Effect.annotateLogs({ container: name, error: e.detail })
              ),
              undefined
            )
        )
      )

  // Inspect gives the health, restart count and start time (for every container: a restarting
  // one is seldom running when listed); stats only for a running one. A 404 on either means the
  // container went away after the list: it is left out, not an error. Every call has its own
  // timeout, so a container costs at most two of them; an inspect that times out means the
  // daemon itself hangs, and fails the sample.
  const one = (api: Negotiated, item: ContainerListItem) =>
    Effect.gen(function* () {
      const id = encodeURIComponent(item.Id)
      const inspect = yield* vanished(
        docker.get(`/v${api.version}/containers/${id}/json`, ContainerInspect, "GET /containers/{id}/json")
      )
      if (inspect === undefined) return undefined
      const stats =
        inspect.State.Status === "running"
          ? yield* statsOf(api, id, (item.Names?.[0] ?? item.Id).replace(/^\//, ""))
          : undefined
      if (stats === "vanished") return undefined
      const now = yield* Clock.currentTimeMillis
      const { info, cpu } = containerInfo(item, inspect, stats, previousCpu.get(item.Id), now)
      if (cpu !== undefined) previousCpu.set(item.Id, cpu)
      return info
    })

  const sample = Effect.gen(function* () {
    const api = yield* apiVersion
    const list = yield* docker.get(
      `/v${api.version}/containers/json?all=true&filters=${labelFilter}`,
      ContainerList,
      "GET /containers/json"
    )
    const found = yield* Effect.forEach(list, (item) => one(api, item), { concurrency: config.dockerConcurrency })
    const containers = found
      .filter((c): c is ContainerInfo => c !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    const listed = new Set(list.map((item) => item.Id))
    for (const id of previousCpu.keys()) if (!listed.has(id)) previousCpu.delete(id)
    const now = yield* Clock.currentTimeMillis
    return { sampledAt: new Date(now).toISOString(), containers, summary: summarize(containers) }
  }).pipe(
    Effect.tapError(() =>
      Effect.sync(() => {
        negotiated = undefined
      })
    ),
    Effect.mapError((e) => e.toCollectorError())
  )

  return ContainerCollector.of({ sample })
})

/** The collector on the configured DOCKER_HOST. */
export const layerLive = Layer.effect(ContainerCollector, make).pipe(Layer.provide(DockerClient.layer))
