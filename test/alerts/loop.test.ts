// The alert loop on the TestClock: readings published through the sampler's own hub become
// observations, the rules fire and resolve, and each announcement reaches a real webhook receiver
// on loopback as Alertmanager's payload. The wiring is the service's own (AlertLoop.layerFromEnv:
// a rules file, SYSTEM_PROFILER_NOTIFY, the grace); only the Sampler is fed by the test.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Latch, Layer, Logger, Result, Stream } from "effect"
import { TestClock } from "effect/testing"
import { AlertHistory } from "../../src/alerts/AlertHistory.ts"
import { AlertLoop } from "../../src/alerts/AlertLoop.ts"
import { Alerts } from "../../src/alerts/Alerts.ts"
import { mockContainersReading } from "../../src/collectors/containers/mock.ts"
import { mockHostReading } from "../../src/collectors/host/mock.ts"
import type { ContainersReading } from "../../src/domain/ContainerReading.ts"
import type { HostReading } from "../../src/domain/HostReading.ts"
import { NotSampledYet, SampleError } from "../../src/domain/SampleError.ts"
import type { CpuTicks } from "../../src/kernel/stat.ts"
import { Notifier } from "../../src/notify/Notifier.ts"
import { makeReadingsHub, type Readings, type ReadingsHub, Sampler } from "../../src/sampling/Sampler.ts"
import { httpReceiver, type Received, type Reply } from "../notify/receivers.ts"
import { AlertmanagerWebhook, problemsOf } from "../notify/shapes.ts"
import { readingsOf } from "../support/readings.ts"

const IDLE: CpuTicks = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 }

/** Host readings whose CPU is busy `percent` % of the time since the one before. */
const cpuSeries = () => {
  let ticks = IDLE
  let previous: HostReading | undefined
  return (now: number, percent: number) => {
    ticks = { ...ticks, user: ticks.user + percent, idle: ticks.idle + (100 - percent) }
    const current: HostReading = { ...mockHostReading(now), stat: { total: ticks, cores: [{ core: 0, ticks }] } }
    const readings = readingsOf(now, {
      host: current,
      previousHost: previous,
      containers: mockContainersReading(now),
      services: new SampleError({ section: "services", reason: new NotSampledYet() })
    })
    previous = current
    return readings
  }
}

const RULES = `
rules:
  - name: CpuBusy
    figure: host.cpu_usage
    comparison: ">="
    threshold: 80
    for: 1m
    severity: critical
`

const withRulesFile = <A, E, R>(text: string, body: (path: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "sp-loop-"))),
    (dir) => {
      const path = join(dir, "alerts.yaml")
      writeFileSync(path, text)
      return body(path)
    },
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const receiverWith = (route: (r: Received) => Reply | "hang") =>
  Effect.acquireRelease(
    Effect.promise(() => httpReceiver(route)),
    (r) =>
      Effect.promise(() => {
        r.release()
        return r.close()
      })
  )

/** The loop's own layers from `env`, over a Sampler whose readings the test sets. */
const loopOver = (
  ref: ReadingsHub,
  env: Record<string, string>,
  history: Layer.Layer<AlertHistory> = AlertHistory.layerMemory()
) =>
  AlertLoop.layerFromEnv(env).pipe(
    Layer.provide(history),
    Layer.provide(Layer.succeed(Sampler, Sampler.of(ref.sampler))),
    // The loop logs each firing and resolving; the test output stays quiet.
    Layer.provide(Logger.layer([]))
  )

/** Waits until the loop has evaluated `count` sets of readings since its start. */
const evaluated = (count: number) =>
  Effect.gen(function* () {
    const loop = yield* AlertLoop
    for (let i = 0; i < 10_000; i++) {
      if ((yield* loop.evaluations) >= count) return
      yield* Effect.yieldNow
    }
    assert.fail(`the loop did not evaluate ${count} sets of readings`)
  })

/**
 * Sets the readings and waits until the loop has evaluated them. The loop evaluates the
 * readings it starts with first, so every later set is counted after that one.
 */
const push = (ref: ReadingsHub, readings: Readings) =>
  Effect.gen(function* () {
    yield* evaluated(1)
    const before = yield* (yield* AlertLoop).evaluations
    yield* ref.publish(() => readings)
    yield* evaluated(before + 1)
  })

const arrived = (receiver: { waitFor(p: (r: Received) => boolean): Promise<Received> }, status: string) =>
  Effect.promise(() => receiver.waitFor((r) => (r.body as { status?: string } | undefined)?.status === status))

describe("the alert loop", () => {
  it.effect(
    "a CPU rule fires after its `for` and resolves; the webhook gets both, the gauge and the stream follow",
    () =>
      Effect.gen(function* () {
        const receiver = yield* receiverWith(() => ({ status: 200, body: "{}" }))
        const next = cpuSeries()
        const ref = yield* makeReadingsHub(next(0, 10))
        yield* withRulesFile(RULES, (path) =>
          Effect.gen(function* () {
            const loop = yield* AlertLoop
            const alerts = yield* Alerts
            const notifier = yield* Notifier
            const frames = yield* loop.events.pipe(Stream.take(3), Stream.runCollect, Effect.forkChild)
            yield* Effect.yieldNow

            yield* TestClock.adjust("5 seconds")
            yield* push(ref, next(5_000, 95))
            assert.deepStrictEqual(
              (yield* alerts.current).map((a) => `${a.alertname}:${a.state}`),
              ["CpuBusy:pending"]
            )
            assert.strictEqual(receiver.received.length, 0)

            yield* TestClock.adjust("65 seconds")
            yield* push(ref, next(70_000, 96))
            const firing = yield* arrived(receiver, "firing")
            assert.deepStrictEqual(problemsOf(firing, AlertmanagerWebhook), [])
            const body = firing.body as {
              alerts: ReadonlyArray<{ labels: Record<string, string>; annotations: Record<string, string> }>
            }
            assert.strictEqual(firing.path, "/hook")
            assert.deepStrictEqual(body.alerts[0]!.labels, {
              alertname: "CpuBusy",
              severity: "critical",
              host: mockHostReading(0).system.hostname.value
            })
            assert.strictEqual(body.alerts[0]!.annotations.value, "96%")
            assert.strictEqual(body.alerts[0]!.annotations.threshold, "≥ 80% for 1m")
            assert.include(
              yield* loop.gauge,
              'system_profiler_alerts{alertname="CpuBusy",alertstate="firing",severity="critical"} 1'
            )

            yield* TestClock.adjust("5 seconds")
            yield* push(ref, next(75_000, 20))
            const resolved = yield* arrived(receiver, "resolved")
            assert.deepStrictEqual(problemsOf(resolved, AlertmanagerWebhook), [])
            assert.strictEqual(
              (resolved.body as { alerts: ReadonlyArray<{ annotations: Record<string, string> }> }).alerts[0]!
                .annotations.value,
              "20%"
            )
            assert.deepStrictEqual(yield* alerts.current, [])
            assert.strictEqual(yield* loop.gauge, "")

            // Two announcements, no more: pending is not announced.
            assert.strictEqual(receiver.received.length, 2)
            const status = yield* notifier.status
            assert.deepStrictEqual(
              status.map((s) => [s.destination, s.result, s.alertname]),
              [[`webhook+http://127.0.0.1:${receiver.port}/hook`, "ok", "CpuBusy"]]
            )

            const sse = new TextDecoder().decode(
              Buffer.concat([...(yield* Fiber.join(frames))].map((f) => Buffer.from(f)))
            )
            const events = sse
              .split("\n\n")
              .filter((b) => b !== "")
              .map((block) => {
                const [event, data] = block.split("\n") as [string, string]
                assert.strictEqual(event, "event: alert")
                return JSON.parse(data.slice("data: ".length)) as { event: string; alertname: string }
              })
            assert.deepStrictEqual(
              events.map((e) => `${e.alertname}:${e.event}`),
              ["CpuBusy:pending", "CpuBusy:firing", "CpuBusy:resolved"]
            )
          }).pipe(
            Effect.provide(
              loopOver(ref, {
                SYSTEM_PROFILER_ALERTS_FILE: path,
                SYSTEM_PROFILER_ALERTS_GRACE: "0s",
                SYSTEM_PROFILER_NOTIFY: `webhook+http://127.0.0.1:${receiver.port}/hook`
              })
            )
          )
        )
      }).pipe(Effect.scoped)
  )

  it.effect("a hanging destination holds up neither the loop nor the next alert", () =>
    Effect.gen(function* () {
      const receiver = yield* receiverWith(() => "hang")
      const next = cpuSeries()
      const ref = yield* makeReadingsHub(next(0, 10))
      yield* withRulesFile(RULES.replace("for: 1m", "for: 0s"), (path) =>
        Effect.gen(function* () {
          const alerts = yield* Alerts
          const loop = yield* AlertLoop
          yield* TestClock.adjust("5 seconds")
          yield* push(ref, next(5_000, 95))
          yield* arrived(receiver, "firing")
          assert.strictEqual(receiver.hanging(), 1)
          // The delivery hangs; the readings keep being evaluated and the alert resolves.
          for (let i = 2; i <= 5; i++) {
            yield* TestClock.adjust("1 second")
            yield* push(ref, next(5_000 + i * 1000, 10))
          }
          assert.isAtLeast(yield* loop.evaluations, 5)
          assert.deepStrictEqual(
            (yield* alerts.history).map((t) => `${t.alertname}:${t.event}`),
            ["CpuBusy:firing", "CpuBusy:resolved"]
          )
        }).pipe(
          Effect.provide(
            loopOver(ref, {
              SYSTEM_PROFILER_ALERTS_FILE: path,
              SYSTEM_PROFILER_ALERTS_GRACE: "0s",
              SYSTEM_PROFILER_NOTIFY: `webhook+http://127.0.0.1:${receiver.port}/hook`
            })
          )
        )
      )
    }).pipe(Effect.scoped)
  )

  it.effect(
    "readings published while one is evaluated wait for it without holding up the sampler; the newest of them is evaluated",
    () =>
      Effect.gen(function* () {
        const next = cpuSeries()
        const ref = yield* makeReadingsHub(next(0, 10))
        // The history keeps the loop inside its evaluation until the test opens the latch.
        const latch = yield* Latch.make(false)
        const recorded: Array<string> = []
        const slowHistory = Layer.succeed(
          AlertHistory,
          AlertHistory.of({
            record: (transitions) =>
              Effect.andThen(
                latch.await,
                Effect.sync(() => {
                  for (const t of transitions) recorded.push(`${t.alertname}:${t.event}`)
                })
              ),
            recent: Effect.sync(() => [])
          })
        )
        yield* withRulesFile(RULES.replace("for: 1m", "for: 0s"), (path) =>
          Effect.gen(function* () {
            const loop = yield* AlertLoop
            const alerts = yield* Alerts
            yield* evaluated(1)
            const before = yield* loop.evaluations
            yield* TestClock.adjust("1 second")
            // Fires: its evaluation waits for the history.
            yield* ref.publish(() => next(1_000, 95))
            for (let i = 0; i < 100; i++) yield* Effect.yieldNow
            assert.strictEqual(yield* loop.evaluations, before)
            // The sampler goes on publishing; each set returns at once.
            for (const [at, percent] of [
              [2_000, 10],
              [3_000, 95],
              [4_000, 10]
            ] as const) {
              yield* TestClock.adjust("1 second")
              yield* ref.publish(() => next(at, percent))
            }
            yield* latch.open
            yield* evaluated(before + 2)
            for (let i = 0; i < 100; i++) yield* Effect.yieldNow
            // The firing, then only the newest of the three waiting: 10 %, which resolves it.
            assert.strictEqual(yield* loop.evaluations, before + 2)
            assert.deepStrictEqual(recorded, ["CpuBusy:firing", "CpuBusy:resolved"])
            assert.deepStrictEqual(yield* alerts.current, [])
          }).pipe(
            Effect.provide(
              loopOver(ref, { SYSTEM_PROFILER_ALERTS_FILE: path, SYSTEM_PROFILER_ALERTS_GRACE: "0s" }, slowHistory)
            )
          )
        )
      }).pipe(Effect.scoped)
  )

  it.effect(
    "an idle reading is answered within the sampler's publish; one where a rule holds, or any while an alert is open, is evaluated",
    () =>
      Effect.gen(function* () {
        const next = cpuSeries()
        const ref = yield* makeReadingsHub(next(0, 10))
        yield* withRulesFile(RULES, (path) =>
          Effect.gen(function* () {
            const loop = yield* AlertLoop
            const alerts = yield* Alerts
            yield* evaluated(1)
            const before = yield* loop.evaluations
            // Nothing holds: counted before publish returns, with no fiber run in between.
            yield* TestClock.adjust("5 seconds")
            yield* ref.publish(() => next(5_000, 10))
            assert.strictEqual(yield* loop.evaluations, before + 1)
            // A rule holds: the loop evaluates it in its own fiber.
            yield* TestClock.adjust("5 seconds")
            yield* push(ref, next(10_000, 95))
            assert.deepStrictEqual(
              (yield* alerts.current).map((a) => `${a.alertname}:${a.state}`),
              ["CpuBusy:pending"]
            )
            // With an alert open no reading is idle: each goes to the loop.
            yield* TestClock.adjust("5 seconds")
            yield* push(ref, next(15_000, 10))
            assert.strictEqual(yield* loop.evaluations, before + 3)
            assert.deepStrictEqual(yield* alerts.current, [])
          }).pipe(
            Effect.provide(loopOver(ref, { SYSTEM_PROFILER_ALERTS_FILE: path, SYSTEM_PROFILER_ALERTS_GRACE: "0s" }))
          )
        )
      }).pipe(Effect.scoped)
  )

  it.effect("a reading the observation cannot be built from costs one evaluation; the next is evaluated", () =>
    Effect.gen(function* () {
      const next = cpuSeries()
      const ref = yield* makeReadingsHub(next(0, 10))
      yield* withRulesFile(RULES.replace("for: 1m", "for: 0s"), (path) =>
        Effect.gen(function* () {
          const alerts = yield* Alerts
          const loop = yield* AlertLoop
          yield* evaluated(1)
          const good = next(1_000, 10)
          // A host reading without its /proc/stat figures: building the CPU figure throws.
          const broken: Readings = { ...good, host: { ...good.host, current: Result.succeed({} as HostReading) } }
          const before = yield* loop.evaluations
          yield* ref.publish(() => broken)
          yield* TestClock.adjust("1 second")
          yield* push(ref, next(2_000, 99))
          assert.strictEqual(yield* loop.evaluations, before + 1)
          assert.deepStrictEqual(
            (yield* alerts.current).map((a) => `${a.alertname}:${a.state}`),
            ["CpuBusy:firing"]
          )
        }).pipe(
          Effect.provide(loopOver(ref, { SYSTEM_PROFILER_ALERTS_FILE: path, SYSTEM_PROFILER_ALERTS_GRACE: "0s" }))
        )
      )
    }).pipe(Effect.scoped)
  )

  it.effect("a container's OOM kill and its CPU held at its limit fire their rules from the cgroup's figures", () =>
    Effect.gen(function* () {
      const VALIDATOR = "pi-site-ai-img-validator-1"
      const rules = `
rules:
  - name: OomKilled
    figure: container.oom_kills
    comparison: ">"
    threshold: 0
    window: 10m
    for: 0s
    severity: critical
  - name: CpuAtLimit
    figure: container.cpu_of_limit
    comparison: ">="
    threshold: 90
    for: 0s
    severity: warning
`
      const services = new SampleError({ section: "services", reason: new NotSampledYet() })
      const first = mockContainersReading(0)
      // Ten seconds later the validator (held to 0.2 CPUs) used all of its quota, and the OOM
      // killer ended one of its processes.
      const busy: ContainersReading = {
        at: 10_000,
        containers: first.containers.map((c) =>
          c.name !== VALIDATOR
            ? c
            : {
                ...c,
                counters: {
                  ...c.counters!,
                  cpuNanos: c.counters!.cpuNanos + 0.2 * 10e9,
                  systemCpuNanos: c.counters!.systemCpuNanos! + c.counters!.onlineCpus * 10e9,
                  oomKills: c.counters!.oomKills! + 1
                }
              }
        )
      }
      const ref = yield* makeReadingsHub(readingsOf(0, { host: mockHostReading(0), containers: first, services }))
      yield* withRulesFile(rules, (path) =>
        Effect.gen(function* () {
          const alerts = yield* Alerts
          yield* TestClock.adjust("10 seconds")
          yield* push(
            ref,
            readingsOf(10_000, { host: mockHostReading(10_000), containers: busy, previousContainers: first, services })
          )
          const current = yield* alerts.current
          assert.deepStrictEqual(current.map((a) => `${a.alertname}:${a.subject}:${a.state}:${a.value}`).sort(), [
            `CpuAtLimit:${VALIDATOR}:firing:100`,
            `OomKilled:${VALIDATOR}:firing:1`
          ])
        }).pipe(
          Effect.provide(loopOver(ref, { SYSTEM_PROFILER_ALERTS_FILE: path, SYSTEM_PROFILER_ALERTS_GRACE: "0s" }))
        )
      )
    }).pipe(Effect.scoped)
  )

  it.effect("SYSTEM_PROFILER_ALERTS=off: no rules, nothing evaluated, no notifier", () =>
    Effect.gen(function* () {
      const ref = yield* makeReadingsHub(cpuSeries()(0, 99))
      yield* Effect.gen(function* () {
        assert.deepStrictEqual((yield* Alerts).rules, [])
        assert.deepStrictEqual((yield* Notifier).destinations, [])
        yield* ref.publish(() => cpuSeries()(1000, 99))
        yield* Effect.yieldNow
        assert.strictEqual(yield* (yield* AlertLoop).evaluations, 0)
      }).pipe(
        Effect.provide(
          loopOver(ref, {
            SYSTEM_PROFILER_ALERTS: "off",
            SYSTEM_PROFILER_NOTIFY: "webhook+http://127.0.0.1:9/hook"
          })
        )
      )
    }).pipe(Effect.scoped)
  )
})
