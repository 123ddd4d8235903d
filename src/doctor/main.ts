// `npm run doctor` (and `node dist/doctor.js` in the image): every check, printed with its fix;
// exit code 1 when any fails, 2 when the configuration itself is invalid.
//
// In the container it starts as root, like the service: it drops to SYSTEM_PROFILER_RUN_AS first
// (src/privileges.ts), so that it sees the socket and the data directory as the service does.

import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, References } from "effect"
import * as Config from "../config/AppConfig.ts"
import { dropPrivileges } from "../privileges.ts"
import { Doctor } from "./Doctor.ts"
import { formatReport } from "./format.ts"

const program = Effect.gen(function* () {
  yield* Effect.try({ try: () => dropPrivileges(process.env), catch: (cause) => cause })
  const doctor = yield* Doctor
  const report = yield* doctor.run
  process.stdout.write(formatReport(report))
  process.exitCode = report.ok ? 0 : 1
}).pipe(
  Effect.provide(Doctor.layer.pipe(Layer.provide(Config.layer))),
  Effect.catch((error) =>
    Effect.sync(() => {
      process.stderr.write(`doctor: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = 2
    })
  ),
  Effect.provideService(References.TracerEnabled, false)
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
