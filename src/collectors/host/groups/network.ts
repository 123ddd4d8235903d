import { Effect } from "effect"
import type { HostStats } from "../../../api/HostStats.ts"
import { type NetDevCounters, parseNetDev } from "../parsers/netDev.ts"
import { counterRate } from "../rates.ts"
import { readKernelOptional } from "../reader.ts"
import { groupError, type HostPaths, readKernelParsed, type SourceError, under } from "../source.ts"

export interface NetworkReading {
  readonly source: string
  readonly interfaces: ReadonlyArray<NetDevCounters>
}

// HOST_PROC/net is a link to HOST_PROC/self/net: the namespace of the process that reads it,
// which inside a container is the container's own. Process 1 is the host's init and lives in
// the host's namespace. Only when there is no process 1 to read (a copied tree in tests, a
// hidepid mount) does the reader's own view stand in, and `source` says so.
export const readNetwork = (paths: HostPaths): Effect.Effect<NetworkReading, SourceError> =>
  Effect.gen(function* () {
    const initView = under(paths.proc, "1/net/dev")
    const text = yield* readKernelOptional(initView)
    if (text !== undefined) {
      return { source: initView, interfaces: yield* Effect.fromResult(parseNetDev(text, initView)) }
    }
    const ownView = under(paths.proc, "net/dev")
    return { source: ownView, interfaces: yield* readKernelParsed(ownView, parseNetDev) }
  })

export type NetworkCounters = ReadonlyMap<string, { readonly rx: number; readonly tx: number }>

export const networkCounters = (reading: NetworkReading): NetworkCounters =>
  new Map(reading.interfaces.map((i) => [i.name, { rx: i.rxBytes, tx: i.txBytes }]))

export const networkStats = (
  reading: NetworkReading,
  keep: (name: string) => boolean,
  previous: NetworkCounters | undefined,
  elapsedSeconds: number
): HostStats["network"] => ({
  available: true,
  error: null,
  source: reading.source,
  interfaces: reading.interfaces
    .filter((i) => keep(i.name))
    .map((i) => {
      const before = previous?.get(i.name)
      return {
        ...i,
        rxBytesPerSecond: counterRate(before?.rx, i.rxBytes, elapsedSeconds),
        txBytesPerSecond: counterRate(before?.tx, i.txBytes, elapsedSeconds)
      }
    })
})

export const networkUnavailable = (error: SourceError): HostStats["network"] => ({
  available: false,
  error: groupError(error),
  source: null,
  interfaces: []
})
