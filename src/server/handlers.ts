import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ProfilerApi } from "../api/Api.ts"
import { type CollectorFailure, CollectorUnavailable, isCollectorFailure } from "../api/errors.ts"
import { AppConfig } from "../config/AppConfig.ts"
import { Snapshot } from "../sampling/Snapshot.ts"
import { VERSION } from "../version.ts"

const sectionOr503 = <A extends object>(section: A | CollectorFailure) =>
  isCollectorFailure(section) ? Effect.fail(new CollectorUnavailable(section)) : Effect.succeed(section as A)

export const PublicHandlers = HttpApiBuilder.group(ProfilerApi, "public", (handlers) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const health = { ok: true, mockMode: config.mockMode, version: VERSION }
    return handlers.handle("health", () => Effect.succeed(health))
  })
)

// Handlers read the snapshot and never wait on a collector.
export const StatsHandlers = HttpApiBuilder.group(ProfilerApi, "stats", (handlers) =>
  Effect.gen(function* () {
    const snapshot = yield* Snapshot
    return handlers
      .handle("stats", () => snapshot.current)
      .handle("host", () => Effect.flatMap(snapshot.current, (s) => sectionOr503(s.host)))
      .handle("containers", () => Effect.flatMap(snapshot.current, (s) => sectionOr503(s.containers)))
      .handle("services", () => Effect.flatMap(snapshot.current, (s) => sectionOr503(s.services)))
  })
)
