// The /events route as declared for the lead to add: it builds into an OpenAPI document with its
// window parameter, its 400 and its schemas.

import { assert, describe, it } from "@effect/vitest"
import { HttpApi, HttpApiGroup, OpenApi } from "effect/http-api"
import { eventsEndpoint } from "../../src/api/Events.ts"

describe("eventsEndpoint", () => {
  it("documents GET /events?window= with the Timeline body and the InvalidQuery 400", () => {
    const api = HttpApi.make("t").add(HttpApiGroup.make("g", { topLevel: true }).add(eventsEndpoint))
    const spec = OpenApi.fromApi(api)
    const get = spec.paths["/events"]?.get
    assert.isDefined(get)
    assert.deepStrictEqual(
      get!.parameters?.map((p) => ("name" in p ? [p.name, p.in] : [])),
      [["window", "query"]]
    )
    const text = JSON.stringify(spec)
    assert.include(text, '"Timeline"')
    assert.include(text, '"TimelineEvent"')
    assert.include(Object.keys(get!.responses ?? {}), "400")
  })
})
