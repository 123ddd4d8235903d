// The port the service listens on (PORT), as its clients will reach it. fetch, which the typed
// client, the Next.js web app and every browser use, refuses the Fetch standard's bad ports before
// it connects: a profiler on one of them answers curl and Prometheus, and never the dashboard.
// The client names this when it happens (src/client/ProfilerUnreachable.ts); this check names it
// before the web app is set up.

import { Effect } from "effect"
import { DEFAULT_PORT } from "../config/AppConfig.ts"
import type { DoctorInput, Finding } from "./Check.ts"
import { fail, ok, warn } from "./Check.ts"

/**
 * The Fetch standard's bad ports (https://fetch.spec.whatwg.org/#port-blocking), as Node's fetch
 * refuses them; test/doctor/port.test.ts holds the two to the same list.
 */
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080
])

export const portFinding = (port: number): Finding => {
  if (port === 0) {
    return warn(
      "PORT is 0: the service listens on a port the kernel picks at each start, which the web app cannot know in advance",
      `set PORT to a fixed port (${DEFAULT_PORT} is the default)`
    )
  }
  if (FETCH_BAD_PORTS.has(port)) {
    return fail(
      `PORT ${port} is one of the Fetch standard's bad ports: fetch (the web app, the typed client, every browser) never connects to it, though curl and Prometheus do`,
      `set PORT to another port (${DEFAULT_PORT} is the default) and the web app's base URL with it`
    )
  }
  return ok(`the service listens on port ${port}, which fetch and browsers connect to`)
}

/** PORT as the configuration read it; nothing on the machine is read. */
export const checkPort = (input: DoctorInput) => Effect.succeed(portFinding(input.port))
