import type { Server } from "node:http"
import { Effect } from "effect"
import { ConfigInvalid } from "../config/ConfigInvalid.ts"
import { exposure } from "./connectionGuard.ts"

/**
 * Fails the start when `server` is bound to an address that is not loopback and no token is set
 * (HOST=localhost resolved to a LAN address). The guard refuses every request meanwhile, so
 * nothing is served in between.
 */
export const refuseExposure = (server: Server, tokenSet: boolean) =>
  Effect.suspend(() => {
    const problem = exposure(server.address(), tokenSet)
    if (problem === undefined) return Effect.void
    return Effect.fail(
      new ConfigInvalid({
        variable: "HOST",
        accepts: "a loopback address (127.0.0.1 or ::1) when SYSTEM_PROFILER_AUTH_TOKEN is not set",
        problem: `${problem}; set HOST=127.0.0.1 (or ::1), or set the token`
      })
    )
  })
