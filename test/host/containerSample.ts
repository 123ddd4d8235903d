// Run inside a container by container.test.ts: one host sample with the production mounts,
// printed as JSON. Not a test file itself.
import { Effect } from "effect"
import { makeHostSampler } from "../../src/collectors/host/collector.ts"

const host = await Effect.runPromise(
  Effect.gen(function* () {
    const sample = yield* makeHostSampler({
      paths: { proc: "/host/proc", sys: "/host/sys", root: "/host/root" },
      networkExclude: ["lo", "veth*", "docker*", "br-*"],
      extraDisks: []
    })
    return yield* sample
  })
)
process.stdout.write(JSON.stringify(host))
