import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { Alerts } from "../alerts/Alerts.ts"
import { alertsView } from "../alerts/view.ts"
import { PROMETHEUS_RULES_CONTENT_TYPE } from "../api/Alerts.ts"
import { ProfilerApi } from "../api/Api.ts"
import { Notifier } from "../notify/Notifier.ts"

export const AlertsHandlers = HttpApiBuilder.group(ProfilerApi, "alerts", (handlers) =>
  Effect.gen(function* () {
    const alerts = yield* Alerts
    const notifier = yield* Notifier
    // The rules never change while the service runs: the file is rendered once, when first asked,
    // by a module loaded then (rulesExport.ts says why).
    let rules: Uint8Array | undefined
    return handlers
      .handle("alerts", () =>
        Effect.gen(function* () {
          return alertsView(yield* alerts.current, yield* alerts.history, yield* notifier.status)
        })
      )
      .handle("alertRules", () =>
        Effect.gen(function* () {
          if (rules === undefined) {
            const { toPrometheusRules } = yield* Effect.promise(() => import("../alerts/rulesExport.ts"))
            rules = new TextEncoder().encode(toPrometheusRules(alerts.rules))
          }
          return HttpServerResponse.uint8Array(rules, { contentType: PROMETHEUS_RULES_CONTENT_TYPE })
        })
      )
  })
)
