// Which destinations each rule sends to: SYSTEM_PROFILER_NOTIFY's for a rule that names none, the
// rules file's URLs (each once in the notifier), and names of configured destinations; a bad URL
// or an unknown name stops the start, naming the rule and never quoting the entry.

import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { routeDestinations } from "../../src/alerts/routing.ts"
import { parseDestinations } from "../../src/notify/Destination.ts"
import { NOTIFY_VARIABLE } from "../../src/notify/settings.ts"
import { rulesOf } from "./support.ts"

const CONFIGURED =
  "ntfy://:tk_S3cretToken1@ntfy.sh/pi-alerts,telegram://110201543:AAHdqTcvCH1vGWJxfSe@telegram?chats=-100123"

const route = (raw: string, ...entries: ReadonlyArray<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const configured = yield* parseDestinations(raw, NOTIFY_VARIABLE)
    return yield* routeDestinations(rulesOf(...entries), configured, raw, "/etc/alerts.yaml")
  })

const rule = (name: string, destinations?: ReadonlyArray<string>, enabled = true) => ({
  name,
  figure: "host.load1",
  comparison: ">",
  threshold: 4,
  enabled,
  ...(destinations === undefined ? {} : { destinations })
})

describe("routeDestinations", () => {
  it.effect("a rule without destinations sends to every configured one", () =>
    Effect.gen(function* () {
      const routing = yield* route(CONFIGURED, rule("Load"))
      assert.deepStrictEqual(
        routing.destinations.map((d) => d.display),
        ["ntfy://ntfy.sh/***", "telegram://telegram"]
      )
      assert.deepStrictEqual(routing.byRule.get("Load"), ["ntfy://ntfy.sh/***", "telegram://telegram"])
    })
  )

  it.effect("the file's URLs join the notifier once; a URL already configured is that destination", () =>
    Effect.gen(function* () {
      const hook = "webhook+http://127.0.0.1:9093/hook"
      const routing = yield* route(
        CONFIGURED,
        rule("A", [hook]),
        rule("B", [hook, "ntfy://:tk_S3cretToken1@ntfy.sh/pi-alerts"]),
        rule("C", ["gotify://push.example.org/AzyoeNS.D4iJLVa"], false)
      )
      assert.deepStrictEqual(
        routing.destinations.map((d) => d.display),
        ["ntfy://ntfy.sh/***", "telegram://telegram", "webhook+http://127.0.0.1:9093/hook"]
      )
      assert.deepStrictEqual(routing.byRule.get("A"), ["webhook+http://127.0.0.1:9093/hook"])
      assert.deepStrictEqual(routing.byRule.get("B"), ["webhook+http://127.0.0.1:9093/hook", "ntfy://ntfy.sh/***"])
    })
  )

  it.effect("a name is a configured destination's kind or display form", () =>
    Effect.gen(function* () {
      const routing = yield* route(CONFIGURED, rule("K", ["telegram"]), rule("D", ["ntfy://ntfy.sh/***"]))
      assert.deepStrictEqual(routing.byRule.get("K"), ["telegram://telegram"])
      assert.deepStrictEqual(routing.byRule.get("D"), ["ntfy://ntfy.sh/***"])
    })
  )

  it.effect("two file URLs with the same display form stay two destinations", () =>
    Effect.gen(function* () {
      const routing = yield* route(
        "",
        rule("A", ["ntfy://:tk_FirstS3cret1@ntfy.sh/topic-one"]),
        rule("B", ["ntfy://:tk_OtherS3cret2@ntfy.sh/topic-two"])
      )
      assert.deepStrictEqual(
        routing.destinations.map((d) => d.display),
        ["ntfy://ntfy.sh/***", "ntfy://ntfy.sh/***#2"]
      )
      assert.deepStrictEqual(routing.byRule.get("B"), ["ntfy://ntfy.sh/***#2"])
    })
  )

  it.effect("a bad URL names the rule and the entry, not the URL", () =>
    Effect.gen(function* () {
      const secret = "telegram://123:short-S3cret@telegram"
      const result = yield* Effect.result(route(CONFIGURED, rule("Phone", ["ntfy", secret])))
      assert.isTrue(Result.isFailure(result))
      const message = Result.isFailure(result) ? result.failure.message : ""
      assert.include(message, 'SYSTEM_PROFILER_ALERTS_FILE, rule "Phone", destinations: entry 2')
      assert.include(message, "accepts")
      assert.notInclude(message, "S3cret")
    })
  )

  it.effect("a name that matches no configured destination stops the start, not quoted", () =>
    Effect.gen(function* () {
      const result = yield* Effect.result(route(CONFIGURED, rule("Phone", ["pager-S3cret"])))
      assert.isTrue(Result.isFailure(result))
      const error = Result.isFailure(result) ? result.failure : undefined
      assert.strictEqual(error?._tag, "AlertRulesInvalid")
      assert.include(error!.message, 'rule "Phone", field "destinations": entry 1 is neither a URL')
      assert.include(error!.message, "/etc/alerts.yaml")
      assert.notInclude(error!.message, "S3cret")
    })
  )
})
