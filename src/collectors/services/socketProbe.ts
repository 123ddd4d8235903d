import * as net from "node:net"
import { Effect } from "effect"
import { ConnectionClosed, fromNodeError, type ProbeError, ProbeFailed } from "./ProbeError.ts"

/** What a successful attempt reports. */
export interface ProbeSuccess {
  readonly latencyMs: number
  readonly statusCode?: number
  /** https: the notAfter of the server's certificate, Unix milliseconds. */
  readonly tlsNotAfter?: number | undefined
}

// Latencies come from the monotonic clock where the socket events happen: a network figure,
// which neither fiber scheduling nor the TestClock should bend.
export const elapsedSince = (started: number): number => Math.round((performance.now() - started) * 100) / 100

export type Settle = (result: Effect.Effect<ProbeSuccess, ProbeError>) => void

/**
 * Opens a TCP connection and hands it to `converse`, which settles the attempt. The socket is
 * destroyed once the attempt settles or is interrupted (by the timeout), so none leaks.
 */
export const socketProbe = (
  host: string,
  port: number,
  converse: (socket: net.Socket, started: number, settle: Settle) => void
): Effect.Effect<ProbeSuccess, ProbeError> =>
  Effect.callback<ProbeSuccess, ProbeError>((resume) => {
    const started = performance.now()
    let settled = false
    let socket: net.Socket | undefined
    const settle: Settle = (result) => {
      if (settled) return
      settled = true
      socket?.destroy()
      resume(result)
    }
    try {
      socket = net.connect({ host, port })
    } catch (error) {
      settle(Effect.fail(new ProbeFailed({ code: String((error as NodeJS.ErrnoException)?.code ?? "EINVAL") })))
      return
    }
    socket.setNoDelay(true)
    socket.once("connect", () => converse(socket, started, settle))
    socket.on("error", (error) => settle(Effect.fail(fromNodeError(error, host, port))))
    socket.once("close", () =>
      settle(Effect.fail(new ConnectionClosed({ address: `${host.includes(":") ? `[${host}]` : host}:${port}` })))
    )
    return Effect.sync(() => {
      settled = true
      socket?.destroy()
    })
  })
