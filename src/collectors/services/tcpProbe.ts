import { Effect } from "effect"
import type { ProbeTarget } from "../../config/services.ts"
import { elapsedSince, socketProbe } from "./socketProbe.ts"

/** Healthy when a TCP connection opens; reports the connect latency. */
export const tcpProbe = (target: ProbeTarget) =>
  socketProbe(target.host, target.port, (_socket, started, settle) =>
    settle(Effect.succeed({ latencyMs: elapsedSince(started) }))
  )
