// The port check against Node's own fetch: the list it warns about is the list fetch refuses.
import * as fs from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { blockedPort } from "../../src/client/ProfilerUnreachable.ts"
import { checkPort, FETCH_BAD_PORTS, portFinding } from "../../src/doctor/port.ts"
import { inputFor } from "./support.ts"

/**
 * True when fetch refuses the port itself, as the client tells it; any other outcome (refused,
 * an answer, the timeout) is a port it allows.
 */
const fetchRefuses = async (port: number): Promise<boolean> => {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) })
    return false
  } catch (error) {
    return blockedPort(error)
  }
}

/** TCP ports something listens on in this network namespace (/proc/net/tcp and tcp6, state 0A). */
const listening = (): Set<number> => {
  const ports = new Set<number>()
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      if (state === "0A" && local !== undefined) ports.add(Number.parseInt(local.split(":").at(-1) ?? "", 16))
    }
  }
  return ports
}

// The highest bad port is 10080; the ports above it up to LAST show that nothing past it is new.
const LAST = 11_000

describe("port", () => {
  it("holds the list to the ports Node's fetch refuses, 1 to 11000", async () => {
    const refused: Array<number> = []
    // A port fetch allows is connected to, so one that something on this machine serves is left
    // out: the scan sends no request to anybody. Loopback connections to ports nobody serves are
    // refused at once; a batch keeps the open sockets few.
    const served = listening()
    const ports = Array.from({ length: LAST }, (_, i) => i + 1).filter(
      (port) => !served.has(port) || FETCH_BAD_PORTS.has(port)
    )
    for (let i = 0; i < ports.length; i += 500) {
      const batch = ports.slice(i, i + 500)
      const answers = await Promise.all(batch.map(fetchRefuses))
      refused.push(...batch.filter((_, j) => answers[j]))
    }
    expect(refused).toEqual([...FETCH_BAD_PORTS].sort((a, b) => a - b))
  }, 60_000)

  it.effect("fails on a bad port, naming it and what to set instead", () =>
    Effect.gen(function* () {
      const found = yield* checkPort(inputFor("/nonexistent", undefined, { port: 10080 }))
      expect(found.status).toBe("fail")
      expect(found.finding).toContain("PORT 10080 is one of the Fetch standard's bad ports")
      expect(found.fix).toContain("set PORT to another port (8787 is the default)")
    })
  )

  it("is ok on the default and on ports beside bad ones", () => {
    for (const port of [8787, 3000, 6001, 6664, 6670, 10079, 10081]) {
      const found = portFinding(port)
      expect(found.status, String(port)).toBe("ok")
      expect(found.finding).toContain(`port ${port}`)
      expect(found.fix).toBeNull()
    }
  })

  it("warns on port 0, which no web app can be told in advance", () => {
    const found = portFinding(0)
    expect(found.status).toBe("warn")
    expect(found.fix).toContain("set PORT to a fixed port")
  })
})
