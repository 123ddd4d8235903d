// The keys a container event keeps, sorted: everything else Docker sends (every label of the
// container, its image, its command) must be gone, in the decoded event and in the stored row.
export const EVENT_KEYS = [
  "action",
  "composeProject",
  "composeService",
  "exitCode",
  "health",
  "id",
  "name",
  "oomKilled",
  "signal",
  "timeNano"
]
