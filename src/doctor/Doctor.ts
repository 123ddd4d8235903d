// The setup doctor: every prerequisite of a live deployment checked on this machine, each with
// ok / warn / fail, a one-line finding and the fix in plain words. Served by GET /doctor, run by
// `npm run doctor` (src/doctor/main.ts), and logged once at start (src/main.ts).

import { existsSync, statSync } from "node:fs"
import * as os from "node:os"
import { Cause, Config, Context, Duration, Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { checkThermal, checkUnderVoltage } from "./board.ts"
import type { CheckName, CheckResult, DoctorInput, DoctorReport, Finding, ProcessView } from "./Check.ts"
import { warn } from "./Check.ts"
import { checkClock } from "./clock.ts"
import { checkDataDir, DATA_DIR_ENV, dataDirFrom } from "./dataDir.ts"
import { checkDocker } from "./docker.ts"
import { checkCgroupMemory, checkPsi } from "./kernel.ts"
import { checkHostProc, checkHostRoot, checkHostSys } from "./mounts.ts"
import { checkPort } from "./port.ts"

type Check = (input: DoctorInput) => Effect.Effect<Finding, unknown>

/** In the order a person fixes them: the mounts first, since most other checks read through them. */
const CHECKS: ReadonlyArray<readonly [CheckName, Check]> = [
  ["host-proc", checkHostProc],
  ["host-sys", checkHostSys],
  ["host-root", checkHostRoot],
  ["docker", checkDocker],
  ["cgroup-memory", checkCgroupMemory],
  ["psi", checkPsi],
  ["thermal", checkThermal],
  ["under-voltage", checkUnderVoltage],
  ["data-dir", checkDataDir],
  ["clock", checkClock],
  ["port", checkPort]
]

// A file under /sys may block in its driver; the Docker call has its own timeout inside this one.
const GRACE = Duration.seconds(5)

const describe = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/** One check, always with a result: a check that cannot run says so as a warning. */
const runCheck = (name: CheckName, check: Check, input: DoctorInput): Effect.Effect<CheckResult> =>
  check(input).pipe(
    Effect.timeoutOrElse({
      duration: Duration.sum(input.dockerTimeout, GRACE),
      orElse: () =>
        Effect.succeed(
          warn(
            `did not finish within ${Duration.format(Duration.sum(input.dockerTimeout, GRACE))}`,
            "run `npm run doctor` again; a read that hangs points at a driver or a mount"
          )
        )
    }),
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.succeed(warn(`could not be checked: ${describe(cause)}`, "see the reason; then run the doctor again"))
    ),
    Effect.map((finding): CheckResult => ({ name, ...finding }))
  )

/** Every check, concurrently; the report is not ok when any of them fails. */
export const runChecks = Effect.fn("doctor.runChecks")(function* (input: DoctorInput) {
  const checks = yield* Effect.forEach(CHECKS, ([name, check]) => runCheck(name, check, input), {
    concurrency: "unbounded"
  })
  return { checks, ok: checks.every((c) => c.status !== "fail") } satisfies DoctorReport
})

/** This process as it is now (after the start-up drop of root, which changes the user). */
export const currentProcess = (): ProcessView => ({
  pid: process.pid,
  hostname: os.hostname(),
  inContainer: existsSync("/.dockerenv") || existsSync("/run/.containerenv"),
  rootDevice: statSync("/").dev,
  user:
    process.getuid === undefined || process.getgid === undefined
      ? null
      : { uid: process.getuid(), gid: process.getgid(), groups: process.getgroups?.() ?? [] }
})

export interface DoctorShape {
  /** Runs every check now. */
  readonly run: Effect.Effect<DoctorReport>
}

export class Doctor extends Context.Service<Doctor, DoctorShape>()("system-profiler/doctor/Doctor") {
  /** The checks over the configured trees, Docker endpoint and data directory. */
  static readonly layer = Layer.effect(
    Doctor,
    Effect.gen(function* () {
      const config = yield* AppConfig
      // Read here until the store adds the data directory to AppConfig.
      const dataDirSetting = yield* Config.String(DATA_DIR_ENV).pipe(
        Config.withDefault(""),
        Effect.orElseSucceed(() => "")
      )
      return Doctor.of({
        run: Effect.suspend(() => {
          const self = currentProcess()
          return runChecks({
            paths: { proc: config.hostProc, sys: config.hostSys, root: config.hostRoot },
            self,
            docker: config.docker,
            dockerTimeout: config.dockerTimeout,
            dataDir: dataDirFrom(dataDirSetting, self.inContainer, process.cwd()),
            port: config.port
          })
        })
      })
    })
  )
}

/**
 * The start-up log: one line per check that warns or fails, once, without holding up the start.
 * In mock mode nothing is read from the host or Docker, so nothing is checked at start.
 */
export const StartupDiagnosis = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* AppConfig
    if (config.mockMode) return
    const doctor = yield* Doctor
    yield* doctor.run.pipe(Effect.flatMap(logProblems), Effect.forkScoped)
  })
).pipe(Layer.provide(Doctor.layer))

export const logProblems = (report: DoctorReport): Effect.Effect<void> => {
  const problems = report.checks.filter((c) => c.status !== "ok")
  if (problems.length === 0) {
    return Effect.logInfo(`doctor: all ${report.checks.length} checks ok`).pipe(
      Effect.annotateLogs({ event: "doctor" })
    )
  }
  return Effect.forEach(
    problems,
    (c) =>
      (c.status === "fail" ? Effect.logError : Effect.logWarning)(`doctor: ${c.name} ${c.status}: ${c.finding}`).pipe(
        Effect.annotateLogs({ event: "doctor", check: c.name, status: c.status, fix: c.fix ?? "" })
      ),
    { discard: true }
  )
}
