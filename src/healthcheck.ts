// The container's HEALTHCHECK: GET /health on the service's own listener, exit 0 when it answers
// {"ok":true}. Plain Node, without Effect, so that it starts in tens of milliseconds every
// interval (a Raspberry Pi pays for every start). The image has no curl or wget to rely on:
// node:24-alpine has busybox wget, other bases do not, node is the one thing every base has.
// Docker runs it as the container's user, root: it drops to the service's user first, like the
// service, so that nothing in the container goes on running as root.
import { dropPrivileges } from "./privileges.ts"

dropPrivileges(process.env)

const port = Number(process.env.PORT ?? "") || 8787
const listen = (process.env.HOST ?? "").trim()
// A wildcard listener answers on loopback; a specific address only on itself.
const host = listen === "" || listen === "0.0.0.0" || listen === "::" ? "127.0.0.1" : listen
const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/health`

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4_000) })
  const body = (await response.json()) as { readonly ok?: unknown }
  if (response.status !== 200 || body.ok !== true) {
    console.error(`healthcheck: ${url} answered ${response.status} ${JSON.stringify(body)}`)
    process.exit(1)
  }
} catch (cause) {
  console.error(`healthcheck: ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`)
  process.exit(1)
}
