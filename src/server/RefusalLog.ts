import { Clock, Context, Effect, Layer, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import type { Unauthorized } from "../api/errors.ts"

// A refused token is worth a line: a web app with a stale token, a Prometheus with the wrong
// one, or someone guessing. One line per client address and minute says so without letting a
// client that retries in a loop (or a guesser) fill the log: the refusals in between are counted
// in the next line. The line names the client, the route and why, never the presented token.

/** One line per client per this many milliseconds. */
export const REFUSAL_WINDOW_MS = 60_000
/** The clients remembered at once: about 100 bytes each, whatever the number of addresses. */
export const REFUSAL_CLIENTS = 1024

interface Seen {
  loggedAt: number
  /** Refusals since the last line, not logged. */
  unlogged: number
}

export interface RefusalLogShape {
  /** Logs the refusal of the current request, unless its client had a line within the minute. */
  readonly refused: (error: Unauthorized) => Effect.Effect<void, never, HttpServerRequest.HttpServerRequest>
}

export class RefusalLog extends Context.Service<RefusalLog, RefusalLogShape>()("system-profiler/server/RefusalLog") {
  /**
   * A Map in the order of the clients' last lines (a logged client moves to the end), so that
   * the entry at the front is always the one to give up when the table is full, and only once
   * its minute is over: with more clients than that in one minute, the newcomers are not logged
   * until a slot frees, which keeps both the table and the log bounded.
   */
  static readonly layer = Layer.sync(RefusalLog, () => {
    const seen = new Map<string, Seen>()
    // /metrics has two schemes, and the framework runs the check of each: a refused request is
    // one refusal all the same. Weak, so that a request served is forgotten with it.
    const counted = new WeakSet<object>()
    const mayLog = (client: string, now: number): Seen | undefined => {
      const known = seen.get(client)
      if (known !== undefined) {
        if (now - known.loggedAt < REFUSAL_WINDOW_MS) {
          known.unlogged++
          return undefined
        }
        seen.delete(client)
        seen.set(client, { loggedAt: now, unlogged: 0 })
        return known
      }
      if (seen.size >= REFUSAL_CLIENTS) {
        const [oldest, entry] = seen.entries().next().value!
        if (now - entry.loggedAt < REFUSAL_WINDOW_MS) return undefined
        seen.delete(oldest)
      }
      seen.set(client, { loggedAt: now, unlogged: 0 })
      return { loggedAt: now, unlogged: 0 }
    }
    return RefusalLog.of({
      refused: Effect.fn("RefusalLog.refused")(function* (error: Unauthorized) {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (counted.has(request.source)) return
        counted.add(request.source)
        const client = Option.getOrElse(request.remoteAddress, () => "unknown")
        const previous = mayLog(client, yield* Clock.currentTimeMillis)
        if (previous === undefined) return
        yield* Effect.logWarning("token refused").pipe(
          Effect.annotateLogs({
            event: "token-refused",
            client,
            reason: error.error,
            // The path only: a query string is the client's and may hold anything.
            path: request.url.split("?")[0]!.slice(0, 200),
            unloggedSincePrevious: previous.unlogged
          })
        )
      })
    })
  })
}
