// The containers collector with the event stream beside it: each reading carries the events'
// facts per container name and the compose services with no container; the events that change a
// container wake the sampler, the others do not; a timeline that cannot be read leaves the facts
// out (logged once) and never fails the section. And SYSTEM_PROFILER_EXPECTED_SERVICES as parsed.

import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Logger, Result, Stream } from "effect"
import type { ContainerEvent } from "../../../src/collectors/containers/events/ContainerEvent.ts"
import type { ContainerEventsShape } from "../../../src/collectors/containers/events/ContainerEvents.ts"
import { crashLoopSummaries } from "../../../src/collectors/containers/events/crashLoop.ts"
import { EventStoreError } from "../../../src/collectors/containers/events/EventStore.ts"
import { ServiceRoster } from "../../../src/collectors/containers/missing.ts"
import { mockContainersReading } from "../../../src/collectors/containers/mock.ts"
import { withEvents } from "../../../src/collectors/containers/withEvents.ts"
import { EXPECTED_SERVICES_VARIABLE, parseExpectedServices } from "../../../src/config/expectedServices.ts"
import type { ContainerReading } from "../../../src/domain/ContainerReading.ts"
import { containersView } from "../../../src/views/containers.ts"

const at = Date.parse("2026-11-25T06:00:00.000Z")
const reading = mockContainersReading(at)
const web = reading.containers.find((c) => c.composeService === "web")!

const event = (name: string, action: ContainerEvent["action"], seconds: number, exitCode: number | null = null) =>
  ({
    timeNano: BigInt(at - 60_000 + seconds * 1000) * 1_000_000n,
    id: web.id,
    name,
    action,
    exitCode,
    signal: null,
    health: action === "health_status" ? "healthy" : null,
    oomKilled: action === "die" ? false : null,
    composeProject: "pi-site",
    composeService: "web"
  }) satisfies ContainerEvent

const eventsOf = (
  timeline: ReadonlyArray<ContainerEvent>,
  options: { readonly failing?: () => boolean } = {}
): ContainerEventsShape => ({
  changes: Stream.fromIterable(timeline),
  timeline: () => Effect.succeed(timeline),
  crashLoops: () =>
    options.failing?.() === true
      ? Effect.fail(new EventStoreError({ operation: "read", detail: "disk gone" }))
      : Effect.succeed(crashLoopSummaries(timeline, 0n)),
  status: Effect.succeed({ connected: true, connections: 1, lastError: null, latestNano: null }),
  retention: Duration.hours(24),
  capacity: 10_000
})

const collector = { read: () => Effect.succeed(reading) }
const options = { crashLoopWindow: Duration.hours(1), expectedServices: [] }

describe("withEvents", () => {
  it.effect("each container gets its events' facts by name; one without events gets zeros", () =>
    Effect.gen(function* () {
      const timeline = [
        event(web.name, "start", 0),
        event(web.name, "die", 10, 1),
        event(web.name, "start", 11),
        event(web.name, "die", 20, 137),
        event(web.name, "start", 21)
      ]
      const withFacts = yield* withEvents(collector, eventsOf(timeline), options).read()
      assert.strictEqual(withFacts.events?.windowMillis, 3_600_000)
      const view = containersView(withFacts, undefined)
      const shown = view.containers.find((c) => c.name === web.name)!
      assert.deepStrictEqual(shown.crashLoop, {
        windowSeconds: 3600,
        restarts: 2,
        exits: 2,
        oomEvents: 0,
        lastExitCode: 137,
        lastExitAt: new Date(at - 60_000 + 20_000).toISOString(),
        lastExitOomKilled: false
      })
      const other = view.containers.find((c) => c.name !== web.name)!
      assert.deepStrictEqual([other.crashLoop?.restarts, other.crashLoop?.lastExitCode], [0, null])
      // Without the event stream, no crash-loop figures at all rather than zeros.
      assert.isNull(containersView(reading, undefined).containers[0]!.crashLoop)
    })
  )

  it.effect("wakes on start, die, stop, kill, oom, restart, health_status and destroy only", () =>
    Effect.gen(function* () {
      const all = (["create", "start", "restart", "stop", "kill", "die", "oom", "pause", "unpause"] as const).map(
        (action, i) => event(web.name, action, i)
      )
      const timeline = [...all, event(web.name, "health_status", 20), event(web.name, "destroy", 21)]
      const woken = yield* Stream.runCollect(withEvents(collector, eventsOf(timeline), options).wakeups!)
      assert.deepStrictEqual(
        (woken as ReadonlyArray<ContainerEvent>).map((e) => e.action),
        ["start", "restart", "stop", "kill", "die", "oom", "health_status", "destroy"]
      )
    })
  )

  it.effect("a timeline that cannot be read leaves the facts out, logs once, and recovers", () =>
    Effect.gen(function* () {
      let failing = true
      const logs: Array<string> = []
      const logger = Logger.layer([Logger.make((o) => logs.push(String(o.message)))])
      const c = withEvents(collector, eventsOf([], { failing: () => failing }), options)
      const results = yield* Effect.gen(function* () {
        const a = yield* Effect.exit(c.read())
        const b = yield* Effect.exit(c.read())
        failing = false
        const d = yield* Effect.exit(c.read())
        return [a, b, d]
      }).pipe(Effect.provide(logger))
      for (const r of results) assert.isTrue(Exit.isSuccess(r))
      const [a, , d] = results.map((r) => (Exit.isSuccess(r) ? r.value : undefined))
      assert.isUndefined(a?.events)
      assert.isDefined(d?.events)
      assert.deepStrictEqual(
        logs.filter((l) => l.includes("timeline")),
        ["container event timeline unreadable", "container event timeline readable again"]
      )
    })
  )
})

const container = (project: string | undefined, service: string | undefined, state = "running") =>
  ({ ...web, composeProject: project, composeService: service, state }) as ContainerReading

describe("ServiceRoster: the stack's services with no container", () => {
  it("one seen before and gone is missing with when it was last seen; a stopped one is not missing", () => {
    const roster = new ServiceRoster([])
    assert.deepStrictEqual(roster.update([container("pi-site", "web"), container("pi-site", "db")], 1000), [])
    assert.deepStrictEqual(roster.update([container("pi-site", "web", "exited")], 2000), [
      { project: "pi-site", service: "db", lastSeenAt: 1000 }
    ])
    assert.deepStrictEqual(roster.update([container("pi-site", "web"), container("pi-site", "db")], 3000), [])
  })

  it("an expected service never seen is missing; with no project, any project's container will do", () => {
    const roster = new ServiceRoster([
      { project: undefined, service: "web" },
      { project: "pi-site", service: "worker" }
    ])
    assert.deepStrictEqual(roster.update([container("other", "web")], 1000), [
      { project: "pi-site", service: "worker", lastSeenAt: undefined }
    ])
    assert.deepStrictEqual(roster.update([], 2000), [
      { project: "other", service: "web", lastSeenAt: 1000 },
      { project: "pi-site", service: "worker", lastSeenAt: undefined }
    ])
  })

  it("containers without compose labels are no service; what is remembered is bounded", () => {
    const roster = new ServiceRoster([], 3)
    assert.deepStrictEqual(roster.update([container(undefined, undefined)], 1000), [])
    roster.update(
      Array.from({ length: 10 }, (_, i) => container("p", `s${i}`)),
      2000
    )
    assert.strictEqual(roster.update([], 3000).length, 3)
  })

  it("the view shows them, times as ISO", () => {
    const view = containersView(
      { ...reading, missing: [{ project: "pi-site", service: "db", lastSeenAt: at }] },
      undefined
    )
    assert.deepStrictEqual(view.missing, [
      { project: "pi-site", service: "db", lastSeenAt: new Date(at).toISOString() }
    ])
  })
})

describe(EXPECTED_SERVICES_VARIABLE, () => {
  const parse = (value: string | undefined) =>
    Effect.runSync(Effect.result(parseExpectedServices({ [EXPECTED_SERVICES_VARIABLE]: value })))

  it("takes service and project/service, trimmed, once each", () => {
    assert.deepStrictEqual(Result.getOrThrow(parse(" web , pi-site/db,web,")), [
      { project: undefined, service: "web" },
      { project: "pi-site", service: "db" }
    ])
    assert.deepStrictEqual(Result.getOrThrow(parse(undefined)), [])
  })

  it("refuses a name compose would not accept, naming the variable and the entry", () => {
    for (const bad of ["web db", "Pi-Site/web", "/web", "a/b/c", "$(x)"]) {
      const result = parse(bad)
      assert.isTrue(Result.isFailure(result), bad)
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure.variable, EXPECTED_SERVICES_VARIABLE)
        assert.include(result.failure.problem, bad.trim())
      }
    }
  })
})
