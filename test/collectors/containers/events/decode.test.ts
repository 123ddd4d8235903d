// Event lines through the allowlist: real lines captured from dockerd keep only the name, the
// exit code, the signal, the health status and the compose project and service; every other
// attribute (labels, an exec's command line) is gone, and a malformed line says so in a fixed
// phrase that quotes nothing of it.

import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { type ContainerEvent, eventKey } from "../../../../src/collectors/containers/events/ContainerEvent.ts"
import { parseEventLine } from "../../../../src/collectors/containers/events/decode.ts"
import { eventLine } from "../support/fakeDocker.ts"
import { EVENT_KEYS } from "./allowlist.ts"

const fixture = readFileSync(new URL("../../../fixtures/docker/events-live-vm/events.ndjson", import.meta.url), "utf8")
const lines = fixture.split("\n").filter((l) => l !== "")
const ID = "79242cd89852afbe5cf885ffd6b77cc7e9c63517b1e39759645521668555a33a"

const decoded = lines.map(parseEventLine)
const events = decoded.flatMap((o) => (o._tag === "Event" ? [o.event] : []))

/** An event's JSON with bigints as strings, to search for strings in it. */
const text = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v))

describe("real lines from dockerd 20.10 (fixture)", () => {
  it("keeps the lifecycle actions and drops exec and attach", () => {
    assert.strictEqual(lines.length, 33)
    assert.deepStrictEqual(
      events.map((e) => e.action),
      [
        ...["start", "health_status", "kill", "die", "stop", "start", "kill", "die", "start", "restart"],
        ...["pause", "unpause", "kill", "die", "destroy", "create", "start", "oom", "die", "destroy"]
      ]
    )
    // exec_create/exec_start/exec_die of the healthcheck and of `docker exec`, and attach.
    assert.strictEqual(decoded.filter((o) => o._tag === "Ignored").length, 13)
    assert.strictEqual(decoded.filter((o) => o._tag === "Undecodable").length, 0)
  })

  it("reads the exit codes, signals and health status where Docker puts them", () => {
    const web = events.filter((e) => e.name === "evcap-web-29553")
    assert.deepStrictEqual(
      web.filter((e) => e.action === "die").map((e) => e.exitCode),
      [3, 137, 137]
    )
    assert.deepStrictEqual(
      web.filter((e) => e.action === "kill").map((e) => e.signal),
      [15, 9, 9]
    )
    assert.deepStrictEqual(
      web.filter((e) => e.action === "health_status").map((e) => e.health),
      ["healthy"]
    )
    // Only die has an exit code and only kill a signal, whatever else carries the attribute.
    for (const e of events) {
      if (e.action !== "die") assert.isNull(e.exitCode, e.action)
      if (e.action !== "kill") assert.isNull(e.signal, e.action)
    }
    const oom = events.filter((e) => e.name === "evcap-oom-29553").map((e) => [e.action, e.exitCode])
    assert.deepStrictEqual(oom, [
      ["create", null],
      ["start", null],
      ["oom", null],
      ["die", 137],
      ["destroy", null]
    ])
  })

  it("keeps timeNano exact, past 2^53", () => {
    const first = events[0]!
    assert.strictEqual(first.timeNano, 1796212888495777461n)
    assert.strictEqual(first.id, ID)
    assert.deepStrictEqual([first.composeProject, first.composeService], ["pi-site", "web"])
  })

  it("keeps no other attribute, label, command line or image", () => {
    const all = text(events)
    for (const secret of [
      "PLACEHOLDER",
      "config-hash",
      "0123abcd",
      "fixture.secret",
      "sp-fixture",
      "busybox",
      "echo"
    ]) {
      assert.notInclude(all, secret)
    }
    for (const e of events) {
      assert.deepStrictEqual(Object.keys(e).sort(), EVENT_KEYS)
    }
  })
})

const base: ContainerEvent = {
  timeNano: 1_796_212_888_495_777_461n,
  id: ID,
  name: "web",
  action: "die",
  exitCode: 1,
  signal: null,
  health: null,
  oomKilled: null,
  composeProject: null,
  composeService: null
}

describe("malformed and foreign lines", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["not json {", "a line that is not JSON"],
    ['{"Action": 3}', "a line that is not an event's shape"],
    ['{"Action":"die","Actor":{"ID":"zz","Attributes":{"name":"web"}},"timeNano":1}', "an event whose container id"],
    [`{"Action":"die","Actor":{"ID":"${ID}","Attributes":{}},"timeNano":1}`, "an event without a valid container name"],
    [`{"Action":"die","Actor":{"ID":"${ID}","Attributes":{"name":"web"}}}`, "an event without its time"],
    [`{"Action":"die","Actor":{"ID":"${ID}","Attributes":{"name":"a b"}},"time":1}`, "an event without a valid"]
  ]
  for (const [line, problem] of cases) {
    it(`${line.slice(0, 40)}: ${problem}`, () => {
      const outcome = parseEventLine(line)
      assert.strictEqual(outcome._tag, "Undecodable")
      if (outcome._tag === "Undecodable") assert.include(outcome.problem, problem)
    })
  }

  it("ignores other types, unknown actions, and health statuses it does not know", () => {
    for (const [type, action] of [
      ["image", "pull"],
      ["container", "exec_start: sh -c secret"],
      ["container", "rename"],
      ["container", "health_status: weird"],
      ["container", "die: extra"]
    ] as const) {
      const outcome = parseEventLine(eventLine({ id: ID, name: "web", action, timeNano: 1n, type }).trim())
      assert.strictEqual(outcome._tag, "Ignored", `${type} ${action}`)
    }
  })

  it("an exit code or compose label that is not what Docker writes becomes null", () => {
    const outcome = parseEventLine(
      eventLine({
        ...base,
        attributes: {
          exitCode: "x1",
          "com.docker.compose.project": "../etc",
          "com.docker.compose.service": "a".repeat(300)
        }
      }).trim()
    )
    assert.strictEqual(outcome._tag, "Event")
    if (outcome._tag !== "Event") return
    assert.deepStrictEqual(
      [outcome.event.exitCode, outcome.event.composeProject, outcome.event.composeService],
      [null, null, null]
    )
  })

  it("the event key tells a replay from another event", () => {
    assert.notStrictEqual(eventKey(base), eventKey({ ...base, timeNano: base.timeNano + 1n }))
    assert.notStrictEqual(
      eventKey({ ...base, action: "health_status", health: "healthy" }),
      eventKey({ ...base, action: "health_status", health: "unhealthy" })
    )
    assert.strictEqual(eventKey(base), eventKey({ ...base }))
  })
})

// Label keys and values as a container may carry them: anything printable, secrets included.
const secret = fc.string({
  minLength: 12,
  maxLength: 40,
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_.=/:@ ")
})
const labelKey = fc.string({ minLength: 1, maxLength: 30, unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz.-_/") })

describe("property: no attribute outside the allowlist survives", () => {
  it("random labels with random secret values never reach the decoded event", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          labelKey.filter((k) => !k.startsWith("com.docker.compose")),
          secret,
          { maxKeys: 12 }
        ),
        secret,
        fc.constantFrom("start", "die", "kill", "oom", "health_status: healthy", "exec_start: sh -c x"),
        (labels, token, action) => {
          const marker = `S3CR3T${token}`
          const attributes = { ...labels, [`x.${token}`]: marker, exitCode: "0", signal: "15" }
          delete (attributes as Record<string, string>).name
          const outcome = parseEventLine(eventLine({ id: ID, name: "web-1", action, timeNano: 5n, attributes }).trim())
          const shown = text(outcome)
          assert.notInclude(shown, "S3CR3T")
          for (const value of Object.values(labels)) if (value.length >= 12) assert.notInclude(shown, value)
          if (outcome._tag === "Event") {
            assert.strictEqual(outcome.event.name, "web-1")
            assert.isNull(outcome.event.composeProject)
          }
        }
      )
    )
  })

  it("any text is an event, ignored or undecodable, never a throw", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ Actor: v }))
        ),
        (line) => {
          const outcome = parseEventLine(line)
          assert.include(["Event", "Ignored", "Undecodable"], outcome._tag)
        }
      )
    )
  })
})
