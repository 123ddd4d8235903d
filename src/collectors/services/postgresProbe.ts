import { Effect } from "effect"
import type { ProbeTarget } from "../../config/services.ts"
import { ProtocolMismatch } from "./ProbeError.ts"
import { elapsedSince, socketProbe } from "./socketProbe.ts"

// SSLRequest: length 8, then the code 1234.5679 (80877103). A PostgreSQL server answers it with
// the single byte S or N before any authentication, so the probe needs no credentials and
// proves more than an open port. After N, closing is silent in the server log.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])

const describe = (chunk: Buffer) => `${chunk.length} bytes starting ${chunk.subarray(0, 8).toString("hex")}`

/** Healthy when the server answers SSLRequest with exactly one byte, S or N. */
export const postgresProbe = (target: ProbeTarget) =>
  socketProbe(target.host, target.port, (socket, started, settle) => {
    socket.once("data", (chunk: Buffer) => {
      const answer = chunk.length === 1 ? String.fromCharCode(chunk[0]!) : undefined
      // More than one byte is a banner or some other protocol: an SSH banner starts with S too.
      if (answer === "S" || answer === "N") settle(Effect.succeed({ latencyMs: elapsedSince(started) }))
      else {
        settle(
          Effect.fail(
            new ProtocolMismatch({ detail: `not a PostgreSQL server: it answered SSLRequest with ${describe(chunk)}` })
          )
        )
      }
    })
    socket.write(SSL_REQUEST)
  })
