import { Effect, Layer } from "effect"
import { AppConfig } from "../../config/AppConfig.ts"
import { makeHostSampler } from "./collector.ts"
import { HostCollector } from "./HostCollector.ts"

// The host's figures from HOST_PROC, HOST_SYS and HOST_ROOT: /proc, /sys and / on a bare
// machine, /host/proc, /host/sys and /host/root in the container.
export const layerLive = Layer.effect(
  HostCollector,
  Effect.gen(function* () {
    const config = yield* AppConfig
    const sample = yield* makeHostSampler({
      paths: { proc: config.hostProc, sys: config.hostSys, root: config.hostRoot },
      networkExclude: config.networkExclude,
      extraDisks: config.extraDisks
    })
    return HostCollector.of({ sample })
  })
)
