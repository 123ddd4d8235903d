// A request the API cannot decode gets the documented {"error": ...} body, not an empty 400.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { repeatedParameters } from "../../src/server/badRequest.ts"
import { get, newCalls, serve, TOKEN } from "../stream/harness.ts"

const auth = { "x-profiler-token": TOKEN }

describe("a query the API cannot decode", () => {
  it.live("?window=1m&window=2m is a 400 with {error} naming the repeated parameter", () =>
    Effect.gen(function* () {
      const r = yield* get("/history?window=1m&window=2m", auth)
      assert.strictEqual(r.status, 400)
      assert.match(r.contentType ?? "", /^application\/json/)
      const body = JSON.parse(r.text) as Record<string, unknown>
      assert.deepStrictEqual(Object.keys(body), ["error"])
      assert.strictEqual(body.error, 'the query parameter "window" may be given only once')
      // The token is still checked first: a refused request learns nothing about the query.
      const anonymous = yield* get("/history?window=1m&window=2m")
      assert.strictEqual(anonymous.status, 401)
      // One window is still read as before.
      assert.strictEqual((yield* get("/history?window=1m", auth)).status, 200)
    }).pipe(Effect.provide(serve({}, newCalls())))
  )

  it("repeatedParameters names each repeated key once, in order, and nothing else", () => {
    assert.deepStrictEqual(repeatedParameters("/history?window=1m&window=2m"), ["window"])
    assert.deepStrictEqual(repeatedParameters("/history?b=1&a=1&b=2&a=2&a=3&c=1"), ["b", "a"])
    assert.deepStrictEqual(repeatedParameters("/history?window=1m"), [])
    assert.deepStrictEqual(repeatedParameters("/history"), [])
  })
})
