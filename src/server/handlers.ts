import { Cache, Clock, Duration, Effect, Exit, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { AlertLoop } from "../alerts/AlertLoop.ts"
import { ProfilerApi } from "../api/Api.ts"
import { type CollectorFailure, CollectorUnavailable } from "../api/errors.ts"
import { HISTORY_SOURCES, InvalidQuery } from "../api/History.ts"
import { PROMETHEUS_CONTENT_TYPE } from "../api/Metrics.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { HistoryStore } from "../history/store/HistoryStore.ts"
import { parseSpan } from "../history/store/tiers.ts"
import type { Encoded } from "../sampling/Encoded.ts"
import { Feed } from "../sampling/Feed.ts"
import { History } from "../sampling/History.ts"
import { VERSION } from "../version.ts"
import { renderProcess } from "../views/prometheus.ts"
import { storedHistoryView, uptimeView } from "../views/stored.ts"
import { CONNECTION_LIMITS, tooManyStreams } from "./connectionGuard.ts"

const sectionOr503 = <A extends object>(section: A | CollectorFailure) =>
  "collector" in section ? Effect.fail(new CollectorUnavailable(section)) : Effect.succeed(section)

/** The content type of every JSON answer, the /stats fast path's included. */
export const JSON_CONTENT_TYPE = "application/json"

export const PublicHandlers = HttpApiBuilder.group(ProfilerApi, "public", (handlers) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const store = yield* HistoryStore
    const health = { ok: true, mockMode: config.mockMode, version: VERSION }
    return handlers.handle("health", () => Effect.map(store.status, (history) => ({ ...health, history })))
  })
)

// source=stored without a window: the same hour as the memory's default, from the store.
const STORED_DEFAULT_WINDOW = "1h"

// A probe's uptime reads up to a year of stored rows, while the shares barely move in a minute:
// each probe's is read at most once a minute, however often /services is asked. A share with
// no check stored yet is read again at the next request.
const UPTIME_MAX_AGE = Duration.minutes(1)

const cachedUptime = (store: typeof HistoryStore.Service, probes: number) =>
  Cache.makeWith((probe: string) => Effect.map(store.uptime(probe), uptimeView), {
    capacity: Math.max(1, probes),
    timeToLive: (exit) =>
      Exit.isSuccess(exit) && Object.values(exit.value).every((share) => share !== null)
        ? UPTIME_MAX_AGE
        : Duration.zero
  })

const storedHistory = (store: typeof HistoryStore.Service, window: string, step: string | undefined) =>
  store.query({ window, step }).pipe(
    Effect.mapError((e) => new InvalidQuery({ error: e.message })),
    // The store has read the window already: parseSpan cannot fail here.
    Effect.map((result) =>
      HttpServerResponse.text(JSON.stringify(storedHistoryView(result, parseSpan(window) ?? 0)), {
        contentType: JSON_CONTENT_TYPE
      })
    )
  )

// Handlers read the snapshot and never wait on a collector. The hot routes return the bytes
// encoded once per snapshot (see sampling/Encoded.ts) instead of encoding per request.
export const StatsHandlers = HttpApiBuilder.group(ProfilerApi, "stats", (handlers) =>
  Effect.gen(function* () {
    const feed = yield* Feed
    const history = yield* History
    const store = yield* HistoryStore
    const config = yield* AppConfig
    const uptimes = yield* cachedUptime(store, config.services.length)
    const uptimeOf = (probe: string) => Cache.get(uptimes, probe)
    const alertLoop = yield* AlertLoop
    const keptMillis = Duration.toMillis(config.historyWindow)
    // Without a source, a window longer than the hour in memory (`window=7d`), or a step, can only
    // be answered by the store: it is, rather than refused. `source=memory` keeps the old refusal.
    const beyondMemory = (query: { readonly window?: string | undefined; readonly step?: string | undefined }) =>
      query.step !== undefined || (query.window !== undefined && (parseSpan(query.window) ?? 0) > keptMillis)
    return (
      handlers
        // Most GET /stats never get here: server/statsFastPath.ts answers them with the same bytes.
        .handle("stats", () =>
          Effect.map(feed.current, (e) => HttpServerResponse.uint8Array(e.json, { contentType: JSON_CONTENT_TYPE }))
        )
        .handle("host", () => Effect.flatMap(feed.current, (e) => sectionOr503(e.stats.host)))
        .handle("containers", () => Effect.flatMap(feed.current, (e) => sectionOr503(e.stats.containers)))
        .handle("services", () =>
          Effect.flatMap(feed.current, (e) => sectionOr503(e.stats.services)).pipe(
            Effect.flatMap((section) =>
              Effect.map(
                Effect.forEach(section.services, (service) =>
                  Effect.map(uptimeOf(service.name), (uptime) => ({ ...service, uptime }))
                ),
                (services) => ({ ...section, services })
              )
            )
          )
        )
        .handle("stream", () =>
          Effect.map(feed.clients, (open) =>
            open >= CONNECTION_LIMITS.maxStreams
              ? tooManyStreams(CONNECTION_LIMITS.maxStreams)
              : // Snapshots stay the default `message` events; alert changes are named `alert` events.
                HttpServerResponse.stream(Stream.merge(feed.events, alertLoop.events), {
                  contentType: "text/event-stream",
                  // no-transform and X-Accel-Buffering keep proxies (nginx, Next.js) from buffering events.
                  headers: { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" }
                })
          )
        )
        .handle("history", ({ query }) => {
          if (query.source === "stored" || (query.source === undefined && beyondMemory(query))) {
            return storedHistory(store, query.window ?? STORED_DEFAULT_WINDOW, query.step)
          }
          if (query.source !== undefined && query.source !== "memory") {
            return Effect.fail(
              new InvalidQuery({
                error: `source must be ${HISTORY_SOURCES.join(" or ")}; got "${query.source.slice(0, 40)}"`
              })
            )
          }
          if (query.step !== undefined) {
            return Effect.fail(
              new InvalidQuery({ error: "step is only for source=stored; the history in memory has every sample" })
            )
          }
          return Effect.map(history.read(query.window), (body) =>
            HttpServerResponse.text(body, { contentType: JSON_CONTENT_TYPE })
          )
        })
    )
  })
)

const startTimeSeconds = Date.now() / 1000 - process.uptime()
const utf8 = new TextEncoder()

// The process figures (CPU, RSS, open streams) change between snapshots, but a scrape comes at
// most every few seconds: the body is rebuilt when the snapshot or the stream count changes, or
// once a second, and is otherwise the same bytes. Building it per request made a burst of
// scrapes allocate hundreds of MB of short-lived strings, which V8 answered by growing the heap.
const PROCESS_FIGURES_MAX_AGE_MS = 1000

export const MetricsHandlers = HttpApiBuilder.group(ProfilerApi, "metrics", (handlers) =>
  Effect.gen(function* () {
    const feed = yield* Feed
    const config = yield* AppConfig
    const alertLoop = yield* AlertLoop
    let cached:
      | {
          readonly snapshot: Encoded
          readonly clients: number
          readonly alerts: string
          readonly at: number
          readonly body: Uint8Array
        }
      | undefined
    return handlers.handle("metrics", () =>
      Effect.gen(function* () {
        const snapshot = yield* feed.current
        const clients = yield* feed.clients
        const alerts = yield* alertLoop.gauge
        const now = yield* Clock.currentTimeMillis
        if (
          cached === undefined ||
          cached.snapshot !== snapshot ||
          cached.clients !== clients ||
          cached.alerts !== alerts ||
          now - cached.at >= PROCESS_FIGURES_MAX_AGE_MS
        ) {
          const cpu = process.cpuUsage()
          const own = renderProcess({
            version: VERSION,
            mockMode: config.mockMode,
            streamClients: clients,
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
            residentBytes: process.memoryUsage.rss(),
            startTimeSeconds
          })
          cached = { snapshot, clients, alerts, at: now, body: utf8.encode(snapshot.metrics + alerts + own) }
        }
        return HttpServerResponse.uint8Array(cached.body, { contentType: PROMETHEUS_CONTENT_TYPE })
      })
    )
  })
)
