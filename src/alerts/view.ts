import type { DeliveryStatus } from "../notify/Notifier.ts"
import type { Alert, Transition } from "./engine.ts"

// The body of GET /alerts (src/api/Alerts.ts) from the service's alerts: ISO times, and without
// the destinations, which may hold tokens. A pure view; it does not import the contract, the
// contract's test checks the two agree.

const iso = (ms: number) => new Date(ms).toISOString()

const common = (a: Alert | Transition) => ({
  alertname: a.alertname,
  severity: a.severity,
  subjectKind: a.subjectKind,
  subject: a.subject,
  figure: a.figure,
  unit: a.unit,
  comparison: a.comparison,
  threshold: a.threshold,
  resolveThreshold: a.resolveThreshold,
  since: iso(a.since),
  firedAt: a.firedAt === null ? null : iso(a.firedAt),
  summary: a.summary
})

export const alertView = (a: Alert) => ({ ...common(a), state: a.state, value: a.value })

export const transitionView = (t: Transition) => ({
  ...common(t),
  event: t.event,
  state: t.state,
  value: t.value,
  at: iso(t.at),
  reason: t.reason
})

/** GET /alerts; `notifications` is the notifier's status, which holds display forms only. */
export const alertsView = (
  current: ReadonlyArray<Alert>,
  history: ReadonlyArray<Transition>,
  notifications: ReadonlyArray<DeliveryStatus> = []
) => ({
  firing: current.filter((a) => a.state === "firing").map(alertView),
  pending: current.filter((a) => a.state === "pending").map(alertView),
  history: history.map(transitionView),
  notifications
})
