import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"
import { AppRoutes } from "./routes.ts"

// Open streams and keep-alive sockets must not hold a SIGTERM for long: Docker waits 10 s, and
// a deploy waits on us.
const SHUTDOWN_GRACE = "300 millis"

export const NodeServerLayer = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return NodeHttpServer.layer(() => createServer({ keepAliveTimeout: 65_000 }), {
      port: config.port,
      host: config.host,
      gracefulShutdownTimeout: SHUTDOWN_GRACE
    })
  })
)

// The per-request logger is off: at thousands of requests per second it would cost more than
// serving them, and errors are still logged.
export const ServerLayer = HttpRouter.serve(AppRoutes, { disableLogger: true }).pipe(
  Layer.provideMerge(NodeServerLayer)
)
