import { Schema } from "effect"

// A container's change as Docker's event stream tells it, reduced to the allowlisted facts. The
// daemon's event carries every label of the container (and of its image) in its attributes;
// none of them has a field here, so none can reach the timeline, a log or a response.

/**
 * The actions kept: the ones that change what a container is doing or why it stopped. Others
 * (attach, exec_*, top, resize, rename, update...) are never asked for (see the `event` filter in
 * ContainerEvents.ts) and dropped if they arrive: an exec action's text quotes its command line.
 */
export const EVENT_ACTIONS = [
  "create",
  "start",
  "restart",
  "stop",
  "kill",
  "die",
  "oom",
  "pause",
  "unpause",
  "health_status",
  "destroy"
] as const
export const EventAction = Schema.Literals(EVENT_ACTIONS)
export type EventAction = typeof EventAction.Type

export const EventHealth = Schema.Literals(["starting", "healthy", "unhealthy"])
export type EventHealth = typeof EventHealth.Type

export const ContainerEvent = Schema.Struct({
  timeNano: Schema.BigInt.annotate({
    description: "When the daemon logged it, in nanoseconds since the epoch (its timeNano, exact)"
  }),
  id: Schema.String.annotate({ description: "The container's full id" }),
  name: Schema.String.annotate({ description: "The container's name, without Docker's leading slash" }),
  action: EventAction,
  exitCode: Schema.NullOr(Schema.Int).annotate({ description: "On die: the main process's exit code" }),
  signal: Schema.NullOr(Schema.Int).annotate({ description: "On kill: the signal number sent" }),
  health: Schema.NullOr(EventHealth).annotate({ description: "On health_status: the new status" }),
  oomKilled: Schema.NullOr(Schema.Boolean).annotate({
    description: "On die: whether the kernel's OOM killer struck in that run (an oom event since its start)"
  }),
  composeProject: Schema.NullOr(Schema.String).annotate({ description: "The com.docker.compose.project label" }),
  composeService: Schema.NullOr(Schema.String).annotate({ description: "The com.docker.compose.service label" })
})
export type ContainerEvent = typeof ContainerEvent.Type

/** Milliseconds since the epoch of an event's timeNano. */
export const eventMillis = (event: Pick<ContainerEvent, "timeNano">): number => Number(event.timeNano / 1_000_000n)

/** What tells two deliveries of one event apart from two events: the daemon's time, the container, the action. */
export const eventKey = (event: ContainerEvent): string =>
  `${event.timeNano} ${event.id} ${event.action}${event.health === null ? "" : `:${event.health}`}`
