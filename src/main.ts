// First: it sizes libuv's thread pool, which must happen before anything uses the pool.
import "./kernel/threadpool.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer, Logger, References, type Runtime } from "effect"
import { HttpServer } from "effect/http"
import * as Config from "./config/AppConfig.ts"
import { AppConfig } from "./config/AppConfig.ts"
import { StartupDiagnosis } from "./doctor/Doctor.ts"
import { exitPastStuckCalls } from "./kernel/blocking.ts"
import { describePrivileges, dropPrivileges } from "./privileges.ts"
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

// The setup doctor's warnings and failures are logged once, after the listener is up.
const Main = Layer.mergeAll(Announce, StartupDiagnosis).pipe(
  Layer.provideMerge(ServerLayer),
  Layer.provide(Config.layer)
)

// One JSON line per event, startup failures included, so that a log shipper never has to parse
// a stack trace to learn which variable was wrong.
const reportFailure = (cause: Cause.Cause<unknown>) => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.void
  const error = Cause.squash(cause)
  return Effect.logError(error instanceof Error ? error.message : Cause.pretty(cause)).pipe(
    Effect.annotateLogs({ event: "startup-failed" })
  )
}

// Root, in the container, gives way to the unprivileged user before anything else runs (see
// privileges.ts); a failure to do so stops the start.
const DropPrivileges = Effect.try({ try: () => dropPrivileges(process.env), catch: (cause) => cause }).pipe(
  Effect.flatMap((outcome) =>
    Effect.logInfo(describePrivileges(outcome)).pipe(Effect.annotateLogs({ event: "privileges" }))
  )
)

const program = DropPrivileges.pipe(
  Effect.andThen(Layer.launch(Main)),
  Effect.tapCause(reportFailure),
  Effect.provide(Logger.layer([Logger.consoleJson])),
  // No span is ever exported (there is no tracer to send them to), yet every HTTP request served
  // and every Docker call made would build one with its attributes: pure cost at idle and under load.
  Effect.provideService(References.TracerEnabled, false)
)

// A stop on SIGTERM/SIGINT is the normal end of a service, so it exits 0 (docker shows
// "Exited (0)"); any other end is a failure.
// A call stuck in a dead mount would hold the exit forever (see exitPastStuckCalls).
const teardown: Runtime.Teardown = (exit, onExit) => {
  const code = Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1
  exitPastStuckCalls(code)
  onExit(code)
}

NodeRuntime.runMain(program, { disableErrorReporting: true, teardown })
