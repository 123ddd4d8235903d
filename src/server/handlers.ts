import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { type CollectorFailure, CollectorUnavailable, isCollectorFailure } from "../api/errors.ts"
import { PROMETHEUS_CONTENT_TYPE } from "../api/Metrics.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { renderProcess } from "../metrics/render.ts"
import { Feed } from "../sampling/Feed.ts"
import { History } from "../sampling/History.ts"
import { Snapshot } from "../sampling/Snapshot.ts"
import { VERSION } from "../version.ts"

const sectionOr503 = <A extends object>(section: A | CollectorFailure) =>
  isCollectorFailure(section) ? Effect.fail(new CollectorUnavailable(section)) : Effect.succeed(section as A)

const JSON_TYPE = "application/json"

export const PublicHandlers = HttpApiBuilder.group(ProfilerApi, "public", (handlers) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const health = { ok: true, mockMode: config.mockMode, version: VERSION }
    return handlers.handle("health", () => Effect.succeed(health))
  })
)

// Handlers read the snapshot and never wait on a collector. The hot routes return the bytes
// encoded once per snapshot (see sampling/Encoded.ts) instead of encoding per request.
export const StatsHandlers = HttpApiBuilder.group(ProfilerApi, "stats", (handlers) =>
  Effect.gen(function* () {
    const snapshot = yield* Snapshot
    const feed = yield* Feed
    const history = yield* History
    return handlers
      .handle("stats", () =>
        Effect.map(feed.current, (e) => HttpServerResponse.uint8Array(e.json, { contentType: JSON_TYPE }))
      )
      .handle("host", () => Effect.flatMap(snapshot.current, (s) => sectionOr503(s.host)))
      .handle("containers", () => Effect.flatMap(snapshot.current, (s) => sectionOr503(s.containers)))
      .handle("services", () => Effect.flatMap(snapshot.current, (s) => sectionOr503(s.services)))
      .handle("stream", () =>
        Effect.succeed(
          HttpServerResponse.stream(feed.events, {
            contentType: "text/event-stream",
            // no-transform and X-Accel-Buffering keep proxies (nginx, Next.js) from buffering events.
            headers: { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" }
          })
        )
      )
      .handle("history", ({ query }) =>
        Effect.map(history.read(query.window), (body) => HttpServerResponse.text(body, { contentType: JSON_TYPE }))
      )
  })
)

const startTimeSeconds = Date.now() / 1000 - process.uptime()

export const MetricsHandlers = HttpApiBuilder.group(ProfilerApi, "metrics", (handlers) =>
  Effect.gen(function* () {
    const feed = yield* Feed
    return handlers.handle("metrics", () =>
      Effect.gen(function* () {
        const current = yield* feed.current
        const cpu = process.cpuUsage()
        const own = renderProcess({
          version: VERSION,
          streamClients: yield* feed.clients,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          residentBytes: process.memoryUsage.rss(),
          startTimeSeconds
        })
        return HttpServerResponse.text(current.metrics + own, { contentType: PROMETHEUS_CONTENT_TYPE })
      })
    )
  })
)
