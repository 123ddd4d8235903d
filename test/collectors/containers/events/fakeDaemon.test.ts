// ContainerEvents against the fake daemon: the request it makes, the allowlist end to end
// (stream, timeline, logs, status), reconnection with `since` after a proxy drop and a daemon
// restart with nothing lost or doubled, oversize and endless lines, garbage, a refusing proxy.

import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { type ContainerEvent, EVENT_ACTIONS } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import {
  ContainerEvents,
  type ContainerEventsOptions
} from "../../../../src/collectors/containers/events/ContainerEvents.ts"
import { formatSince } from "../../../../src/collectors/containers/events/cursor.ts"
import { EventStore, EventStoreError } from "../../../../src/collectors/containers/events/EventStore.ts"
import { randomToken, waitFor } from "../support/docker.ts"
import { asText, startEvents } from "../support/events.ts"
import { type FakeDocker, type FakeEvent, makeFakeDocker } from "../support/fakeDocker.ts"

const LABEL = "sp.fake.stack=events"
const hex = (n: number) => n.toString(16).padStart(64, "0")

let fake: FakeDocker
let disposers: Array<() => Promise<void>> = []

beforeEach(async () => {
  fake = await makeFakeDocker()
})
afterEach(async () => {
  for (const dispose of disposers) await dispose()
  disposers = []
  await fake.close()
})

const fast: Partial<ContainerEventsOptions> = { backoffBase: "20 millis", backoffCap: "200 millis" }

/** The service on the fake daemon. */
const start = async (options: Partial<ContainerEventsOptions> = {}, store = EventStore.layerMemory()) => {
  const s = await startEvents({
    dockerHost: `unix://${fake.socketPath}`,
    stackLabel: LABEL,
    options: { ...fast, ...options },
    store
  })
  disposers.push(s.dispose)
  const keys = (events: ReadonlyArray<ContainerEvent>) => events.map((e) => `${e.timeNano} ${e.action}`)
  return {
    ...s,
    seen: s.arrivals.map((a) => `${a.event.timeNano} ${a.event.action}`),
    get seenKeys() {
      return keys(s.arrivals.map((a) => a.event))
    },
    timeline: async () => keys(await s.timeline())
  }
}

const now = () => BigInt(Date.now()) * 1_000_000n
const event = (timeNano: bigint, action = "start", extra: Partial<FakeEvent> = {}): FakeEvent => ({
  id: hex(1),
  name: "web-1",
  action,
  timeNano,
  attributes: { [LABEL.split("=")[0]!]: LABEL.split("=")[1]! },
  ...extra
})
const key = (e: FakeEvent) => `${e.timeNano} ${e.action}`
const streamsOpen = (n: number) =>
  waitFor(`${n} open event streams`, async () => (fake.events.open === n ? true : undefined), 10_000, 10)
const subscriptions = (n: number) =>
  waitFor(`${n} GET /events`, async () => (fake.events.queries.length >= n ? true : undefined), 10_000, 10)
const timelineIs = async (s: Awaited<ReturnType<typeof start>>, keys: ReadonlyArray<string>) =>
  waitFor(
    `the timeline to be ${keys.join(", ")}`,
    async () => {
      const t = await s.timeline()
      return t.length >= keys.length ? t : undefined
    },
    10_000,
    10
  ).then((t) => assert.deepStrictEqual(t, [...keys]))

/** The nanoseconds of a `since` parameter. */
const sinceNanos = (since: string) => {
  const [seconds, nanos] = since.split(".") as [string, string]
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos)
}

describe("the request", () => {
  it("GETs /version then /events filtered by type, stack label and the actions kept, from the retention back", async () => {
    fake.apiVersion = "1.44"
    const before = now()
    await start()
    const after = now()
    await streamsOpen(1)
    assert.isTrue(fake.requests.every((r) => r.method === "GET"))
    assert.deepStrictEqual(
      fake.requests.map((r) => new URL(r.url, "http://d").pathname),
      ["/version", "/v1.44/events"]
    )
    const query = fake.events.queries[0]!
    assert.deepStrictEqual(JSON.parse(query.get("filters")!), {
      type: ["container"],
      label: [LABEL],
      event: [...EVENT_ACTIONS]
    })
    // With an empty store: as far back as the store keeps (24 h), what dockerd still holds.
    const day = 86_400_000_000_000n
    const since = sinceNanos(query.get("since")!)
    assert.isTrue(since >= before - day - 1_000_000n && since <= after - day, query.get("since")!)
    for (const request of fake.requests) assert.notInclude(request.headerNames, "traceparent")
  })

  it("startupLookback 0 starts from now", async () => {
    const before = now()
    await start({ startupLookback: 0 })
    await streamsOpen(1)
    const since = sinceNanos(fake.events.queries[0]!.get("since")!)
    assert.isTrue(since >= before - 1_000_000n, String(since))
  })
})

describe("starting up", () => {
  it("replays what dockerd still holds from before the service started, within the retention", async () => {
    const t = now()
    const recent = event(t - 60_000_000_000n, "die", {
      attributes: { exitCode: "1", [LABEL.split("=")[0]!]: "events" }
    })
    const old = event(t - 2n * 86_400_000_000_000n, "start")
    fake.events.log.push(old, recent)
    const s = await start()
    await timelineIs(s, [key(recent)])
    assert.deepStrictEqual(s.seenKeys, [key(recent)])
  })

  it("resumes after the events its store already holds, doubling none", async () => {
    const t = now()
    const e1 = event(t - 3_000_000_000n, "start")
    const e2 = event(t - 2_500_000_000n, "oom")
    const e3 = event(t - 2_000_000_000n, "die", { attributes: { exitCode: "137", [LABEL.split("=")[0]!]: "events" } })
    fake.events.log.push(e1, e2, e3)
    // A store that outlived the last run: it holds e1 and e2.
    const kept = Layer.effect(
      EventStore,
      Effect.gen(function* () {
        const store = yield* EventStore
        for (const e of [e1, e2]) {
          yield* store.append({
            timeNano: e.timeNano,
            id: e.id,
            name: e.name,
            action: e.action as ContainerEvent["action"],
            exitCode: null,
            signal: null,
            health: null,
            oomKilled: null,
            composeProject: null,
            composeService: null
          })
        }
        return store
      }).pipe(Effect.orDie)
    ).pipe(Layer.provide(EventStore.layerMemory()))
    const s = await start({}, kept)
    await timelineIs(s, [key(e1), key(e2), key(e3)])
    assert.strictEqual(fake.events.queries[0]!.get("since"), formatSince(e2.timeNano - 1_000_000_000n))
    assert.deepStrictEqual(s.seenKeys, [key(e3)])
    // The oom before the restart still marks the die after it.
    const [, , die] = await s.runtime.runPromise(s.service.timeline(60_000))
    assert.isTrue(die?.oomKilled)
  })
})

describe("the allowlist, end to end", () => {
  it("an event's labels, secrets included, appear nowhere: not in changes, timeline, logs or status", async () => {
    const s = await start()
    await streamsOpen(1)
    const secrets = Array.from({ length: 4 }, () => `secret-${randomToken()}`)
    const t = now()
    fake.events.emit(
      event(t, "die", {
        attributes: {
          [LABEL.split("=")[0]!]: LABEL.split("=")[1]!,
          exitCode: "2",
          "com.docker.compose.project": "pi-site",
          "com.docker.compose.service": "web",
          "app.api-key": secrets[0]!,
          [`label-${secrets[1]}`]: "x",
          "org.opencontainers.image.source": secrets[2]!
        },
        name: "web-1"
      })
    )
    // An exec action's text quotes its command line; the daemon filter keeps it out, and so does the decoder.
    fake.events.writeRaw(
      `${JSON.stringify({ Type: "container", Action: `exec_start: sh -c ${secrets[3]}`, Actor: { ID: hex(1), Attributes: { name: "web-1" } }, time: 1 })}\n`
    )
    await timelineIs(s, [`${t} die`])
    const [kept] = await s.runtime.runPromise(s.service.timeline(60_000))
    assert.deepStrictEqual(kept, {
      timeNano: t,
      id: hex(1),
      name: "web-1",
      action: "die",
      exitCode: 2,
      signal: null,
      health: null,
      oomKilled: false,
      composeProject: "pi-site",
      composeService: "web"
    })
    const everything = asText({ logs: s.logs, seen: s.arrivals, status: await s.status(), kept })
    for (const secret of secrets) assert.notInclude(everything, secret)
    assert.deepStrictEqual(s.seenKeys, [`${t} die`])
  })
})

describe("reconnection", () => {
  it("a proxy drops the stream: it resumes with since, and gets what it missed once, nothing twice", async () => {
    const s = await start()
    await streamsOpen(1)
    const t = now()
    const e1 = event(t, "start")
    const e2 = event(t + 500_000_000n, "die", { attributes: { exitCode: "1", [LABEL.split("=")[0]!]: "events" } })
    fake.events.emit(e1)
    fake.events.emit(e2)
    await timelineIs(s, [key(e1), key(e2)])
    // Logged while no stream is open: only a replay from `since` can bring it.
    fake.events.drop()
    const e3 = event(t + 700_000_000n, "start")
    fake.events.log.push(e3)
    await subscriptions(2)
    await timelineIs(s, [key(e1), key(e2), key(e3)])
    // Resumed one second before the last event seen, so e1 and e2 were replayed and dropped.
    assert.strictEqual(fake.events.queries[1]!.get("since"), formatSince(e2.timeNano - 1_000_000_000n))
    const e4 = event(t + 900_000_000n, "kill", { attributes: { signal: "9", [LABEL.split("=")[0]!]: "events" } })
    fake.events.emit(e4)
    await timelineIs(s, [key(e1), key(e2), key(e3), key(e4)])
    assert.deepStrictEqual(s.seenKeys, [key(e1), key(e2), key(e3), key(e4)])
    assert.strictEqual((await s.status()).connections, 2)
    assert.isTrue(s.logs.some((l) => l.includes("docker events resumed")))
  })

  it("the daemon stops and starts again: no socket while down, resumed once back, with its new events", async () => {
    const s = await start()
    await streamsOpen(1)
    const t = now()
    const before = event(t, "start")
    fake.events.emit(before)
    await timelineIs(s, [key(before)])
    await fake.stop()
    const down = await waitFor(
      "the failure to show in status",
      async () => {
        const status = await s.status()
        // The fake, as dockerd, removes its socket when it stops.
        return status.lastError?.includes("no Docker socket") ? status : undefined
      },
      20_000
    )
    assert.isFalse(down.connected)
    assert.include(down.lastError!, fake.socketPath)
    // A restarted dockerd has lost its buffer, and logs the restart-policy start before anyone subscribes.
    fake.events.forget()
    const after = event(t + 2_000_000_000n, "start", { id: hex(2), name: "db-1" })
    fake.events.log.push(after)
    await fake.start()
    await timelineIs(s, [key(before), key(after)])
    assert.deepStrictEqual(s.seenKeys, [key(before), key(after)])
    // One warning for the outage, not one per attempt.
    assert.strictEqual(s.logs.filter((l) => l.includes("docker events stream down")).length, 1)
  })

  it("a flood of events keeps the store and the replay memory bounded", async () => {
    const s = await start({}, EventStore.layerMemory({ capacity: 100 }))
    await streamsOpen(1)
    const t = now()
    const all = Array.from({ length: 3_000 }, (_, i) =>
      event(t + BigInt(i) * 1_000n, i % 2 === 0 ? "die" : "start", {
        attributes: { exitCode: "1", [LABEL.split("=")[0]!]: "events" }
      })
    )
    for (const e of all) fake.events.emit(e)
    await waitFor(
      "the last event",
      async () => ((await s.timeline()).at(-1) === key(all.at(-1)!) ? true : undefined),
      20_000
    )
    assert.deepStrictEqual(await s.timeline(), all.slice(-100).map(key))
    assert.strictEqual(s.service.capacity, 100)
  })
})

describe("a store that fails", () => {
  it("events still reach changes; the failure is logged once, naming the cause", async () => {
    const failing = Layer.succeed(
      EventStore,
      EventStore.of({
        append: () => Effect.fail(new EventStoreError({ operation: "append", detail: "disk full" })),
        since: () => Effect.succeed([]),
        retention: Duration.hours(24),
        capacity: 10
      })
    )
    const s = await start({}, failing)
    await streamsOpen(1)
    const t = now()
    const all = [event(t, "start"), event(t + 1n, "die"), event(t + 2n, "start")]
    for (const e of all) fake.events.emit(e)
    await waitFor("the events on changes", async () => (s.arrivals.length === 3 ? true : undefined), 20_000)
    assert.deepStrictEqual(s.seenKeys, all.map(key))
    const warnings = s.logs.filter((l) => l.includes("container events not stored"))
    assert.strictEqual(warnings.length, 1)
    assert.include(warnings[0]!, "disk full")
  })
})

describe("lines that are not events", () => {
  it("a line past the limit is skipped with a warning naming the endpoint; the next event arrives", async () => {
    const s = await start({ maxLineBytes: 4096 })
    await streamsOpen(1)
    const secret = `secret-${randomToken()}`
    fake.events.writeRaw(`{"Actor":{"Attributes":{"k":"${secret}${"x".repeat(10_000)}"}}}\n`)
    const t = now()
    fake.events.emit(event(t, "oom"))
    await timelineIs(s, [`${t} oom`])
    const warning = s.logs.find((l) => l.includes("past the 4096-byte limit: skipped"))
    assert.isDefined(warning)
    assert.include(warning!, `unix://${fake.socketPath}`)
    assert.notInclude(s.logs.join("\n"), secret)
    assert.strictEqual(fake.events.queries.length, 1) // the connection was kept
  })

  it("a line that never ends drops the connection, which is opened again", async () => {
    const s = await start({ maxLineBytes: 4096, maxSkipBytes: 256 * 1024 })
    await streamsOpen(1)
    fake.events.endless()
    await subscriptions(2)
    const status = await waitFor(
      "the error in status",
      async () => {
        const st = await s.status()
        return st.lastError?.includes("without ending") ? st : undefined
      },
      20_000
    )
    assert.include(status.lastError!, `unix://${fake.socketPath}`)
    await streamsOpen(1)
    const t = now()
    fake.events.emit(event(t, "start"))
    await timelineIs(s, [`${t} start`])
  })

  it("garbage is skipped and logged once per connection, without its text", async () => {
    const s = await start()
    await streamsOpen(1)
    const secret = `secret-${randomToken()}`
    for (let i = 0; i < 3; i++) fake.events.writeRaw(`not json ${secret}\n`)
    fake.events.writeRaw(`{"Action":"die","Actor":{"ID":"${secret}","Attributes":{"name":"x"}},"time":1}\n`)
    const t = now()
    fake.events.emit(event(t, "start"))
    await timelineIs(s, [`${t} start`])
    const skipped = s.logs.filter((l) => l.includes("docker event skipped"))
    assert.strictEqual(skipped.filter((l) => l.includes("a line that is not JSON")).length, 1)
    assert.strictEqual(skipped.filter((l) => l.includes("container id is not 64 hex digits")).length, 1)
    assert.notInclude(s.logs.join("\n"), secret)
  })
})

describe("a proxy that refuses /events", () => {
  it("403: permission denied naming the endpoint and the call, retried with backoff", async () => {
    fake.events.refuseWith = 403
    const s = await start()
    const status = await waitFor(
      "the refusal in status",
      async () => {
        const st = await s.status()
        return st.lastError !== null ? st : undefined
      },
      20_000
    )
    assert.include(status.lastError!, "refused GET /events with HTTP 403")
    await subscriptions(3)
    fake.events.refuseWith = undefined
    await streamsOpen(1)
    assert.isTrue((await s.status()).connected)
  })
})

describe("the mock layer", () => {
  it.effect("emits nothing and keeps an empty timeline", () =>
    Effect.gen(function* () {
      const events = yield* ContainerEvents
      const fiber = yield* Effect.forkChild(Stream.runCollect(Stream.take(events.changes, 1)))
      yield* TestClock.adjust(Duration.hours(1))
      assert.isUndefined(fiber.pollUnsafe())
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* events.timeline(86_400_000), [])
      assert.strictEqual((yield* events.crashLoops(86_400_000)).size, 0)
    }).pipe(Effect.provide(ContainerEvents.layerMock))
  )
})
