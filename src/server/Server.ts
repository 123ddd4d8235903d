import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"
import { Feed } from "../sampling/Feed.ts"
import { CONNECTION_LIMITS, guardServer, serverOptions } from "./connectionGuard.ts"
import { refuseExposure } from "./exposure.ts"
import { ListenFailed } from "./ListenFailed.ts"
import { ReadingLayer, Routes } from "./routes.ts"
import { statsFastPath, withFastPath } from "./statsFastPath.ts"

// Open streams and keep-alive sockets must not hold a SIGTERM for long: Docker waits 10 s, and
// a deploy waits on us.
const SHUTDOWN_GRACE = "300 millis"

const NodeServerLayer = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const feed = yield* Feed
    // The guard goes on last so that it runs first (see connectionGuard.ts).
    const tokenSet = Option.isSome(config.authToken)
    const server = guardServer(createServer(serverOptions(CONNECTION_LIMITS)), {
      tokenSet,
      limits: CONNECTION_LIMITS
    })
    const fastPath = statsFastPath(config.authToken, feed.currentUnsafe)
    const listening = Layer.effect(
      HttpServer.HttpServer,
      Effect.map(
        NodeHttpServer.make(() => server, { port: config.port, host: config.host }),
        (node) => withFastPath(server, node, fastPath, SHUTDOWN_GRACE)
      )
    ).pipe(Layer.merge(NodeHttpServer.layerHttpServices))
    // Node's listen error reaches us as a ServeError with an empty message.
    const failed = (error: ListenFailed): Effect.Effect<Layer.Layer<Layer.Success<typeof listening>>, ListenFailed> =>
      Effect.fail(error)
    return listening.pipe(
      Layer.catchTag("ServeError", (error) =>
        Layer.unwrap(failed(ListenFailed.fromCause(config.host, config.port, error.cause)))
      ),
      Layer.tap(() => refuseExposure(server, tokenSet))
    )
  })
)

// The per-request logger is off: at thousands of requests per second it would cost more than
// serving them, and errors are still logged. The /stats fast path is the server's request
// handler (statsFastPath.ts).
const Serve = HttpRouter.serve(Routes, { disableLogger: true })

export const ServerLayer = Serve.pipe(Layer.provideMerge(NodeServerLayer), Layer.provide(ReadingLayer))
