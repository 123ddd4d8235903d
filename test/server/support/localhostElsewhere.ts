// Preloaded into the service's process (node --import): "localhost" resolves to 0.0.0.0 for
// listen(), as it does on a machine whose hosts file maps localhost to a LAN address. net's
// listen() looks the name up through dns.lookup (with `all: true`), which is what this replaces.
import dns from "node:dns"

const lookup = dns.lookup
const replaced = (hostname: string, ...rest: Array<unknown>) => {
  const callback = rest.at(-1) as (error: Error | null, ...answer: Array<unknown>) => void
  const all = typeof rest[0] === "object" && rest[0] !== null && (rest[0] as { all?: boolean }).all === true
  if (hostname === "localhost") {
    return process.nextTick(() =>
      all ? callback(null, [{ address: "0.0.0.0", family: 4 }]) : callback(null, "0.0.0.0", 4)
    )
  }
  return (lookup as (...args: Array<unknown>) => void)(hostname, ...rest)
}
;(dns as { lookup: unknown }).lookup = replaced
