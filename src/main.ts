import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger } from "effect"
import { HttpServer } from "effect/http"
import * as Config from "./config/AppConfig.ts"
import { AppConfig } from "./config/AppConfig.ts"
import { ServerLayer } from "./server/Server.ts"
import { VERSION } from "./version.ts"

const Announce = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const server = yield* HttpServer.HttpServer
    yield* Effect.logInfo("system-profiler listening").pipe(
      Effect.annotateLogs({
        version: VERSION,
        address: HttpServer.formatAddress(server.address),
        mockMode: config.mockMode,
        auth: config.authToken._tag === "Some" ? "token" : "none (loopback only)",
        hostProc: config.hostProc,
        services: config.services.length
      })
    )
  })
)

const Main = Announce.pipe(
  Layer.provideMerge(ServerLayer),
  Layer.provide(Config.layer),
  Layer.provide(Logger.layer([Logger.consoleJson]))
)

Layer.launch(Main).pipe(NodeRuntime.runMain)
