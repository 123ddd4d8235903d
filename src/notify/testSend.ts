// `npm run notify:test -- <url>`: sends one test message to a destination URL and prints the
// outcome under the URL's display form; exit code 0 when it arrived, 1 otherwise. Timeout,
// retries and backoff come from the same variables as the service's (SYSTEM_PROFILER_NOTIFY_*).

import { hostname } from "node:os"
import { Effect } from "effect"
import { parseDestination } from "./Destination.ts"
import { deliver, httpLayer } from "./deliver.ts"
import { PUBLIC_HOSTS } from "./formats.ts"
import type { Message } from "./Message.ts"
import { parseNotifySettings } from "./settings.ts"

export const testMessage = (host: string, now: Date): Message => ({
  alertname: "NotifyTest",
  severity: "info",
  state: "firing",
  host,
  subject: null,
  figure: "Notification test",
  value: "sent",
  threshold: "none",
  since: now.toISOString(),
  summary: "A test message from system-profiler: this destination works."
})

const USAGE = "usage: npm run notify:test -- <destination URL>   (e.g. ntfy://ntfy.sh/my-topic)"

/** Runs the test send and returns the exit code; every line it prints holds display forms only. */
export const run = (args: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>>) =>
  Effect.gen(function* () {
    if (args.length !== 1 || args[0]!.trim() === "") {
      yield* Effect.sync(() => console.error(USAGE))
      return 1
    }
    const settings = yield* parseNotifySettings(env)
    const destination = yield* parseDestination(args[0]!, "notify:test")
    const now = new Date()
    yield* Effect.sync(() => console.log(`sending a test message to ${destination.display}`))
    const delivered = yield* deliver(
      destination,
      { message: testMessage(hostname(), now), at: now },
      settings,
      PUBLIC_HOSTS
    )
    yield* Effect.sync(() =>
      console.log(
        `ok: ${destination.display} accepted the message (${delivered.attempts} attempt${delivered.attempts === 1 ? "" : "s"})`
      )
    )
    return 0
  }).pipe(
    Effect.catch((error) => Effect.sync(() => console.error(`failed: ${error.message}`)).pipe(Effect.as(1))),
    Effect.provide(httpLayer)
  )

if (import.meta.main) {
  process.exitCode = await Effect.runPromise(run(process.argv.slice(2), process.env))
}
