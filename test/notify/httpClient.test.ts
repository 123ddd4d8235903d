// The notifier's HTTP client is its own, whatever else in the service speaks HTTP: the Docker
// client's agent goes to the Docker socket, and a layer graph builds the client layer that
// layerNodeHttpOptions shares only once. Built after such a client, the notifier must still
// reach the receiver over TCP.

import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient } from "effect/http"
import { Notifier } from "../../src/notify/Notifier.ts"
import { parseNotifyConfig } from "../../src/notify/settings.ts"
import { fastSettings, firing, statusWhen } from "./fixtures.ts"
import { httpReceiver } from "./receivers.ts"

describe("the notifier's HTTP client", () => {
  it.live("is not the one a unix-socket client built before it in the same graph uses", () =>
    Effect.gen(function* () {
      const receiver = yield* Effect.acquireRelease(
        Effect.promise(() => httpReceiver(() => ({ status: 200, body: "{}" }))),
        (r) => Effect.promise(() => r.close())
      )
      const { destinations } = yield* parseNotifyConfig({
        SYSTEM_PROFILER_NOTIFY: `webhook+http://127.0.0.1:${receiver.port}/hook`
      })
      // As the Docker client does: an HttpClient whose agent dials a unix socket.
      const socketClient = Layer.effectDiscard(Effect.asVoid(HttpClient.HttpClient)).pipe(
        Layer.provide(NodeHttpClient.layerNodeHttpOptions({ keepAlive: true, socketPath: "/nonexistent/docker.sock" }))
      )
      const layer = Notifier.layerWith({ destinations, settings: { ...fastSettings, retries: 0 } }).pipe(
        Layer.provideMerge(socketClient)
      )
      const status = yield* Effect.gen(function* () {
        const notifier = yield* Notifier
        yield* notifier.send(firing)
        return yield* statusWhen(notifier, (s) => s[0]?.result !== "never")
      }).pipe(Effect.provide(layer))
      assert.strictEqual(status[0]!.result, "ok", status[0]!.error ?? "")
      assert.strictEqual(receiver.received.length, 1)
      assert.strictEqual(receiver.received[0]!.path, "/hook")
    }).pipe(Effect.scoped)
  )
})
